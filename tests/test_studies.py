"""The study API (experiment/studies.py): sweeps and robustness studies from Python,
checked before they run."""

from __future__ import annotations

import pytest

import escalationsim as es
from escalationsim.experiment import studies
from tests.conftest import small_config


def test_with_values_sets_keys_typed_as_they_are_and_checks_the_result() -> None:
    sim = small_config(policies=["rigid_script"])
    out = studies.with_values(sim, {"scenario.volume_per_day": 250, "run.replications": 2.0})
    assert out.scenario.volume_per_day == 250.0 and isinstance(out.run.replications, int)
    assert sim.scenario.volume_per_day == 300  # a copy: the original is untouched
    with pytest.raises(es.ConfigError, match="scenario.volume_per_dya is not a key"):
        studies.with_values(sim, {"scenario.volume_per_dya": 3})
    with pytest.raises(es.ConfigError, match="volume_per_day"):
        studies.with_values(sim, {"scenario.volume_per_day": -5})


def test_a_sweep_runs_every_combination_with_its_values_as_columns() -> None:
    sim = small_config(policies=["rigid_script", "empowered_rep"])
    table = es.sweep(sim, {"scenario.volume_per_day": [100, 200], "run.seed": [1, 2]})
    assert list(table.columns[:3]) == ["scenario.volume_per_day", "run.seed", "policy"]
    assert len(table) == 2 * 2 * 2
    # a swept value is that job's: the same as composing it
    one = es.simulate(
        small_config(
            "run.seed=2", "scenario.volume_per_day=200", policies=["rigid_script", "empowered_rep"]
        )
    ).kpis
    got = table[(table["run.seed"] == 2) & (table["scenario.volume_per_day"] == 200)]
    assert got["cost_per_complaint"].tolist() == one["cost_per_complaint"].tolist()


def test_a_bad_combination_stops_the_sweep_before_anything_runs(monkeypatch) -> None:
    ran = []
    monkeypatch.setattr(studies, "simulate", lambda cfg: ran.append(cfg))
    sim = small_config(policies=["rigid_script"])
    with pytest.raises(es.ConfigError, match="volume_per_day"):
        es.sweep(sim, {"scenario.volume_per_day": [100, -1]})
    assert not ran


def test_a_study_whose_uncertainty_sets_no_key_stops_before_any_world_runs(monkeypatch):
    ran = []
    monkeypatch.setattr(studies, "simulate", lambda cfg: ran.append(cfg))
    sim = small_config(policies=["rigid_script", "empowered_rep"])
    bad = {
        "value": es.Uncertainty(
            keys=["scenario.population.clv_medain_usd"], low=1, high=2, source="assumption"
        )
    }
    with pytest.raises(es.ConfigError, match=r"uncertainty\.value at its low end: .*clv_medain"):
        es.robustness(sim, bad, scenarios=4)
    unsourced = {"value": es.Uncertainty(keys=["scenario.population.clv_median_usd"])}
    with pytest.raises(es.ConfigError, match="source"):
        es.robustness(sim, unsourced, scenarios=4)
    assert not ran


def test_an_uncertainty_and_a_lever_are_one_parameter() -> None:
    u = es.Uncertainty(keys=["scenario.a.b", "scenario.c"], low=1, high=5, dist="integer")
    lever = es.Lever(keys=["scenario.a.b"], low=1, high=5, kind="int")
    assert isinstance(u, es.Parameter) and isinstance(lever, es.Parameter)
    assert u.settings(2.6) == {"scenario.a.b": 3, "scenario.c": 3}
    assert lever.settings(2.4) == {"scenario.a.b": 2}
    for p, what in ((u, "dist integer"), (lever, "kind int")):
        p.low = 1.5
        with pytest.raises(es.ConfigError, match=f"a whole number for {what}"):
            p.check_rules("x")


def test_the_package_imports_the_study_api_only_when_used() -> None:
    """``import escalationsim`` (every worker process does) does not load scipy.stats,
    Optuna or scikit-learn for the study API."""
    import subprocess
    import sys

    code = (
        "import sys, escalationsim; "
        "print(sorted(m for m in ('optuna', 'sklearn', 'SALib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_bad_input_from_python_is_a_config_error_naming_it(monkeypatch) -> None:
    """What a notebook user gets wrong is refused before anything runs, by name (the
    cases a newcomer's review of the API tried)."""
    from escalationsim.analysis import kpis

    ran = []
    monkeypatch.setattr(studies, "simulate", lambda cfg: ran.append(cfg))
    sim = small_config(policies=["rigid_script", "empowered_rep"])
    cases = [
        (lambda: studies.with_values(sim, {"scenario.volume_per_day": "abc"}), "must be a number"),
        (lambda: studies.with_values(sim, {"run.replications": 2.6}), "must be a whole number"),
        (lambda: studies.with_values(sim, {"run.replications": True}), "must be a number"),
        (
            lambda: studies.with_values(sim, {"scenario.volume_per_dya": 3}),
            "did you mean 'scenario.volume_per_day'",
        ),
        (lambda: es.sweep(sim, {"scenario.volume_per_day": 100}), "non-empty list"),
        (lambda: es.sweep(sim, {"scenario.volume_per_day": []}), "non-empty list"),
        (lambda: es.robustness(sim, {}, scenarios=4), "uncertainty is empty"),
        (lambda: es.robustness(sim, es.uncertainties(), sampler="random"), "lhs"),
        (lambda: es.uncertainties("nope"), r"no such set: the shipped ones are \['default'\]"),
        (lambda: es.compose("run.seed=3"), "must be a list of strings"),
    ]
    for call, message in cases:
        with pytest.raises(es.ConfigError, match=message):
            call()
    named = {
        "v": es.Uncertainty(
            keys=["scenario.volume_per_dya"], low=100, high=150, source="assumption"
        )
    }
    with pytest.raises(es.ConfigError, match=r"uncertainty\.v at its low end: .*did you mean"):
        es.robustness(sim, named, scenarios=4)
    below = {"v": es.Uncertainty(keys=["scenario.volume_per_day"], low=-100, high=150, source="x")}
    with pytest.raises(es.ConfigError, match=r"uncertainty\.v at its low end: .*volume_per_day"):
        es.robustness(sim, below, scenarios=4)
    assert not ran
    # a KPI's declaration is checked when it is registered, and nothing is left behind
    monkeypatch.setattr(kpis, "REGISTRY", list(kpis.REGISTRY))
    bad = [
        (kpis.Kpi("x", kpis.PerComplaint("calls"), "x", direction="lowr"), "direction"),
        (kpis.Kpi("x", kpis.PerComplaint("calls"), "x", views={"headlines": 5}), "views"),
        (kpis.Kpi("x", kpis.PerComplaint("calls"), "x", fmt="{:.3q}"), "cannot format"),
        (kpis.Kpi("x", kpis.PerComplaint("cals"), "x"), r"'cals'.*did you mean 'calls'"),
    ]
    before = list(kpis.REGISTRY)
    for entry, message in bad:
        with pytest.raises(ValueError, match=message):
            kpis.register(entry)
    assert before == kpis.REGISTRY
    kpis.register(kpis.Kpi("x", kpis.PerComplaint("calls"), "x"))
    kpis.unregister("x")  # a notebook cell run twice: unregister, then register again
    kpis.register(kpis.Kpi("x", kpis.PerComplaint("calls"), "x"))


def test_a_setting_that_cannot_act_is_refused_from_python_as_on_the_command_line(
    monkeypatch,
) -> None:
    """with_values and sweep refuse a key that cannot act in the job (here a lever of a
    policy the job does not compare), naming it and the reason, before anything runs; a
    key that acts passes. A robustness study keeps an uncertainty that acts in no world
    and says so in its result (``idle``)."""
    ran: list[object] = []
    monkeypatch.setattr(studies, "simulate", lambda cfg: ran.append(cfg))
    sim = small_config(policies=["rigid_script"])
    lever = "policies.empowered_rep.rep.budget_usd"
    why = r"cannot act in this job: empowered_rep is not run by this job"
    with pytest.raises(es.ConfigError, match=f"{lever} {why}"):
        studies.with_values(sim, {lever: 500})
    with pytest.raises(es.ConfigError, match=f"{lever} cannot act in any job of this sweep"):
        studies.sweep(sim, {lever: [100, 500], "scenario.volume_per_day": [100, 200]})
    assert ran == []
    import types

    import pandas as pd

    def fake(cfg: object) -> object:  # records the job; runs nothing
        ran.append(cfg)
        return types.SimpleNamespace(kpis=pd.DataFrame({"policy": ["rigid_script"]}))

    monkeypatch.setattr(studies, "simulate", fake)
    monkeypatch.setattr(
        studies, "analyse", lambda *a, **k: studies.RobustnessStudy("c", *([None] * 8))
    )
    lever_u = es.Uncertainty(keys=[lever], low=100.0, high=500.0, source="assumption")
    study = studies.robustness(sim, {"budget": lever_u}, scenarios=4)
    assert study.idle == {
        "budget": f"{lever} cannot act in any world of this study: "
        "empowered_rep is not run by this job (it runs ['rigid_script']); "
        "add it to run.policies (or, for the optimiser, set optimize.policy)"
    }
    assert len(ran) == 4  # an idle uncertainty is kept (and reported), as on the command line
    both = small_config(policies=["rigid_script", "empowered_rep"])
    assert studies.with_values(both, {lever: 500}).policies["empowered_rep"].rep.budget_usd == 500


def test_an_optimisation_of_a_lever_that_cannot_act_is_refused_before_a_trial(monkeypatch):
    """Trials of a lever none of whose keys acts (the reps' head count when the reps
    follow a roster) would all be the same run: refused from Python as on the command
    line, naming the lever and the reason."""
    from escalationsim.experiment import optimize
    from escalationsim.experiment.optimize import Lever, OptimizeConfig

    monkeypatch.setattr(optimize, "run", lambda *a, **k: pytest.fail("a trial ran"))
    sim = small_config(policies=["empowered_rep"])
    lever = Lever(keys=["scenario.staff.reps.count"], low=1, high=3, kind="int")
    opt = OptimizeConfig(policy="empowered_rep", levers={"reps": lever})
    with pytest.raises(
        es.ConfigError,
        match=r"optimize\.levers\.reps\.keys: scenario\.staff\.reps\.count cannot act",
    ):
        studies.optimise(sim, opt)


def test_a_one_at_a_time_screen_moves_each_uncertainty_alone_and_ranks_by_swing() -> None:
    """The screen's difference at an end is the one a comparison at that value gives (the
    same runs: common random numbers), an uncertainty that cannot act on the two
    cheapest policies is not run and says why, and the table is sorted by swing."""
    sim = small_config(
        "run.replications=2", "run.horizon_days=8", policies=["rigid_script", "empowered_rep"]
    )
    chosen = es.uncertainties("default")
    picked = {k: chosen[k] for k in ("clv_median_usd", "redirect_visibility", "reps_shrinkage")}
    s = es.screen(sim, picked)
    assert {s.policy_a, s.policy_b} == {"rigid_script", "empowered_rep"}
    t = s.table.set_index(["uncertainty", "end"])
    assert len(t) == 6 and list(s.table["rank"]) == sorted(s.table["rank"])
    swings = s.table.drop_duplicates("uncertainty")["swing"].tolist()
    assert swings == sorted(swings, reverse=True)
    assert "ceo_redirects is not run" in t.loc[("redirect_visibility", "low"), "idle"]
    assert t.loc[("redirect_visibility", "high"), "difference"] == s.base[0]
    # the customer value at its high end, by a comparison of its own
    again = es.simulate(es.with_values(sim, {"scenario.population.clv_median_usd": 1500.0})).kpis
    wide = again.pivot_table(index="replication", columns="policy", values="cost_per_complaint")
    want = (wide[s.policy_a] - wide[s.policy_b]).mean()
    assert t.loc[("clv_median_usd", "high"), "difference"] == pytest.approx(want, rel=1e-12)
    assert t.loc[("clv_median_usd", "high"), "value"] == 1500.0
    # a dearer churned customer widens the difference more than shrinkage moves it
    assert s.table.iloc[0]["uncertainty"] == "clv_median_usd"


def test_a_screen_refuses_one_policy_and_no_uncertainty() -> None:
    sim = small_config(policies=["rigid_script"])
    with pytest.raises(es.ConfigError, match="at least two"):
        es.screen(sim, es.uncertainties("default"))
    two = small_config(policies=["rigid_script", "empowered_rep"])
    with pytest.raises(es.ConfigError, match="needs at least one"):
        es.screen(two, {})
