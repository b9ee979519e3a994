"""The analysis of a robustness study: ranking and regret, sensitivity, and scenario
discovery, on toy studies whose answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalationsim.analysis import robustness as rb
from escalationsim.experiment.uncertainty import Dist, Uncertainty, sample

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

THRESHOLD = 0.3


def _params(n: int = 200, seed: int = 3) -> pd.DataFrame:
    unc = {
        name: Uncertainty([f"scenario.{name}"], 0.0, 1.0, Dist.uniform, "a")
        for name in ("noise_a", "pivot", "noise_b", "noise_c", "noise_d")
    }
    return sample(unc, n, seed)


def _toy(params: pd.DataFrame, reps: int = 2, seed: int = 0) -> pd.DataFrame:
    """KPI rows of two policies: `flat` costs 100; `steep` costs 100 + 40 (pivot - 0.3),
    so `steep` is cheaper exactly when pivot < 0.3; a third, `dear`, always costs 130.
    Replication noise of sd 2 on every cost."""
    rng = np.random.default_rng(seed)
    rows = []
    for s, p in params.iterrows():
        for r in range(reps):
            for policy, cost in (
                ("flat", 100.0),
                ("steep", 100.0 + 40.0 * (p["pivot"] - THRESHOLD)),
                ("dear", 130.0),
            ):
                rows.append(
                    {
                        "scenario": s,
                        "policy": policy,
                        "replication": r,
                        "cost_per_complaint": cost + rng.normal(0, 2),
                        "meets_targets": float(policy != "flat" or p["noise_a"] > 0.5),
                        "gini_ttr": 0.5 if policy == "dear" else 0.6,
                    }
                )
    return pd.DataFrame(rows)


def test_discovery_finds_the_parameter_and_the_threshold_where_the_leader_loses():
    params = _params()
    means = rb.scenario_means(_toy(params), ["cost_per_complaint"])
    cost = rb.wide(means, "cost_per_complaint")
    loses = (cost["flat"] - cost["steep"] > 0).to_numpy()  # flat loses where pivot < 0.3
    box = rb.discover(params, loses)
    assert [c.parameter for c in box.conditions] == ["pivot"]
    (cond,) = box.conditions
    assert cond.above is None and cond.at_most == pytest.approx(THRESHOLD, abs=0.05)
    assert box.coverage > 0.85 and box.density > 0.85


def test_sensitivity_ranks_the_pivot_first_and_the_others_near_the_noise_floor():
    params = _params()
    means = rb.scenario_means(_toy(params), ["cost_per_complaint"])
    cost = rb.wide(means, "cost_per_complaint")
    table = rb.sensitivity(params, (cost["flat"] - cost["steep"]).to_numpy())
    assert table["parameter"].iloc[0] == "pivot" and table["rank"].iloc[0] == 1
    assert table["pawn"].iloc[0] > 3 * table["pawn"].iloc[1:].max() / 2
    assert table["pawn"].iloc[0] > 2 * table["noise_floor"].iloc[0]
    assert table["delta"].iloc[0] == table["delta"].max()  # 200 scenarios: delta too
    assert table["S1"].iloc[0] > 0.8


def test_a_small_study_still_ranks_the_pivot_first():
    params = _params(16)
    means = rb.scenario_means(_toy(params), ["cost_per_complaint"])
    cost = rb.wide(means, "cost_per_complaint")
    table = rb.sensitivity(params, (cost["flat"] - cost["steep"]).to_numpy())
    assert table["parameter"].iloc[0] == "pivot"
    assert table["delta"].isna().all()  # too few scenarios for delta: not made up


def test_ranking_shares_and_regret():
    params = _params()
    means = rb.scenario_means(_toy(params), ["cost_per_complaint", "meets_targets", "gini_ttr"])
    rank = rb.ranking(means, "cost_per_complaint", ["gini_ttr"]).set_index("policy")
    share_pivot_low = float((params["pivot"] < THRESHOLD).mean())
    assert rank["best_cost_share"].sum() == pytest.approx(1.0)
    assert rank.loc["steep", "best_cost_share"] == pytest.approx(share_pivot_low, abs=0.05)
    assert rank.loc["dear", "best_cost_share"] == 0
    lo, hi = rank.loc["steep", ["best_cost_ci_low", "best_cost_ci_high"]]
    assert lo < rank.loc["steep", "best_cost_share"] < hi
    # `flat` meets the targets in about half the scenarios: it wins fewer among those
    assert rank.loc["flat", "best_meeting_targets_share"] < rank.loc["flat", "best_cost_share"]
    assert rank.loc["dear", "best_gini_ttr_share"] == 1.0
    # regret: `dear` costs about 30 more than the best everywhere
    assert rank.loc["dear", "regret_mean"] == pytest.approx(30 + 40 * 0.3**2 / 2, abs=2)
    assert rank.loc["flat", "regret_mean"] < rank.loc["steep", "regret_mean"]
    assert (rank["regret_mean_ci_low"] >= 0).all()
    assert rb.leading_pair(rank.reset_index()) == ("flat", "steep")


def test_a_leader_that_never_loses_gets_no_box():
    params = _params(40)
    box = rb.discover(params, np.zeros(40, dtype=bool))
    assert box.hits == 0 and not box.conditions


def test_the_long_table_has_one_row_per_scenario_policy_and_kpi():
    params = _params(10)
    kpis = _toy(params, reps=3)
    long = rb.long_table(kpis, params, ["cost_per_complaint", "gini_ttr"])
    assert len(long) == 10 * 3 * 2
    assert list(long.columns[:7]) == ["scenario", "policy", "kpi", "mean", "ci_low", "ci_high", "n"]
    assert list(long.columns[7:]) == list(params.columns)
    row = long[
        (long["scenario"] == 4)
        & (long["policy"] == "steep")
        & (long["kpi"] == "cost_per_complaint")
    ]
    expect = kpis[(kpis["scenario"] == 4) & (kpis["policy"] == "steep")]["cost_per_complaint"]
    assert row["mean"].item() == pytest.approx(expect.mean(), rel=1e-5)  # six figures
    assert row["ci_low"].item() < row["mean"].item() < row["ci_high"].item()
    assert row["pivot"].item() == pytest.approx(params.loc[4, "pivot"], rel=1e-5)


@pytest.mark.slow  # SALib twice over (6 s)
def test_sensitivity_is_reproducible_whatever_numpy_s_global_state():
    """SALib draws its bootstrap from numpy's global generator: the study seeds it, so
    the same study gives the same indices in every report."""
    params = _params(60)
    y = (params["pivot"] * 3 + np.random.default_rng(0).normal(0, 1, 60)).to_numpy()
    first = rb.sensitivity(params, y)
    state = np.random.get_state()
    try:
        np.random.seed(12345)
        np.random.random(7)
        again = rb.sensitivity(params, y)
    finally:
        np.random.set_state(state)  # no state left for the next test
    pd.testing.assert_frame_equal(first, again)
    assert first["delta"].notna().all()
