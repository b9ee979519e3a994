"""The MSER truncation rule and the stationarity of a run's series (analysis.mser), on
series whose transient is known, made here (not by the simulator)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.analysis.mser import cycle_batch, mser, stationarity, trend_p


def _ar1(n: int, seed: int, phi: float = 0.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    y = np.empty(n)
    y[0] = e[0]
    for i in range(1, n):
        y[i] = phi * y[i - 1] + e[i]
    return y


@pytest.mark.parametrize("seed", range(5))
def test_a_decaying_start_is_cut_near_where_it_has_faded(seed: int) -> None:
    """An AR(1) series whose first 100 of 1,000 values carry a start-up bias of 10
    decaying linearly to 0: MSER-5 cuts between 60 and 150 (the bias is below one noise
    standard deviation after about 90)."""
    y = _ar1(1000, seed)
    y[:100] += np.linspace(10.0, 0.0, 100)
    t = mser(y, 5)
    assert 60 <= t.observations <= 150, t.observations


@pytest.mark.parametrize("seed", range(5))
def test_a_series_without_a_transient_is_hardly_cut(seed: int) -> None:
    assert mser(_ar1(1000, seed), 5).observations <= 100


def test_a_trend_is_found_and_a_settled_series_passes() -> None:
    rng = np.random.default_rng(0)
    grows = np.arange(60.0) * 2.0 + rng.normal(0, 3, 60)  # a queue growing by 2 a day
    flat = rng.normal(50, 3, 60)
    st = stationarity({"queue_ceo": grows, "complaints": flat}, 24.0, 5)
    assert st.trending == ("queue_ceo",) and st.stationary is False
    st = stationarity({"complaints": flat, "queue_reps": np.zeros(60)}, 24.0, 5)
    assert st.stationary is True and st.truncation_h <= 30 * 24.0
    assert trend_p(np.arange(10.0)) < 1e-6 and trend_p(np.ones(10)) == 1.0


def test_too_short_a_series_says_nothing() -> None:
    assert mser(np.arange(10.0), 5) is None  # two batches
    assert mser(np.array([1.0, np.nan] * 20), 5) is None
    st = stationarity({"complaints": np.arange(10.0)}, 24.0, 7)
    assert st.too_short == ("complaints",) and math.isnan(st.stationary)


def test_batches_are_a_whole_cycle_of_the_arrivals() -> None:
    assert cycle_batch(weekly=True, daily=True, step_h=24.0) == 7
    assert cycle_batch(weekly=True, daily=True, step_h=1.0) == 168
    assert cycle_batch(weekly=False, daily=True, step_h=1.0) == 24
    assert cycle_batch(weekly=False, daily=False, step_h=1.0) == 5
