"""Which policy is best, with a stated confidence (analysis/ranking.py): Holm's
procedure, the verdict on synthetic replications whose answer is known, and on a run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalationsim.analysis.ranking import best_policy, holm, verdict

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check


def test_holm_adjusts_p_values_step_down():
    adjusted = holm(np.array([0.01, 0.04, 0.03]), 0.05)
    assert adjusted == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(holm(np.array([np.nan, 0.01]), 0.05)[0])


def _kpis(means: dict[str, float], noise: float, reps: int = 10, seed: int = 1) -> pd.DataFrame:
    """Replications with a shared part (the same customers: common random numbers) and
    a policy's own noise."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0, 5.0, reps)
    rows = []
    for policy, mean in means.items():
        own = rng.normal(0, noise, reps)
        for r in range(reps):
            rows.append({"policy": policy, "replication": r, "cost": mean + shared[r] + own[r]})
    return pd.DataFrame(rows)


def test_a_clear_winner_is_named_with_its_confidence():
    b = best_policy(_kpis({"a": 10.0, "b": 12.0, "c": 15.0}, noise=0.3), "cost")
    assert b.best == "a" and b.clear and not b.tied
    assert (b.table["p_holm"] < 0.05).all()
    assert verdict(b).startswith("a is the cheapest with 95% confidence")


def test_replications_that_cannot_tell_say_so():
    """b is 0.1 better than nothing against a noise of 3: the replications cannot tell a
    from b, but they can tell both from c."""
    b = best_policy(_kpis({"a": 10.0, "b": 10.1, "c": 20.0}, noise=3.0), "cost")
    other = "b" if b.best == "a" else "a"
    assert b.best in ("a", "b") and not b.clear and b.tied == [other]
    assert f"cannot tell it from {other}" in verdict(b)


def test_common_random_numbers_make_the_comparison_sharper():
    """The shared part of each replication cancels in the paired differences: a 1-unit
    gap is clear under a replication-to-replication spread of 5."""
    b = best_policy(_kpis({"a": 10.0, "b": 11.0}, noise=0.2, reps=5), "cost")
    assert b.clear


def test_higher_is_better_and_degenerate_inputs():
    k = _kpis({"a": 10.0, "b": 12.0}, noise=0.3)
    assert best_policy(k, "cost", lower_is_better=False).best == "b"
    assert best_policy(k[k.policy == "a"], "cost") is None
    one = best_policy(k[k.replication == 0], "cost")  # one replication: nothing to test
    assert not one.clear and one.tied == ["b"]


def test_on_a_run_the_cheapest_is_named_with_stated_confidence():
    """On the default company the empowered reps are clearly cheapest; with the ombudsman
    off (refusing an owed claim then costs churn alone) the script is: the cost of saying
    no decides the ranking (docs/model.md)."""
    from escalationsim import compose, simulate

    def best(*more: str):
        k = simulate(
            compose(
                [
                    "run.policies=[rigid_script,empowered_rep,ceo_responds]",
                    "run.replications=3",
                    "run.horizon_days=20",
                    "run.warmup_days=3",
                    "run.drain_days=10",
                    "run.workers=1",
                    "run.records=false",
                    *more,
                ]
            )
        ).kpis
        return best_policy(k, "cost_per_complaint")

    b = best()
    assert b.best == "empowered_rep" and b.clear
    assert set(b.table.policy) == {"rigid_script", "ceo_responds"}
    b = best("scenario.ombudsman.enabled=false")
    assert b.best == "rigid_script" and b.clear


def test_two_identical_policies_are_never_told_apart():
    """The same preset under two names, on the same customers: every paired difference
    is exactly zero, and the procedure declines to name a winner."""
    from escalationsim import compose, simulate

    k = simulate(
        compose(
            [
                "+policy@policies.twin=rigid_script",
                "run.policies=[rigid_script,twin]",
                "run.replications=4",
                "run.horizon_days=4",
                "run.warmup_days=1",
                "run.drain_days=2",
                "run.workers=1",
                "run.records=false",
                "scenario.volume_per_day=300",
            ]
        )
    ).kpis
    a = k[k.policy == "rigid_script"]["cost_per_complaint"].to_numpy()
    assert (a == k[k.policy == "twin"]["cost_per_complaint"].to_numpy()).all()
    b = best_policy(k, "cost_per_complaint")
    assert not b.clear and len(b.tied) == 1
    assert "cannot tell" in verdict(b)


def _app(*overrides: str):
    from hydra import compose, initialize_config_module

    from escalationsim.app.schema import to_sim_config

    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        return to_sim_config(compose(config_name="config", overrides=list(overrides)))[1]


def test_a_kpi_nobody_can_be_best_on_is_refused_before_anything_runs():
    from escalationsim.config.fields import ConfigError

    with pytest.raises(ConfigError, match=r"output\.best_on: 'nonsense' is not allowed"):
        _app("output.best_on=[cost_per_complaint,nonsense]")
    assert _app("output.best_on=[resolution_rate]").output.best_on == ["resolution_rate"]
