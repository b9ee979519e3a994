"""Directional facts the model must reproduce (seeded, decisive).

Each test draws enough complaints that the effect is many standard errors wide; seeds are
fixed so the tests do not flake. The first version's facts are checked on its own
scenario (``scenario=first_version``); where the calibrated default measures the same
effect differently, a test checks it there too.
"""

from __future__ import annotations

import numpy as np
import pytest

from escalationsim import compose, simulate
from escalationsim.analysis.aggregate import mean_ci
from escalationsim.analysis.fairness import effective_ttr, top_share_mask
from tests.conftest import NO_TRIAGE

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check


def _job(*overrides: str):
    base = ["run.horizon_days=30", "run.warmup_days=5", "run.workers=2", "run.seed=2026"]
    return simulate(compose(base + list(overrides)))


def _pooled_ratio(g, rng: np.random.Generator, boot: int = 300) -> tuple[float, float, float]:
    """Median effective TTR of the top 1% by followers (within each replication) over the
    rest, pooled over replications, with a bootstrap 95% interval."""
    top = np.concatenate(
        [top_share_mask(r["followers"].to_numpy()) for _, r in g.groupby("replication")]
    )
    g = g.sort_values(["replication"], kind="stable")
    eff = effective_ttr(g["time_to_resolution_h"].to_numpy(), g["resolved"].to_numpy())
    a, b = eff[top], eff[~top]
    point = np.median(a) / np.median(b)
    draws = [
        np.median(rng.choice(a, len(a))) / np.median(rng.choice(b, len(b))) for _ in range(boot)
    ]
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return float(point), float(lo), float(hi)


@pytest.fixture(scope="module")
def influence_vs_fcfs():
    return _job(
        "run.policies=[rigid_script,omnichannel]", "run.replications=10", "scenario=first_version"
    )


def test_top_followers_resolved_faster_under_rigid_script(influence_vs_fcfs):
    df = influence_vs_fcfs.complaints
    rng = np.random.default_rng(1)
    point, lo, hi = _pooled_ratio(df[df.policy == "rigid_script"], rng)
    assert hi < 0.9, (point, lo, hi)
    # the per-replication KPI agrees on the direction
    k = influence_vs_fcfs.kpis
    assert k.loc[k.policy == "rigid_script", "follower_ttr_ratio"].median() < 1


def test_follower_ratio_near_one_under_omnichannel(influence_vs_fcfs):
    df = influence_vs_fcfs.complaints
    rng = np.random.default_rng(2)
    point, lo, hi = _pooled_ratio(df[df.policy == "omnichannel"], rng)
    assert 0.8 < point < 1.3, (point, lo, hi)
    rigid, *_ = _pooled_ratio(df[df.policy == "rigid_script"], rng)
    assert point - rigid > 0.2


def test_big_accounts_posts_are_answered_far_more_often_only_by_influence():
    """On the calibrated default, where back-office days dominate time to resolution, the
    by-influence effect shows where it arises: on social, the top 1% by followers get
    their posts answered far more often than the rest; first come first served answers
    everyone alike (Gunarathne, Rui & Seidmann, MIS Quarterly 2018)."""
    res = _job("run.policies=[rigid_script,omnichannel]", "run.replications=3")
    df = res.complaints
    # first come, first served: 1 but for the top 1%'s binomial noise (a few hundred
    # posts a replication, some expiring unanswered while the reps are busy: +-0.1)
    for policy, lo, hi in (("rigid_script", 1.3, np.inf), ("omnichannel", 0.9, 1.1)):
        shares = []
        for _, g in df[df.policy == policy].groupby("replication"):
            top = top_share_mask(g["followers"].to_numpy())
            posts, answered = g["posts"].to_numpy(), g["posts_answered"].to_numpy()
            shares.append(
                answered[top].sum() / posts[top].sum() / (answered[~top].sum() / posts[~top].sum())
            )
        assert all(lo < s < hi for s in shares), (policy, shares)


def test_empowered_reps_escalate_to_ceo_less():
    res = _job("run.policies=[rigid_script,empowered_rep]", "run.replications=4")
    k = res.kpis.pivot(index="replication", columns="policy", values="escalation_rate_ceo")
    diff = (k["rigid_script"] - k["empowered_rep"]).to_numpy()
    m, lo, hi = mean_ci(diff)
    assert lo > 0, (m, lo, hi)
    assert (diff > 0).all()


@pytest.fixture(scope="module")
def ceo_by_volume():
    """A responding CEO who answers every letter (no triage) as volume grows, without
    customers who remember: word of mouth
    then counts absolute answers (the earlier behaviour, whose directional facts these
    are). With a finite base it counts answers per customer, so the share going straight
    to the CEO no longer grows with company size (tests.test_publicity)."""
    out = {}
    for vol in (25, 60, 200):
        for days in (30, 60):
            out[vol, days] = _job(
                "run.policies=[ceo_responds]",
                "run.replications=3",
                *NO_TRIAGE,
                f"scenario.volume_per_day={vol}",
                f"run.horizon_days={days}",
                "scenario.customers.enabled=false",
            )
    return out


def test_ceo_load_and_share_rise_with_volume(ceo_by_volume):
    util = [ceo_by_volume[v, 60].kpis["util_ceo"].mean() for v in (25, 60, 200)]
    share = [ceo_by_volume[v, 60].kpis["ceo_channel_share"].mean() for v in (25, 60, 200)]
    assert util[0] < util[1] < util[2]
    assert util[0] < 0.5 and util[2] > 0.99
    assert share[0] < share[1] < share[2]


def test_ceo_time_to_resolution_unbounded_past_capacity(ceo_by_volume):
    def ceo_ttr(res):
        """Mean time from writing to the CEO to the answer (age, if still unanswered)."""
        return res.kpis["ceo_wait_mean_h"].mean()

    def backlog(res):
        return res.kpis["ceo_backlog_end"].mean()

    # below capacity: the CEO's backlog and response times do not depend on the horizon
    low30, low60 = ceo_by_volume[25, 30], ceo_by_volume[25, 60]
    assert low60.kpis["stable"].all()
    assert ceo_ttr(low60) == pytest.approx(ceo_ttr(low30), rel=0.3)
    assert backlog(low60) < 10
    # past capacity: the backlog grows with time and so do the response times
    hi30, hi60 = ceo_by_volume[200, 30], ceo_by_volume[200, 60]
    assert not hi60.kpis["stable"].any()
    assert backlog(hi60) > 2 * backlog(hi30) > 100
    # (a wait growing in proportion to the time since the overload began: about 1.8 times
    # for twice the horizon after the warm-up; below capacity the ratio is 1 +- 0.3)
    assert ceo_ttr(hi60) > 1.45 * ceo_ttr(hi30)


def test_first_version_rigid_script_was_calibrated():
    """The first version's calibration, to MISSION's ranges: phone abandonment 5-12%, at
    most half of social complaints answered, staff cost per contact 4-8 USD (the current
    default's calibration: tests.test_calibration)."""
    k = _job("run.policies=[rigid_script]", "run.replications=3", "scenario=first_version").kpis
    assert k["phone_abandon_rate"].between(0.05, 0.12).all()
    assert (k["social_answer_rate"] <= 0.5).all()
    assert k["staff_cost_per_contact"].between(4.0, 8.0).all()
