"""Tests for escalationsim.analysis.fairness (Gini, Jain, medians with infinities, top shares)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalationsim.analysis.fairness import (
    effective_ttr,
    gini,
    jain,
    median_inf,
    ratio_of_medians,
    top_share_mask,
)

INF = math.inf

# Non-negative samples with at least one strictly positive value (so gini/jain are defined).
positive_samples = st.lists(
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=40,
).filter(lambda xs: sum(xs) > 1e-3)


def _gini_mean_abs_diff(x: list[float]) -> float:
    """Independent definition: G = sum_i sum_j |x_i - x_j| / (2 n^2 mean)."""
    xs = [Fraction(v) for v in x]
    n = len(xs)
    total = sum(xs)
    diff = sum(abs(a - b) for a in xs for b in xs)
    return float(diff / (2 * n * total))


# --------------------------------------------------------------------------- gini


@pytest.mark.parametrize("value", [0.5, 1.0, 7.0, 1e5])
@pytest.mark.parametrize("n", [1, 2, 5, 50])
def test_gini_all_equal_is_zero(value: float, n: int) -> None:
    assert gini(np.full(n, value)) == pytest.approx(0.0, abs=1e-12)


def test_gini_one_of_four_takes_everything() -> None:
    # sorted: 0,0,0,1 -> only i=4 contributes: (2*4 - 4 - 1) * 1 / (4 * 1) = 3/4
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
    assert gini(np.array([1.0, 0.0, 0.0, 0.0])) == pytest.approx(0.75)


def test_gini_small_hand_example() -> None:
    # x = 1, 2, 3: (2-4)*1 + 0*2 + (6-4)*3 = 4; n sum x = 3*6 = 18 -> 2/9
    assert gini(np.array([3.0, 1.0, 2.0])) == pytest.approx(2.0 / 9.0)


def test_gini_one_nonzero_among_n_is_n_minus_1_over_n() -> None:
    for n in (2, 3, 10, 100):
        x = np.zeros(n)
        x[n // 2] = 4.2
        assert gini(x) == pytest.approx((n - 1) / n)


def test_gini_empty_or_all_zero_is_nan() -> None:
    assert math.isnan(gini(np.array([])))
    assert math.isnan(gini(np.zeros(5)))


@settings(max_examples=150, deadline=None)
@given(positive_samples, st.randoms(use_true_random=False))
def test_gini_properties(x: list[float], rnd) -> None:
    g = gini(np.array(x))
    # In [0, 1): the largest possible value is (n - 1) / n.
    assert 0.0 - 1e-12 <= g < 1.0
    assert g <= (len(x) - 1) / len(x) + 1e-9
    # Agrees with the mean-absolute-difference definition.
    assert g == pytest.approx(_gini_mean_abs_diff(x), abs=1e-9)
    # Permutation invariance.
    y = list(x)
    rnd.shuffle(y)
    assert gini(np.array(y)) == pytest.approx(g, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(positive_samples, st.floats(min_value=1e-3, max_value=1e3))
def test_gini_scale_invariant(x: list[float], c: float) -> None:
    assert gini(c * np.array(x)) == pytest.approx(gini(np.array(x)), abs=1e-9)


# --------------------------------------------------------------------------- jain


@pytest.mark.parametrize("n", [1, 3, 20])
def test_jain_all_equal_is_one(n: int) -> None:
    assert jain(np.full(n, 2.5)) == pytest.approx(1.0)


@pytest.mark.parametrize("n", [1, 2, 4, 10, 100])
def test_jain_single_nonzero_is_one_over_n(n: int) -> None:
    x = np.zeros(n)
    x[0] = 3.0
    assert jain(x) == pytest.approx(1.0 / n)


def test_jain_hand_example() -> None:
    # x = 1, 2, 3: (6)^2 / (3 * 14) = 36 / 42
    assert jain(np.array([1.0, 2.0, 3.0])) == pytest.approx(36.0 / 42.0)


def test_jain_empty_or_all_zero_is_nan() -> None:
    assert math.isnan(jain(np.array([])))
    assert math.isnan(jain(np.zeros(3)))


@settings(max_examples=150, deadline=None)
@given(positive_samples, st.floats(min_value=1e-3, max_value=1e3))
def test_jain_bounds_and_scale(x: list[float], c: float) -> None:
    arr = np.array(x)
    j = jain(arr)
    n = len(x)
    assert 1.0 / n - 1e-12 <= j <= 1.0 + 1e-12
    assert jain(c * arr) == pytest.approx(j, rel=1e-9)
    assert jain(arr[::-1]) == pytest.approx(j, rel=1e-12)


# --------------------------------------------------------------------------- medians


def test_effective_ttr_replaces_unresolved_with_inf() -> None:
    ttr = np.array([1.0, np.nan, 3.0, 4.0])
    resolved = np.array([True, False, True, False])
    out = effective_ttr(ttr, resolved)
    assert out[0] == 1.0 and out[2] == 3.0
    assert np.isposinf(out[1]) and np.isposinf(out[3])


def test_median_inf_finite_and_empty() -> None:
    assert median_inf(np.array([5.0, 1.0, 3.0])) == 3.0
    assert median_inf(np.array([1.0, 2.0, 3.0, 10.0])) == 2.5
    assert math.isnan(median_inf(np.array([])))


def test_median_inf_finite_only_while_more_than_half_resolved() -> None:
    # 2 of 3 resolved: more than half -> finite (the larger resolved value).
    assert median_inf(np.array([INF, 2.0, 1.0])) == 2.0
    # Exactly half resolved: the median straddles an infinity -> infinite.
    assert median_inf(np.array([1.0, 2.0, INF, INF])) == INF
    # Fewer than half resolved -> infinite.
    assert median_inf(np.array([1.0, INF, INF])) == INF
    assert median_inf(np.array([INF])) == INF


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([2.0, 4.0, 6.0], [1.0, 2.0, 3.0], 2.0),  # both finite: 4 / 2
        ([1.0, 2.0, 3.0], [INF, INF, 1.0], 0.0),  # only b infinite
        ([INF, INF, 1.0], [1.0, 2.0, 3.0], INF),  # only a infinite
    ],
)
def test_ratio_of_medians_cases(a: list[float], b: list[float], expected: float) -> None:
    assert ratio_of_medians(np.array(a), np.array(b)) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([INF, INF], [INF]),  # both infinite
        ([], [1.0]),  # a empty
        ([1.0], []),  # b empty
        ([], []),
    ],
)
def test_ratio_of_medians_nan_cases(a: list[float], b: list[float]) -> None:
    assert math.isnan(ratio_of_medians(np.array(a, dtype=float), np.array(b, dtype=float)))


# --------------------------------------------------------------------------- top share


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=1500),
)
def test_top_share_mask_selects_ceil_one_percent_largest(followers: list[int]) -> None:
    f = np.array(followers, dtype=np.int64)
    n = len(f)
    mask = top_share_mask(f)
    k = -(-n // 100)  # exact integer ceil(n / 100), at least 1 for n >= 1
    assert mask.dtype == bool and mask.shape == (n,)
    assert int(mask.sum()) == k
    if k < n:
        assert f[mask].min() >= f[~mask].max()


@pytest.mark.parametrize("n", [1, 99, 100, 101, 250, 700, 1000, 1001, 12345])
def test_top_share_mask_count(n: int) -> None:
    rng = np.random.default_rng(n)
    f = rng.permutation(n)  # distinct values: the selected ones are exactly the top k
    mask = top_share_mask(f)
    k = -(-n // 100)
    assert int(mask.sum()) == k
    assert set(np.flatnonzero(mask)) == set(np.flatnonzero(f >= n - k))


def test_top_share_mask_other_share_and_empty() -> None:
    f = np.arange(20)
    mask = top_share_mask(f, share=0.25)
    assert np.flatnonzero(mask).tolist() == [15, 16, 17, 18, 19]
    assert top_share_mask(np.array([], dtype=np.int64)).shape == (0,)


def test_outcomes_on_social_by_follower_tier_hand_example() -> None:
    """Complaints that went public, by follower tier (rank among all complaints): share
    of posts answered (answered / posted) and median wait for the first post's answer."""
    import pandas as pd

    from escalationsim.analysis.fairness import outcomes_by_group

    n = 200
    followers = np.arange(1, n + 1)  # the two largest are the top 1%
    posts = np.zeros(n, dtype=int)
    answered = np.zeros(n, dtype=int)
    wait = np.full(n, np.nan)
    posts[[0, 1, 2, 198, 199]] = [1, 2, 1, 1, 3]  # three small accounts, the top two
    answered[[1, 198, 199]] = [1, 1, 2]
    wait[[1, 198, 199]] = [30.0, 2.0, 4.0]
    df = pd.DataFrame(
        {
            "policy": "p",
            "replication": 0,
            "followers": followers,
            "first_channel": pd.Categorical(["phone"] * n),
            "resolved": np.ones(n, dtype=bool),
            "time_to_resolution_h": np.ones(n),
            "duration_h": np.ones(n),
            "posts": posts,
            "posts_answered": answered,
            "first_post_wait_h": wait,
        }
    )
    g = outcomes_by_group(df)
    social = g[g.grouping == "follower_tier_on_social"].set_index("group")
    assert set(social.index) == {"bottom 50%", "top 1%"}
    assert social.loc["top 1%", "complaints"] == 2
    assert social.loc["top 1%", "posts_answered_share"] == pytest.approx(3 / 4)
    assert social.loc["top 1%", "first_post_wait_median_h"] == pytest.approx(3.0)
    assert social.loc["bottom 50%", "posts_answered_share"] == pytest.approx(1 / 4)
    assert social.loc["bottom 50%", "first_post_wait_median_h"] == pytest.approx(30.0)


def test_outcomes_by_group_give_the_kaplan_meier_median_beside_the_resolved_one() -> None:
    """By first channel: emails resolved in 1-10 h but only 40% of them (the others
    censored at 500 h) have a median 'not reached' over every complaint, where the
    resolved-only median says 5.5 h; calls, all resolved, have both equal."""
    import pandas as pd

    from escalationsim.analysis.fairness import outcomes_by_group

    n = 100
    email = np.arange(n) < 50
    resolved = ~email | (np.arange(n) < 20)
    ttr = np.where(resolved, np.tile(np.linspace(1.0, 10.0, 10), 10), np.nan)
    df = pd.DataFrame(
        {
            "policy": "p",
            "replication": 0,
            "followers": np.arange(n),
            "first_channel": pd.Categorical(np.where(email, "email", "phone")),
            "resolved": resolved,
            "time_to_resolution_h": ttr,
            "duration_h": np.where(resolved, ttr, 500.0),
            "posts": 0,
            "posts_answered": 0,
            "first_post_wait_h": np.nan,
        }
    )
    g = outcomes_by_group(df)
    by = g[g.grouping == "first_channel"].set_index("group")
    assert math.isinf(by.loc["email", "ttr_median_h_all"])
    assert by.loc["email", "ttr_median_resolved_h"] == pytest.approx(5.5)
    assert by.loc["phone", "ttr_median_h_all"] == 5.0  # the 25th of 50 sorted: lower median
    assert by.loc["phone", "ttr_median_resolved_h"] == pytest.approx(5.5)
