"""Times to resolution as survival data: every complaint followed from its arrival to its
resolution, or, never resolved, to the end of the run (right-censored: all we know is
that it took longer than that).

Quantiles come from the Kaplan-Meier (product-limit) estimate of the share still
unresolved after each time, computed here on the sorted durations, and by the same rule
on histogram bins for the streamed summary (:mod:`.bins`; events before censorings
within a bin), so the records-off quantiles are within ``bins.HIST_REL_ERROR`` of the
exact ones. Why not scipy's ``stats.ecdf`` on ``CensoredData``, which computes the same
estimate (and against which ``tests/test_survival.py`` checks this one): on a million
complaints it holds about 100 MiB more at once, which took a run with records on over
its 1 GiB budget; here one sort of the durations is the largest allocation, nothing is
kept between quantiles, and a group is a mask of the run's arrays, not a copy. A
quantile the estimate never reaches (a median where fewer than half were resolved by the
last censoring) is +inf, shown as "not reached": never a number.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from escalationsim.analysis.bins import BINS, MIDDLES, bin_counts

KM_TOLERANCE = 1e-12
"""Slack when comparing a Kaplan-Meier survival probability with 1 - q, so that a product
of fractions equal to 1/2 in exact arithmetic counts as reaching the median."""


class Survival(Protocol):
    """Times to resolution of every complaint of a group, the unresolved ones censored."""

    n: int  # complaints
    events: int  # resolved

    def quantile(self, q: float) -> float:
        """The Kaplan-Meier quantile: the smallest time by which a share ``q`` of the
        complaints is estimated resolved; +inf if the estimate never reaches ``q`` (not
        reached), NaN for no complaints."""
        ...


def _km_quantile(times: np.ndarray, survival: np.ndarray, q: float) -> float:
    """First of ``times`` (ascending) whose survival probability is at most 1 - q."""
    hit = np.flatnonzero(survival <= 1.0 - q + KM_TOLERANCE)
    return float(times[hit[0]]) if len(hit) else math.inf


class ExactSurvival:
    """Every complaint's duration (to resolution, or to the end of the run) kept: the
    run's arrays and, for a group, a mask of them (applied when a quantile is asked)."""

    def __init__(
        self, durations: np.ndarray, resolved: np.ndarray, mask: np.ndarray | None = None
    ) -> None:
        self._d = np.asarray(durations, dtype=float)
        self._r = np.asarray(resolved, dtype=bool)
        self._mask = None if mask is None else np.asarray(mask, dtype=bool)
        m = self._mask
        self.n = len(self._d) if m is None else int(np.count_nonzero(m))
        self.events = int(np.count_nonzero(self._r if m is None else self._r & m))
        self._known: dict[float, float] = {}

    ASKED = (0.5, 0.9)
    """Quantiles the KPIs ask for: computed together from one sort of the durations, and
    only the numbers kept (the curve itself would hold 16 bytes a complaint)."""

    def quantile(self, q: float) -> float:
        if self.n == 0:
            return math.nan
        if self.events == 0:
            return math.inf
        if q not in self._known:
            times, survival = self._curve()
            for p in {q, *self.ASKED}:
                self._known[p] = _km_quantile(times, survival, p)
        return self._known[q]

    def _curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The Kaplan-Meier curve: each distinct time with an event, and the survival
        probability just after it."""
        d, r = self._d, self._r
        if self._mask is not None:
            d, r = d[self._mask], r[self._mask]
        # Any sort will do: the events at a time are summed, whatever their order among
        # equal durations (so numpy's fastest, unstable sort, and no second sort for the
        # distinct times: they are where the sorted durations change)
        order = np.argsort(d)
        d, r = d[order], r[order]
        del order
        first = np.flatnonzero(np.concatenate(([True], d[1:] != d[:-1])))
        times = d[first]  # each distinct time, and where it starts
        at_risk = len(d) - first  # durations at least that long
        events = np.add.reduceat(r, first, dtype=np.int64)  # resolved at exactly that time
        hit = events > 0
        survival = np.cumprod(1.0 - events[hit] / at_risk[hit])
        return times[hit], survival


class HistSurvival:
    """Durations counted in the log-spaced bins, events and censorings apart."""

    def __init__(self) -> None:
        self.resolved = np.zeros(BINS, dtype=np.int64)
        self.censored = np.zeros(BINS, dtype=np.int64)
        self.n = 0
        self.events = 0

    def add(self, durations: np.ndarray, resolved: np.ndarray) -> None:
        d = np.asarray(durations, dtype=float)
        r = np.asarray(resolved, dtype=bool)
        self.resolved += bin_counts(d[r])
        self.censored += bin_counts(d[~r])
        self.n += len(d)
        self.events += int(np.count_nonzero(r))

    def quantile(self, q: float) -> float:
        if self.n == 0:
            return math.nan
        at_risk = self.n - np.concatenate(([0], np.cumsum(self.resolved + self.censored)[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(at_risk > 0, self.resolved / at_risk, 0.0)
        return _km_quantile(MIDDLES, np.cumprod(1.0 - hazard), q)


def km_quantile(durations: np.ndarray, resolved: np.ndarray, q: float) -> float:
    """The Kaplan-Meier ``q`` quantile of ``durations`` with ``resolved`` as the event."""
    return ExactSurvival(durations, resolved).quantile(q)
