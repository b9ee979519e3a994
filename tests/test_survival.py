"""Times to resolution as survival data (analysis.survival): the Kaplan-Meier quantiles,
exact and from histogram bins, on data whose truth is known and that the simulator did
not make, and the KPIs built on them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.analysis.bins import HIST_REL_ERROR
from escalationsim.analysis.survival import ExactSurvival, HistSurvival, km_quantile


def _both(durations, resolved) -> tuple[ExactSurvival, HistSurvival]:
    h = HistSurvival()
    h.add(np.asarray(durations, dtype=float), np.asarray(resolved, dtype=bool))
    return ExactSurvival(durations, resolved), h


def test_a_worked_example_by_hand() -> None:
    """Events at 1, 2, 2, 3, 5; censored at 4, 6, 6. At risk 8, 7, 5 and 3 at the event
    times: S(1) = 7/8, S(2) = 7/8 x 5/7 = 5/8, S(3) = 5/8 x 4/5 = 1/2, S(5) = 1/2 x 2/3 =
    1/3, and no event after (the last two are censored at 6)."""
    d = [1, 2, 2, 3, 5, 4, 6, 6]
    r = [True] * 5 + [False] * 3
    exact, hist = _both(d, r)
    assert exact.quantile(0.5) == 3.0  # S reaches 1/2 at 3 exactly
    assert exact.quantile(0.2) == 2.0
    assert exact.quantile(0.6) == 5.0
    assert math.isinf(exact.quantile(0.7))  # S stays at 1/3 after the last event
    for q, want in ((0.5, 3.0), (0.2, 2.0), (0.6, 5.0)):
        assert hist.quantile(q) == pytest.approx(want, rel=HIST_REL_ERROR)
    assert math.isinf(hist.quantile(0.7))


def test_without_censoring_it_is_the_empirical_quantile() -> None:
    x = np.random.default_rng(3).lognormal(1.0, 1.0, 1001)
    exact = ExactSurvival(x, np.ones(len(x), dtype=bool))
    xs = np.sort(x)
    assert exact.quantile(0.5) == xs[500]  # the smallest value with F >= 1/2
    assert exact.quantile(0.9) == xs[math.ceil(0.9 * 1001) - 1]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_it_recovers_a_known_median_that_ignoring_censoring_gets_wrong(seed: int) -> None:
    """A second generator, not the simulator: exponential times to resolution (median
    ln 2 / rate = 34.7 h), each complaint followed for a uniform 10-120 h. Ignoring the
    unresolved (the old resolved-only median) halves the median; treating them as
    resolved at the end understates it too; Kaplan-Meier recovers it within 4 standard
    errors (Greenwood, computed here from the truth)."""
    rng = np.random.default_rng(seed)
    n, rate = 20_000, 0.02
    t = rng.exponential(1 / rate, n)
    c = rng.uniform(10.0, 120.0, n)
    d, r = np.minimum(t, c), t <= c
    truth = math.log(2) / rate
    exact, hist = _both(d, r)
    # the KM median's standard error: sd of S at the median over the density there.
    # Greenwood's variance, S^2 / n x the integral of the hazard over the chance of being
    # at risk (exp(-rate t) x P(followed past t), about 0.8 before 35 h): 0.25 x 1.15 / n
    se = math.sqrt(0.25 * 1.15 / n) / (rate * 0.5)  # about 0.38 h
    assert abs(exact.quantile(0.5) - truth) < 4 * se
    assert hist.quantile(0.5) == pytest.approx(exact.quantile(0.5), rel=2 * HIST_REL_ERROR)
    assert np.median(d[r]) < 0.75 * truth  # resolved only: far too fast
    assert np.median(d) < 0.9 * truth  # unresolved counted as resolved when last seen


def test_a_median_is_not_reached_when_fewer_than_half_are_resolved() -> None:
    """62 resolved in 200 hours, 138 never (censored at 720 h, the end of the run): the
    median is not reached, whatever the resolved ones' own median."""
    rng = np.random.default_rng(0)
    d = np.concatenate([rng.uniform(0.1, 200.0, 62), np.full(138, 720.0)])
    r = np.arange(200) < 62
    exact, hist = _both(d, r)
    assert math.isinf(exact.quantile(0.5)) and math.isinf(hist.quantile(0.5))
    assert math.isfinite(exact.quantile(0.3)) and math.isfinite(hist.quantile(0.3))
    assert math.isinf(km_quantile(d, np.zeros(200, dtype=bool), 0.1))  # none resolved
    assert math.isnan(ExactSurvival([], []).quantile(0.5))
    assert math.isnan(HistSurvival().quantile(0.5))


@pytest.mark.parametrize("seed", range(4))
def test_the_product_limit_here_equals_scipy_s_kaplan_meier(seed: int) -> None:
    """The estimator is computed here (for memory: analysis.survival's doc); scipy's
    ``stats.ecdf`` on ``CensoredData`` is the reference, ties and all."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    n = 3000
    d = np.round(rng.exponential(20.0, n), 1)  # rounded: many ties, events and censorings
    r = rng.random(n) < 0.7
    sf = stats.ecdf(stats.CensoredData(uncensored=d[r], right=d[~r])).sf
    exact = ExactSurvival(d, r)
    mask = rng.random(n) < 0.5
    part = ExactSurvival(d, r, mask)
    sf_part = stats.ecdf(stats.CensoredData(uncensored=d[r & mask], right=d[~r & mask])).sf
    for q in (0.1, 0.25, 0.5, 0.6):
        want = sf.quantiles[np.flatnonzero(sf.probabilities <= 1 - q + 1e-12)[0]]
        assert exact.quantile(q) == want, q
        want = sf_part.quantiles[np.flatnonzero(sf_part.probabilities <= 1 - q + 1e-12)[0]]
        assert part.quantile(q) == want, q
    assert part.n == mask.sum() and part.events == (r & mask).sum()
