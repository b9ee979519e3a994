"""Tests for escalationsim.analysis.aggregate (Student-t intervals and the summary table)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from escalationsim.analysis.aggregate import mean_ci, summarise


def _t_interval(x: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """Reference interval from scipy.stats.t.interval and the statistics module."""
    m = statistics.fmean(x)
    se = statistics.stdev(x) / math.sqrt(len(x))
    if se == 0.0:  # scipy rejects a zero scale; the interval degenerates to the mean
        return m, m, m
    lo, hi = stats.t.interval(level, len(x) - 1, loc=m, scale=se)
    return m, float(lo), float(hi)


def test_mean_ci_hand_example() -> None:
    # x = 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.7764451051977987
    m, lo, hi = mean_ci(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)
    assert m == pytest.approx(3.0)
    assert lo == pytest.approx(3.0 - half, rel=1e-9)
    assert hi == pytest.approx(3.0 + half, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False),
        min_size=2,
        max_size=30,
    ),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_mean_ci_matches_scipy_t_interval(x: list[float], level: float) -> None:
    m, lo, hi = mean_ci(np.array(x), level=level)
    rm, rlo, rhi = _t_interval(x, level)
    assert m == pytest.approx(rm, rel=1e-9, abs=1e-9)
    assert lo == pytest.approx(rlo, rel=1e-7, abs=1e-7)
    assert hi == pytest.approx(rhi, rel=1e-7, abs=1e-7)
    assert lo <= m <= hi


def test_mean_ci_single_value_has_nan_interval() -> None:
    m, lo, hi = mean_ci(np.array([4.2]))
    assert m == 4.2
    assert math.isnan(lo) and math.isnan(hi)


def test_mean_ci_empty_is_all_nan() -> None:
    assert all(math.isnan(v) for v in mean_ci(np.array([])))
    assert all(math.isnan(v) for v in mean_ci(np.array([np.nan, np.inf, -np.inf])))


def test_mean_ci_drops_non_finite_values() -> None:
    finite = [1.0, 4.0, 2.0, 8.0]
    with_bad = np.array([1.0, np.inf, 4.0, np.nan, 2.0, -np.inf, 8.0])
    assert mean_ci(with_bad) == pytest.approx(_t_interval(finite))
    # One finite value left -> mean only.
    m, lo, hi = mean_ci(np.array([np.nan, 3.0, np.inf]))
    assert m == 3.0 and math.isnan(lo) and math.isnan(hi)


def test_mean_ci_coverage_of_normal_mean() -> None:
    rng = np.random.default_rng(20240607)
    true_mean, sd, trials = 10.0, 3.0, 400
    covered = 0
    for _ in range(trials):
        _, lo, hi = mean_ci(rng.normal(true_mean, sd, size=5))
        covered += lo <= true_mean <= hi
    assert 0.92 <= covered / trials <= 0.98


# --------------------------------------------------------------------------- summarise


@pytest.fixture
def kpis() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "policy": ["a", "a", "a", "b", "b", "b"],
            "replication": [0, 1, 2, 0, 1, 2],
            "cost": [10.0, 12.0, 14.0, 1.0, np.inf, 3.0],
            "count": [1, 2, 3, 4, 5, 6],
            "breached": [True, False, True, False, False, False],
            "label": ["x", "y", "z", "x", "y", "z"],
        }
    )


def test_summarise_one_row_per_policy_and_kpi(kpis: pd.DataFrame) -> None:
    out = summarise(kpis)
    assert list(out.columns) == ["policy", "kpi", "mean", "ci_low", "ci_high", "n", "imprecise"]
    pairs = list(zip(out["policy"], out["kpi"], strict=True))
    assert len(pairs) == len(set(pairs)) == 2 * 3
    assert set(pairs) == {(p, k) for p in "ab" for k in ("cost", "count", "breached")}
    # Identifier and non-numeric columns are not KPIs.
    assert not {"replication", "label", "policy"} & set(out["kpi"])


def test_summarise_values(kpis: pd.DataFrame) -> None:
    out = summarise(kpis).set_index(["policy", "kpi"])
    row = out.loc[("a", "cost")]
    assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx(
        _t_interval([10.0, 12.0, 14.0])
    )
    assert row["n"] == 3
    # The infinite cost of policy b is dropped: mean over 1 and 3, n = 2.
    row = out.loc[("b", "cost")]
    assert row["mean"] == pytest.approx(2.0)
    assert row["n"] == 2
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_t_interval([1.0, 3.0])[1:])
    # Booleans are rates: 2 of 3 replications breached.
    row = out.loc[("a", "breached")]
    assert row["mean"] == pytest.approx(2.0 / 3.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_t_interval([1.0, 0.0, 1.0])[1:])
    assert out.loc[("b", "breached"), "mean"] == 0.0
    assert out.loc[("b", "count"), "mean"] == pytest.approx(5.0)


def test_summarise_policy_order_and_selection(kpis: pd.DataFrame) -> None:
    out = summarise(kpis, policies=["b"])
    assert set(out["policy"]) == {"b"}
    assert len(out) == 3
    out = summarise(kpis, policies=["b", "a"])
    assert list(dict.fromkeys(out["policy"])) == ["b", "a"]


def test_welch_and_paired_intervals_match_scipy() -> None:
    import numpy as np
    import pandas as pd
    from scipy import stats

    from escalationsim.analysis.aggregate import paired_differences, welch_ci

    rng = np.random.default_rng(3)
    a = rng.normal(10, 2, 6)
    b = a - 1 + rng.normal(0, 0.3, 6)  # strongly correlated with a, as under CRN
    d, lo, hi = welch_ci(a, b)
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert d == pytest.approx(a.mean() - b.mean())
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    kpis = pd.DataFrame(
        {
            "policy": ["base"] * 6 + ["new"] * 6,
            "replication": list(range(6)) * 2,
            "cost": np.r_[b, a],
        }
    )
    out = paired_differences(kpis, "base").set_index("kpi").loc["cost"]
    rel = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert (out["paired_ci_low"], out["paired_ci_high"]) == pytest.approx((rel.low, rel.high))
    assert (out["unpaired_ci_low"], out["unpaired_ci_high"]) == pytest.approx((lo, hi))
    # common random numbers make the paired interval the narrower one here
    assert out["paired_ci_high"] - out["paired_ci_low"] < hi - lo


def test_paired_differences_pair_by_replication_within_each_swept_group() -> None:
    """Rows in any order, a replication missing for one policy, two swept groups: each
    difference pairs the same replication of the same group, and only replications both
    policies ran."""
    import numpy as np
    import pandas as pd

    from escalationsim.analysis.aggregate import paired_differences

    rows = []
    for vol in (100, 300):
        for pol, shift in (("base", 0.0), ("new", 5.0)):
            for r in range(4):
                if pol == "new" and vol == 300 and r == 2:
                    continue  # this replication did not finish for "new"
                rows.append(
                    {
                        "vol": vol,
                        "policy": pol,
                        "replication": r,
                        "cost": vol + r**2 + shift * (1 + r),
                    }
                )
    kpis = pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # shuffled
    out = paired_differences(kpis, "base", ("vol",)).set_index(["vol", "kpi"])
    for vol, reps in ((100, [0, 1, 2, 3]), (300, [0, 1, 3])):
        row = out.loc[(vol, "cost")]
        diffs = np.array([5.0 * (1 + r) for r in reps])
        assert row["n"] == len(reps)
        assert row["diff"] == pytest.approx(diffs.mean())
        assert row["policy"] == "new" and row["baseline"] == "base"
    assert list(out.index.get_level_values("vol").unique()) == [100, 300]


def test_bounded_kpis_have_clipped_intervals() -> None:
    import pandas as pd

    from escalationsim.analysis.aggregate import kpi_bounds, summarise

    assert kpi_bounds("churn_rate") == (0.0, 1.0)
    assert kpi_bounds("util_ceo") == (0.0, 1.0)
    assert kpi_bounds("follower_resolution_gap") == (-1.0, 1.0)
    assert kpi_bounds("cost_total") == (0.0, math.inf)
    assert kpi_bounds("follower_ttr_ratio") == (0.0, math.inf)  # a ratio of times
    assert kpi_bounds("backlog_growth_reps") == (-math.inf, math.inf)
    kpis = pd.DataFrame(
        {"policy": ["p"] * 3, "replication": [0, 1, 2], "churn_rate": [0.0, 0.0, 0.03]}
    )
    row = summarise(kpis).iloc[0]
    assert row["ci_low"] == 0.0 and row["ci_high"] < 1.0
    assert row["imprecise"]  # its t interval went below 0% before clipping


def test_intervals_from_few_replications_or_out_of_range_are_flagged_imprecise() -> None:
    """Two replications, or a ratio whose t interval reached below 0 (as 1.34 [-0.72,
    3.39] did): the tables say "too imprecise" instead of printing the interval."""
    import pandas as pd

    from escalationsim.analysis import kpis as kpi_registry
    from escalationsim.analysis.aggregate import summarise
    from escalationsim.app.tables import summary_cell

    ratio = [0.4, 2.4, 1.2, 0.3, 2.9]
    kpis = pd.DataFrame(
        {
            "policy": ["p"] * 5,
            "replication": range(5),
            "follower_ttr_ratio": ratio,
            "churn_rate": [0.30, 0.31, 0.32, 0.31, 0.30],
        }
    )
    idx = summarise(kpis).set_index(["policy", "kpi"])
    assert idx.loc[("p", "follower_ttr_ratio"), "imprecise"]
    assert not idx.loc[("p", "churn_rate"), "imprecise"]
    k = kpi_registry.by_name()
    assert (
        summary_cell(k["follower_ttr_ratio"], idx, "p")
        == "1.44 (too imprecise: its interval goes below 0)"
    )
    assert summary_cell(k["churn_rate"], idx, "p").startswith("30.8% [")
    two = summarise(kpis[kpis.replication < 2]).set_index(["policy", "kpi"])
    assert two.loc[("p", "churn_rate"), "imprecise"]
    assert summary_cell(k["churn_rate"], two, "p") == "30.5% (too imprecise: 2 replications)"
