"""Weak claims, reps' judgement and audits that teach (engine.judgement): the panel's
rules, and directional facts from Dukes & Zhu (Marketing Science 2019) on the default
scenario, seeded and decisive."""

from __future__ import annotations

import numpy as np
import pytest

from escalationsim import compose, simulate
from escalationsim.config.scenario import ClaimsConfig
from escalationsim.engine.judgement import RepJudgement

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check


def _panel(seats: int = 4, spread: float = 0.0, **kw) -> RepJudgement:
    cfg = ClaimsConfig(enabled=True, rep_spread=spread, **kw)
    return RepJudgement(cfg, seats, np.random.default_rng(1))


def test_rep_grants_weak_and_refuses_legit_claims_at_their_error_rates():
    j = _panel(rep_weak_grant=0.3, rep_legit_refuse=0.1)
    u = np.random.default_rng(2).random(20000)
    weak = np.mean([j.grants(0, True, x) for x in u])
    legit_refused = np.mean([not j.grants(0, False, x) for x in u])
    assert weak == pytest.approx(0.3, abs=0.015)
    assert legit_refused == pytest.approx(0.1, abs=0.01)
    assert j.error_rate() == pytest.approx(0.2)


def test_a_rep_s_multiplier_scales_the_odds_so_a_chance_never_passes_one():
    from escalationsim.engine.judgement import scaled

    assert scaled(0.3, 1.0) == pytest.approx(0.3)
    assert scaled(0.01, 2.0) == pytest.approx(0.02, rel=0.02)  # about m p for small p
    assert 0.99 < scaled(0.3, 1e6) < 1.0 and scaled(0.3, 0.0) == 0.0
    j = _panel(seats=1, rep_weak_grant=0.6)
    j.m[0] = 4.0  # an error-prone rep: 0.6 x 4 would be 2.4
    assert j.error_rate() < 1.0


def test_seats_are_drawn_uniformly_and_reps_differ():
    j = _panel(seats=5, spread=0.5)
    seats = [j.seat(u) for u in np.linspace(0, 0.999999, 1000)]
    assert np.bincount(seats).tolist() == [200] * 5
    assert j.seat(1.0) == 4
    assert len(set(j.m)) == 5


def test_an_audit_finding_an_error_coaches_and_repeated_errors_replace_the_rep():
    j = _panel(seats=1)
    j.audited(0, wrong=False, coaching_effect=0.3, replace_after=3)
    assert j.m[0] == 1.0 and j.found == 0  # a legitimate grant: nothing to coach
    j.audited(0, wrong=True, coaching_effect=0.3, replace_after=3)
    j.audited(0, wrong=True, coaching_effect=0.3, replace_after=3)
    assert j.m[0] == pytest.approx(0.49) and j.coached == 2
    j.audited(0, wrong=True, coaching_effect=0.3, replace_after=3)
    assert j.replaced == 1 and j.errors[0] == 0
    assert j.m[0] == pytest.approx(1.0)  # spread 0: a new rep starts at the initial rates


def test_without_coaching_audits_change_nothing():
    j = _panel(seats=2, spread=0.5)
    before = list(j.m)
    for _ in range(10):
        j.audited(1, wrong=True, coaching_effect=0.0, replace_after=0)
    assert j.m == before and j.found == 10


def test_a_manager_screens_weak_claims_with_their_own_rate():
    j = _panel(manager_weak_grant=0.05)
    assert j.manager_grants(True, 0.5, 0.04) and not j.manager_grants(True, 0.5, 0.06)
    assert j.manager_grants(False, 0.5, 0.49) and not j.manager_grants(False, 0.5, 0.51)


def _kpis(*overrides: str, policies: str = "[rigid_script,empowered_rep]", days: int = 30):
    base = [
        f"run.policies={policies}",
        "run.replications=3",
        f"run.horizon_days={days}",
        "run.warmup_days=3",
        "run.drain_days=10",
        "run.workers=1",
        "run.seed=2026",
        "run.records=false",
    ]
    return simulate(compose(base + list(overrides))).kpis.groupby("policy").mean(numeric_only=True)


def test_script_pays_less_redress_with_more_hassle_and_escalation_than_a_low_budget():
    """Dukes & Zhu: against empowered reps with a low budget (most claims go up to a
    manager), the script pays less redress, and customers with a claim make more
    contacts and escalate more."""
    k = _kpis("policies.empowered_rep.rep.budget_usd=50")
    script, empowered = k.loc["rigid_script"], k.loc["empowered_rep"]
    assert script.redress_cost_per_complaint < 0.5 * empowered.redress_cost_per_complaint
    assert script.hassle_per_exception_complaint > 1.1 * empowered.hassle_per_exception_complaint
    escalated = ["escalation_rate_social", "escalation_rate_ceo"]
    assert script[escalated].sum() > 1.5 * empowered[escalated].sum()


def test_a_higher_budget_pays_more_weak_claims():
    """With weak claims present, a rep budget that covers more claims pays more of the
    weak ones (the manager's review above the budget screens better than the reps)."""
    low = _kpis("policies.empowered_rep.rep.budget_usd=50", policies="[empowered_rep]")
    high = _kpis("policies.empowered_rep.rep.budget_usd=2000", policies="[empowered_rep]")
    low, high = low.loc["empowered_rep"], high.loc["empowered_rep"]
    assert high.weak_claims_paid_usd > 1.5 * low.weak_claims_paid_usd
    assert high.weak_claims_granted_rate > low.weak_claims_granted_rate + 0.05


def test_without_weak_claims_none_are_paid_and_reps_make_no_errors():
    k = _kpis("scenario.claims.enabled=false", policies="[empowered_rep]", days=10)
    row = k.loc["empowered_rep"]
    assert row.weak_claims_paid_usd == 0 and row.rep_error_rate_end == 0


@pytest.mark.parametrize("coaching", [True, False])
def test_audits_with_coaching_lower_the_reps_error_rate(coaching):
    """Audits that find errors coach (or replace) reps, so the panel's error rate falls
    over the run; without coaching audits change nothing."""
    k = _kpis(
        "policies.empowered_rep.rep.audit_fraction=0.5",
        f"policies.empowered_rep.rep.coaching={str(coaching).lower()}",
        policies="[empowered_rep]",
    )
    row = k.loc["empowered_rep"]
    if coaching:
        assert row.rep_error_rate_end < 0.8 * row.rep_error_rate_start
    else:
        assert row.rep_error_rate_end == row.rep_error_rate_start > 0
