"""What the KPIs of a run are computed from: sums over its complaints and the
distributions of their times to resolution, overall and by group.

Times to resolution come two ways: over the resolved complaints only (a :class:`Sample`),
and over every measured complaint as a survival distribution (a :class:`Survival`), in
which a complaint never resolved is right-censored at the end of the run: all we know is
that it took longer than it was followed. The survival distribution is the Kaplan-Meier
estimate (:mod:`.survival`); its quantiles are +inf ("not reached") when too few
complaints were resolved, e.g. a median when fewer than half were.

A :class:`ComplaintStats` is built in one of two ways, with the same fields:

- exactly, from every complaint's row (:meth:`ComplaintStats.exact`), when the run keeps
  per-complaint records;
- a chunk of closed complaints at a time (:class:`StreamingStats`), when it does not
  (``run.records=false``), so memory does not grow with the horizon. Counts, sums, means
  and Jain's index are then exact; medians and other quantiles come from log-spaced
  histograms and are within :data:`HIST_REL_ERROR` of the exact values; the Gini
  coefficient is computed from the same histograms; and the "top 1% by followers" are
  the complaints at or above the 99th percentile of the configured follower distribution
  (instead of the top 1% by rank within the run), the "bottom half" those below its
  median. The Kaplan-Meier estimate is then
  computed on the histograms' bins (events before censorings within a bin), its quantiles
  within :data:`HIST_REL_ERROR` too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Protocol

import numpy as np

from escalationsim.analysis.bins import BINS, MIDDLES, bin_counts
from escalationsim.analysis.fairness import gini, jain, top_share_mask
from escalationsim.analysis.reductions import Columns, column_sums, columns_read
from escalationsim.analysis.survival import ExactSurvival, HistSurvival, Survival
from escalationsim.config.scenario import PopulationConfig
from escalationsim.engine import channels
from escalationsim.engine.recorder import columns
from escalationsim.kernel.codes import Status

# The sums are the declared reductions (analysis.reductions): one declaration serves the
# exact summary and the streamed one.

# --------------------------------------------------------------------------- samples


class Sample(Protocol):
    """Times to resolution of the resolved complaints of a group."""

    n: int

    def quantile(self, q: float, n_inf: int = 0) -> float:
        """Quantile (numpy's linear rule) with ``n_inf`` unresolved complaints counted as
        +inf; NaN if there is nothing at all."""
        ...

    def mean(self) -> float: ...

    def gini(self) -> float: ...

    def jain(self) -> float: ...


class ExactSample:
    """Every value, kept."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=float)
        self.n = len(self.values)

    def quantile(self, q: float, n_inf: int = 0) -> float:
        x = self.values
        if n_inf:
            x = np.concatenate([x, np.full(n_inf, math.inf)])
        if len(x) == 0:
            return math.nan
        return float(np.median(x)) if q == 0.5 else float(np.quantile(x, q))

    def mean(self) -> float:
        return float(self.values.mean()) if self.n else math.nan

    def gini(self) -> float:
        return gini(self.values)

    def jain(self) -> float:
        return jain(self.values)


class HistSample:
    """Values counted in log-spaced bins; exact count, sum and sum of squares."""

    def __init__(self) -> None:
        self.counts = np.zeros(BINS, dtype=np.int64)
        self.n = 0
        self.total = 0.0
        self.total_sq = 0.0

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=float)
        if len(values) == 0:
            return
        self.counts += bin_counts(values)
        self.n += len(values)
        self.total += float(values.sum())
        self.total_sq += float(np.sum(values * values))

    def _value_at(self, ranks: np.ndarray) -> np.ndarray:
        """Bin middles of the values at 0-based ``ranks`` in sorted order (inf past n)."""
        cum = np.cumsum(self.counts)
        out = np.full(len(ranks), math.inf)
        finite = ranks < self.n
        out[finite] = MIDDLES[np.searchsorted(cum, ranks[finite], side="right")]
        return out

    def quantile(self, q: float, n_inf: int = 0) -> float:
        total = self.n + n_inf
        if total == 0:
            return math.nan
        h = (total - 1) * q
        lo, hi = math.floor(h), math.ceil(h)
        a, b = self._value_at(np.array([lo, hi]))
        if hi == lo or a == b:
            return float(a)
        return float(a + (h - lo) * (b - a))

    def mean(self) -> float:
        return self.total / self.n if self.n else math.nan

    def gini(self) -> float:
        if self.n == 0 or self.total <= 0:
            return math.nan
        m = self.counts
        before = np.cumsum(m) - m  # values in lower bins
        # sum over ranks i of one bin of (2i - n - 1) = m (2 before + m - n)
        weight = m * (2 * before + m - self.n)
        return float(np.sum(weight * MIDDLES) / (self.n * float(np.sum(m * MIDDLES))))

    def jain(self) -> float:
        if self.n == 0 or self.total_sq <= 0:
            return math.nan
        return self.total * self.total / (self.n * self.total_sq)


# --------------------------------------------------------------------------- groups


@dataclass
class Group:
    """Complaints of one group: how many, how many resolved, the resolved TTRs, and the
    survival distribution of every complaint's TTR (the unresolved censored)."""

    count: int
    resolved: int
    ttr: Sample
    survival: Survival


@dataclass
class ComplaintStats:
    """Everything the KPIs of a run need from its complaints."""

    n: int
    sums: dict[str, float]
    ttr: Sample  # resolved complaints' times to resolution
    survival: Survival  # every complaint's, the unresolved censored at the end of the run
    top: Group  # top 1% by followers
    rest: Group  # everyone else
    channels: dict[int, Group] = field(default_factory=dict)  # by first channel
    exception: Group | None = None  # complaints needing an exception
    replies: dict[str, Survival] = field(default_factory=dict)
    """Time from a first public post, queued for an answer, to the answer (the authors
    who gave up censored), for ``top1`` (the top 1% by followers) and ``bottom50`` (the
    bottom half)."""

    @classmethod
    def exact(cls, cols: Columns) -> ComplaintStats:
        """From every complaint's row (columns with costs added); the top 1% by rank."""
        resolved = cols["status"] == Status.resolved
        ttr = cols["time_to_resolution_h"]
        duration = cols["duration_h"]
        f = cols["followers"]
        top = top_share_mask(f)
        first = cols["first_channel"]
        queued, reply, answered = reply_times(cols)

        def group(mask: np.ndarray) -> Group:
            sel = mask & resolved
            return Group(
                int(mask.sum()),
                int(sel.sum()),
                ExactSample(ttr[sel]),
                ExactSurvival(duration, resolved, mask),
            )

        return cls(
            n=len(ttr),
            sums=column_sums(cols),
            ttr=ExactSample(ttr[resolved]),
            survival=ExactSurvival(duration, resolved),
            top=group(top),
            rest=group(~top),
            channels={int(ch): group(first == ch) for ch in np.unique(first)},
            exception=group(np.asarray(cols["needs_exception"], dtype=bool)),
            replies={
                "top1": ExactSurvival(reply, answered, queued & top),
                "bottom50": ExactSurvival(reply, answered, queued & ~top_share_mask(f, 0.5)),
            },
        )


def reply_times(cols: Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Complaints whose first public post was queued for an answer, its time to the
    answer or to its author giving up (NaN elsewhere), and whether it was answered."""
    wait = cols["first_post_wait_h"]
    answered = ~np.isnan(wait)
    gave_up = cols["first_post_gave_up_h"]
    return answered | ~np.isnan(gave_up), np.where(answered, wait, gave_up), answered


def top_followers_threshold(p: PopulationConfig, share: float = 0.01) -> float:
    """Followers at the (1 - share) quantile of the configured lognormal distribution."""
    z = NormalDist().inv_cdf(1.0 - share)
    return math.ceil(p.followers_median * math.exp(p.followers_sigma * z))


class StreamingStats:
    """Builds a :class:`ComplaintStats` from chunks of complaints, in memory that does not
    depend on how many complaints there are."""

    def __init__(self, population: PopulationConfig) -> None:
        self.threshold = top_followers_threshold(population)
        self.median_followers = population.followers_median
        self.replies = {"top1": HistSurvival(), "bottom50": HistSurvival()}
        self.n = 0
        self.sums: dict[str, float] = {}
        self.ttr = HistSample()
        self.survival = HistSurvival()
        self._groups: dict[object, list] = {}

    def _group(self, key: object) -> list:
        return self._groups.setdefault(key, [0, 0, HistSample(), HistSurvival()])

    def _add_group(self, key: object, mask: np.ndarray, resolved: np.ndarray, cols: Columns):
        g = self._group(key)
        sel = mask & resolved
        g[0] += int(mask.sum())
        g[1] += int(sel.sum())
        g[2].add(cols["time_to_resolution_h"][sel])
        g[3].add(cols["duration_h"][mask], resolved[mask])

    def add(self, cols: Columns) -> None:
        """Count a chunk of complaints (columns with costs added)."""
        n = len(cols["status"])
        if n == 0:
            return
        self.n += n
        for k, v in column_sums(cols).items():
            self.sums[k] = self.sums.get(k, 0.0) + v
        resolved = cols["status"] == Status.resolved
        self.ttr.add(cols["time_to_resolution_h"][resolved])
        self.survival.add(cols["duration_h"], resolved)
        top = cols["followers"] >= self.threshold
        self._add_group("top", top, resolved, cols)
        self._add_group("rest", ~top, resolved, cols)
        first = cols["first_channel"]
        for ch in range(len(channels.names())):
            mask = first == ch
            if mask.any():
                self._add_group(ch, mask, resolved, cols)
        exception = np.asarray(cols["needs_exception"], dtype=bool)
        self._add_group("exception", exception, resolved, cols)
        queued, reply, answered = reply_times(cols)
        for key, mask in (("top1", top), ("bottom50", cols["followers"] < self.median_followers)):
            sel = queued & mask
            self.replies[key].add(reply[sel], answered[sel])

    def result(self) -> ComplaintStats:
        def group(key: object) -> Group:
            count, res, sample, survival = self._groups.get(
                key, [0, 0, HistSample(), HistSurvival()]
            )
            return Group(count, res, sample, survival)

        sums = self.sums or column_sums(_empty())
        return ComplaintStats(
            n=self.n,
            sums=sums,
            ttr=self.ttr,
            survival=self.survival,
            top=group("top"),
            rest=group("rest"),
            channels={ch: group(ch) for ch in range(len(channels.names())) if ch in self._groups},
            exception=group("exception"),
            replies=self.replies,
        )


def _empty() -> dict[str, np.ndarray]:
    """Columns of no complaints at all: every column the reductions read, with its dtype
    in the complaint table (float for a column the table derives per channel)."""
    dtypes = {c.name: c.dtype for c in columns()}
    return {name: np.zeros(0, dtype=dtypes.get(name, "f8")) for name in columns_read()}


# --------------------------------------------------------------------------- by day


def day_counts(cols: Columns, first_day: int, n_days: int) -> np.ndarray:
    """Per arrival day (from ``first_day``, ``n_days`` days): complaints, those that
    reached the CEO channel, those that went straight to the CEO, and their cost (USD,
    ``cost_total`` where the columns have it, else 0); shape (4, n_days), floats."""
    ceo = channels.code("ceo")
    day = np.floor(cols["arrival_time"] / 24.0).astype(np.int64) - first_day
    inside = (day >= 0) & (day < n_days)
    day = day[inside]
    cost = cols["cost_total"][inside] if "cost_total" in cols else np.zeros(len(day))
    return np.stack(
        [
            np.bincount(day, minlength=n_days),
            np.bincount(day, weights=cols["reached_ceo"][inside], minlength=n_days),
            np.bincount(day, weights=cols["first_channel"][inside] == ceo, minlength=n_days),
            np.bincount(day, weights=cost, minlength=n_days),
        ]
    )[:, :n_days].astype(float)
