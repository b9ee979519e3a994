"""Staff schedules: how many workers a pool has at each moment, as a step function that
repeats every week.

A :class:`Schedule` is built from a constant head count (24/7), from shifts (days of
the week, start and end hour, head count; overlapping shifts add up), or from a table of
head counts per hour (24 entries, the same every day, or 168, Monday 00:00 first). Day 0
of a run is a Monday, as for the CEO's desk. The pool changes its head count at each
change point (:meth:`escalationsim.kernel.staff_pool.StaffPool.set_count`); the schedule
also gives the paid worker-hours of any time window.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

WEEK_H = 168.0
"""Hours in a week: every schedule repeats with this period."""


@dataclass(frozen=True)
class Shift:
    """``count`` workers from ``start`` to ``end`` (hours of day) on ``days`` (0 = Monday).

    ``end <= start`` means the shift runs past midnight into the next day."""

    days: tuple[int, ...]
    start: float
    end: float
    count: int


class Schedule:
    """Head count as a weekly step function: ``counts[i]`` workers from ``times[i]`` (an
    hour of the week) to the next change point; ``times[0]`` is 0."""

    __slots__ = ("times", "counts", "_cum")

    def __init__(self, times: Sequence[float], counts: Sequence[int]) -> None:
        if not times or times[0] != 0.0 or len(times) != len(counts):
            raise ValueError("a schedule needs change points starting at hour 0 of the week")
        # merge equal neighbours so that every change point changes something
        t_out, c_out = [float(times[0])], [int(counts[0])]
        for t, c in zip(times[1:], counts[1:], strict=True):
            if not 0.0 < t < WEEK_H or t <= t_out[-1]:
                raise ValueError(f"change points must increase within the week, got {t}")
            if int(c) != c_out[-1]:
                t_out.append(float(t))
                c_out.append(int(c))
        self.times = t_out
        self.counts = c_out
        # worker-hours from the start of the week to each change point, and to its end
        cum = [0.0]
        for i, c in enumerate(c_out):
            end = t_out[i + 1] if i + 1 < len(t_out) else WEEK_H
            cum.append(cum[-1] + c * (end - t_out[i]))
        self._cum = cum

    # ------------------------------------------------------------------ building

    @classmethod
    def constant(cls, count: int) -> Schedule:
        """``count`` workers around the clock."""
        return cls([0.0], [count])

    @classmethod
    def from_table(cls, table: Sequence[int]) -> Schedule:
        """Head count by hour: 24 entries (every day alike) or 168 (Monday 00:00 first)."""
        if len(table) == 24:
            table = list(table) * 7
        if len(table) != 168:
            raise ValueError("a head-count table has 24 or 168 entries")
        return cls([float(h) for h in range(168)], [int(n) for n in table])

    @classmethod
    def from_shifts(cls, shifts: Iterable[Shift]) -> Schedule:
        """The sum of the shifts' head counts at each moment of the week."""
        delta: dict[float, int] = {0.0: 0}
        for s in shifts:
            length = (s.end - s.start) % 24.0 or 24.0
            for d in s.days:
                a = (d * 24.0 + s.start) % WEEK_H
                b = a + length
                for lo, hi in ((a, min(b, WEEK_H)), (0.0, b - WEEK_H)):
                    if hi > lo:
                        delta[lo] = delta.get(lo, 0) + s.count
                        if hi < WEEK_H:
                            delta[hi] = delta.get(hi, 0) - s.count
        times, counts, n = [], [], 0
        for t in sorted(delta):
            n += delta[t]
            times.append(t)
            counts.append(n)
        return cls(times, counts)

    def scaled(self, factor: float) -> Schedule:
        """Every head count times ``factor``, rounded up (zero stays zero)."""
        return Schedule(self.times, [math.ceil(c * factor - 1e-9) for c in self.counts])

    # ------------------------------------------------------------------ reading

    @property
    def is_constant(self) -> bool:
        """One head count all week."""
        return len(self.counts) == 1

    @property
    def peak(self) -> int:
        """The largest head count of the week."""
        return max(self.counts)

    def count_at(self, t_h: float) -> int:
        """Workers on duty at time ``t_h`` (hours since Monday 00:00 of week 0)."""
        return self.counts[bisect.bisect_right(self.times, t_h % WEEK_H) - 1]

    def _hours_to(self, t_h: float) -> float:
        """Worker-hours from time 0 to ``t_h``."""
        weeks, r = divmod(t_h, WEEK_H)
        i = bisect.bisect_right(self.times, r) - 1
        return weeks * self._cum[-1] + self._cum[i] + self.counts[i] * (r - self.times[i])

    def hours(self, lo: float, hi: float) -> float:
        """Paid worker-hours in [lo, hi]."""
        if self.is_constant:
            return (hi - lo) * self.counts[0] if hi > lo else 0.0
        return self._hours_to(hi) - self._hours_to(lo) if hi > lo else 0.0

    def weekly_hours(self) -> float:
        """Paid worker-hours in one week."""
        return self._cum[-1]

    def changes(self, after_h: float) -> Iterator[tuple[float, int]]:
        """(time, new head count) of every change point after ``after_h``, forever."""
        if self.is_constant:
            return
        week = math.floor(after_h / WEEK_H)
        while True:
            base = week * WEEK_H
            for t, c in zip(self.times, self.counts, strict=True):
                if base + t > after_h:
                    yield base + t, c
            week += 1

    def __repr__(self) -> str:
        return f"Schedule(times={self.times}, counts={self.counts})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Schedule)
            and self.times == other.times
            and self.counts == other.counts
        )

    def __hash__(self) -> int:
        return hash((tuple(self.times), tuple(self.counts)))
