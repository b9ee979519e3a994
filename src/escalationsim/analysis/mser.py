"""Where a run's output stops looking like its start-up: the MSER truncation rule.

A run starts from an empty system (no queue, no customer history), so its first days are
not like its later ones; they are left out of the measurements as the warm-up. MSER
(White 1997; MSER-5 in White, Cobb & Spratt 2000) chooses how much to leave out from the
output itself: batch a series into means of ``b`` consecutive observations z_1..z_k and,
for each number d of leading batches dropped, compute

    MSER(d) = sum_{i>d} (z_i - mean(z_{d+1..k}))^2 / (k - d)^2,

the squared standard error of the mean of what is kept; the truncation point is the d
that minimises it (bias removed against variance added), searched over the first half
of the series (later minima are the statistic's noise on few batches). Hoad, Robinson &
Davies (2010) compared 42 warm-up methods and recommend MSER-5.

What MSER cannot say is whether what is kept has settled: a queue that grows without
bound has no truncation point that removes its trend. So after truncating, the batch
means that remain are tested for a linear trend (least squares, scipy's ``linregress``;
batch means of a settled series are nearly independent): a series whose slope is
significant at 1%, Bonferroni-corrected over the run's series, is reported as trending,
and the window as not stationary.

Batches here are a whole cycle of the arrivals when there is one (a week when the
arrivals follow a weekly profile, a day for an hourly one), so that the cycle is not
taken for a transient; five observations otherwise (MSER-5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

MIN_BATCHES = 4
"""Fewest batches MSER is computed on; with fewer nothing is said (``None``)."""


TREND_ALPHA = 0.01
"""Significance of a trend in what MSER keeps (divided among a run's series)."""


@dataclass(frozen=True)
class Truncation:
    """MSER on one series: the truncation point (observations to drop, within the first
    half) and the batch means kept after it."""

    observations: int
    kept: np.ndarray


def mser(y: np.ndarray, batch: int = 5) -> Truncation | None:
    """The MSER-``batch`` truncation of ``y`` (trailing observations that fill no batch
    are dropped); None for a series of fewer than :data:`MIN_BATCHES` batches or with
    missing values."""
    y = np.asarray(y, dtype=float)
    k = len(y) // batch
    if k < MIN_BATCHES or not np.isfinite(y[: k * batch]).all():
        return None
    z = y[: k * batch].reshape(k, batch).mean(axis=1)
    # sums of z and z^2 over each tail z[d:], for every d at once
    tail = np.cumsum(z[::-1])[::-1]
    tail_sq = np.cumsum((z * z)[::-1])[::-1]
    kept = k - np.arange(k)
    ss = np.maximum(tail_sq - tail * tail / kept, 0.0)  # sum of squared deviations
    value = ss / kept**2
    d = int(np.argmin(value[: k // 2 + 1]))
    return Truncation(d * batch, z[d:])


def trend_p(z: np.ndarray) -> float:
    """Two-sided p-value of the least-squares slope of ``z`` against its index (1 for
    fewer than three values or none varying)."""
    from scipy import stats

    z = np.asarray(z, dtype=float)
    if len(z) < 3 or np.all(z == z[0]):
        return 1.0
    return float(stats.linregress(np.arange(len(z)), z).pvalue)


def cycle_batch(weekly: bool, daily: bool, step_h: float) -> int:
    """Observations per batch for a series sampled every ``step_h`` hours: a week of
    them when arrivals follow a weekly profile, a day for an hourly profile (and
    samples shorter than a day), else five."""
    if weekly:
        return max(1, round(168.0 / step_h))
    if daily and step_h < 24.0:
        return max(1, round(24.0 / step_h))
    return 5


@dataclass(frozen=True)
class Stationarity:
    """MSER over several series of one run: the latest truncation point among the
    series that settle (hours from the series' start), the series that still trend
    after truncation, those too short to tell, and how many were checked."""

    truncation_h: float
    trending: tuple[str, ...]
    too_short: tuple[str, ...]
    checked: int
    settled: int = 0
    """Series MSER truncated and found settled (not constant, not too short)."""

    @property
    def stationary(self) -> bool | float:
        """True if no series trends, False if one does, NaN if none could be told."""
        if self.trending:
            return False
        return True if len(self.too_short) < self.checked else math.nan


def stationarity(series: Mapping[str, np.ndarray], step_h: float, batch: int) -> Stationarity:
    """MSER on each of ``series`` (sampled every ``step_h`` hours), then a trend test on
    what it keeps (see the module doc); a series with no variation at all (a queue that
    never formed) has nothing to truncate."""
    latest = 0.0
    trending, short = [], []
    settled = 0
    alpha = TREND_ALPHA / max(len(series), 1)
    for name, y in series.items():
        y = np.asarray(y, dtype=float)
        if len(y) and np.all(y == y[0]):
            continue
        t = mser(y, batch)
        if t is None:
            short.append(name)
        elif trend_p(t.kept) < alpha:
            trending.append(name)
        else:
            latest = max(latest, t.observations * step_h)
            settled += 1
    return Stationarity(latest, tuple(trending), tuple(short), len(series), settled)
