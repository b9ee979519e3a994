"""Policy levers: each mode's behaviour, and presets built from config alone."""

from __future__ import annotations

import math

import pytest

from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine import channels
from escalationsim.policy import (
    EmpoweredRep,
    FcfsSocial,
    InfluenceSocial,
    OfficeCeo,
    RedirectingCeo,
    RespondingCeo,
    ScriptRep,
    Tickets,
    TopCause,
    WordOfMouth,
    build_policy,
    registry,
)
from escalationsim.policy.ceo import CeoRedirects, CeoResponds, OfficeOfCeo
from escalationsim.policy.floodgates import Floodgates
from escalationsim.policy.rep import EmpoweredAuthority, ScriptAuthority
from escalationsim.policy.root_cause import RootCause
from escalationsim.policy.social import FcfsTriage, InfluenceTriage
from escalationsim.policy.tracking import Tracking
from tests.conftest import PRESETS, small_config

S = ScenarioConfig.first_version()


def test_modes_map_to_lever_classes():
    assert isinstance(registry.build("rep", ScriptRep(), S), ScriptAuthority)
    emp = registry.build("rep", EmpoweredRep(budget_usd=50, audit_fraction=0.2), S)
    assert isinstance(emp, EmpoweredAuthority) and emp.budget == 50
    assert isinstance(registry.build("social", InfluenceSocial(), S), InfluenceTriage)
    assert isinstance(registry.build("social", FcfsSocial(), S), FcfsTriage)
    assert isinstance(registry.build("ceo", OfficeCeo(), S), OfficeOfCeo)
    assert isinstance(registry.build("ceo", RespondingCeo(), S), CeoResponds)
    assert isinstance(registry.build("ceo", RedirectingCeo(), S), CeoRedirects)
    assert set(registry.modes("ceo")) == {"office", "responds", "redirects"}
    assert registry.config_class("rep", None) is ScriptRep  # the slot's default mode
    with pytest.raises(TypeError):
        registry.build("rep", FcfsSocial(), S)  # a config of another slot


def test_influence_triage_favours_big_accounts():
    t = InfluenceTriage(InfluenceSocial(influence_intercept=-2.6, influence_slope=0.8), S)
    probs = [t.answer_prob(f) for f in (0, 10, 100, 1_000, 100_000)]
    assert probs == sorted(probs) and probs[0] < 0.1 and probs[-1] > 0.75
    assert t.answer_prob(99) == pytest.approx(1 / (1 + math.exp(-(-2.6 + 0.8 * 2.0))))
    assert t.priority(100_000) < t.priority(10)  # lower value is served first


def test_fcfs_triage_ignores_followers():
    t = FcfsTriage(FcfsSocial(answer_prob=0.7), S)
    assert {t.answer_prob(f) for f in (0, 10**6)} == {0.7}
    assert {t.priority(f) for f in (0, 10**6)} == {0.0}


def test_floodgates_share_formula_and_decay():
    f = Floodgates(WordOfMouth(strength=0.1, memory_days=10, max_share=0.3), S)
    assert f.direct_share(0.0) == 0.0
    for _ in range(5):
        f.register(1.0, 0.0)
    rate = 5 / 10.0  # 5 answers remembered over 10 days -> 0.5 per day
    assert f.direct_share(0.0) == pytest.approx(0.3 * (1 - math.exp(-0.1 * rate)))
    # after one memory time the remembered mass has decayed by e
    later = f.direct_share(240.0)
    assert later == pytest.approx(0.3 * (1 - math.exp(-0.1 * rate / math.e)))
    off = Floodgates(WordOfMouth(strength=0.0), S)
    off.register(1.0, 0.0)
    assert off.direct_share(1.0) == 0.0


def test_tracking_channels():
    classes = [
        channels.channel_classes()[channels.code(n)] for n in ("phone", "email", "social", "ceo")
    ]
    assert [Tracking(Tickets(all_channels=False), S).tracks(c) for c in classes] == [
        True,
        True,
        False,
        False,
    ]
    assert all(Tracking(Tickets(all_channels=True), S).tracks(c) for c in classes)


def test_root_cause_detects_then_prevents_after_lead_time():
    rc = RootCause(TopCause(enabled=True, detect_after=3, lead_days=1, effectiveness=0.5), S)
    rc.saw(0, tracked=False, now=0.0)  # untracked complaints are not seen
    rc.saw(1, tracked=True, now=0.0)  # other causes are not counted
    assert not rc.fixed
    for t in (1.0, 2.0, 3.0):
        rc.saw(0, tracked=True, now=t)
    assert rc.fixed and rc.fix_time == pytest.approx(3.0 + 24.0)
    assert not rc.prevents(0, 0.1, 26.0)  # before the fix ships
    assert rc.prevents(0, 0.1, 28.0)
    assert not rc.prevents(0, 0.9, 28.0)  # u above effectiveness
    assert not rc.prevents(1, 0.1, 28.0)  # other causes unaffected
    off = RootCause(TopCause(enabled=False, detect_after=1), S)
    off.saw(0, tracked=True, now=0.0)
    assert not off.fixed


@pytest.mark.parametrize("name", PRESETS)
def test_presets_compose_from_config(name):
    cfg = small_config(policies=[name])
    policy = build_policy(cfg.policies[name], cfg.scenario)
    assert policy.name == name
    assert cfg.policies[name].name == name


def test_presets_differ_in_their_levers():
    cfg = small_config()
    p = {n: build_policy(cfg.policies[n], cfg.scenario) for n in PRESETS}
    assert isinstance(p["rigid_script"].rep, ScriptAuthority)
    assert isinstance(p["empowered_rep"].rep, EmpoweredAuthority)
    assert isinstance(p["ceo_responds"].ceo, CeoResponds)
    assert isinstance(p["ceo_redirects"].ceo, CeoRedirects)
    assert isinstance(p["omnichannel"].social, FcfsTriage)
    assert p["omnichannel"].tracking.all_channels
    assert isinstance(p["omnichannel"].rep, EmpoweredAuthority)


def test_engine_does_not_branch_on_preset_names():
    """The same levers under another name give the same results."""
    from dataclasses import replace

    from escalationsim import simulate

    cfg = small_config(policies=["ceo_responds"])
    renamed = dict(cfg.policies)
    renamed["my_copy"] = replace(cfg.policies["ceo_responds"], name="my_copy")
    cfg2 = replace(cfg, policies=renamed, run=replace(cfg.run, policies=["my_copy"]))
    a = simulate(cfg).kpis.drop(columns="policy")
    b = simulate(cfg2).kpis.drop(columns="policy")
    assert a.equals(b)


def test_rep_budget_matters_when_managers_may_refuse():
    from escalationsim import simulate

    cfg = small_config(
        "run.horizon_days=10",
        "policies.empowered_rep.rep.manager_approval_prob=0.3",
        policies=["empowered_rep"],
    )
    out = {}
    for budget in (0, 2000):
        pol = dict(cfg.policies)
        emp = pol["empowered_rep"]
        from dataclasses import replace

        pol["empowered_rep"] = replace(emp, rep=replace(emp.rep, budget_usd=budget))
        out[budget] = simulate(replace(cfg, policies=pol)).kpis.iloc[0]
    assert out[2000]["cost_compensation"] > 1.5 * out[0]["cost_compensation"]
    assert out[2000]["resolution_rate"] > out[0]["resolution_rate"] + 0.05
    assert out[2000]["util_managers"] < out[0]["util_managers"]
