"""The daily series (``daily.csv``): per policy, replication and simulated day of the
window, from the day's counts (:func:`escalationsim.analysis.stats.day_counts`: complaints
arrived, reaching the CEO, going straight there, their cost) and each queue's length at the
start of the day (``queue_<pool>``, one column per staff pool, after these)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalationsim.analysis.outcomes.base import NONNEG, SHARE
from escalationsim.analysis.outcomes.measure import Measure, by_name


def _share(part: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, part / n, np.nan)


DAILY: tuple[Measure, ...] = (
    Measure(
        "complaints",
        lambda n, ceo, direct, cost: n.astype(np.int64),
        "new complaints",
        "per day",
        "{:,.0f}",
        NONNEG,
        doc="complaints that arrived that day",
    ),
    Measure(
        "ceo_channel_share",
        lambda n, ceo, direct, cost: _share(ceo, n),
        "share of new complaints reaching the CEO",
        "%",
        "{:.1%}",
        SHARE,
        "lower",
        "of the day's new complaints, those that reached the CEO's inbox (by arrival day)",
    ),
    Measure(
        "direct_to_ceo_share",
        lambda n, ceo, direct, cost: _share(direct, n),
        "share of new complaints going straight to the CEO",
        "%",
        "{:.1%}",
        SHARE,
        "lower",
        "of the day's new complaints, those that wrote to the CEO first",
    ),
    Measure(
        "cost",
        lambda n, ceo, direct, cost: cost,
        "cost of the day's new complaints",
        "USD",
        "{:,.0f}",
        NONNEG,
        "lower",
        "total cost (`cost_total`) of the complaints that arrived that day",
    ),
)
"""The columns from the day's counts, in ``daily.csv`` order."""


def _queue(days: pd.Series, lo: float, snapshots: np.ndarray) -> pd.Series:
    """Each day's snapshot of a queue (taken at ``lo``, ``lo + 24``, ...), by day."""
    snap_days = (lo + 24.0 * np.arange(len(snapshots))) / 24.0
    series = pd.Series(snapshots, index=np.floor(snap_days + 1e-9).astype(int))
    return days.map(series)


QUEUE = Measure(
    "queue_<pool>",
    _queue,
    "requests waiting at the start of the day",
    "requests",
    "{:,.0f}",
    NONNEG,
    "lower",
    "the pool's queue length at the start of the day (a snapshot every 24 h of the window)",
)
"""One column per staff pool, after :data:`DAILY`: ``formula(days, lo, snapshots)``
with the window's start ``lo`` (h) and the pool's snapshots."""

QUEUE_CEO = Measure(
    "queue_ceo",
    QUEUE.formula,
    "letters waiting in the CEO's inbox",
    "letters",
    QUEUE.fmt,
    QUEUE.bounds,
    QUEUE.direction,
    "letters in the CEO's inbox at the start of the day",
)
"""The CEO's queue, in the words of a letter."""

DAILY_MEASURES: dict[str, Measure] = by_name(DAILY)


def measure(column: str) -> Measure:
    """The declaration of a ``daily.csv`` column (a ``queue_<pool>`` one included)."""
    if column == QUEUE_CEO.name:
        return QUEUE_CEO
    if column.startswith("queue_"):
        return QUEUE
    return DAILY_MEASURES[column]


__all__ = ["DAILY", "DAILY_MEASURES", "QUEUE", "QUEUE_CEO", "measure"]
