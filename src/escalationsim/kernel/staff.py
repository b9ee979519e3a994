"""Staff: pools of interchangeable workers, and the CEO with a weekly time budget.

A :class:`StaffPool` is a priority queue in front of ``count`` workers that also measures
how busy it is inside the measurement window and how many requests entered its queue. The
:class:`CeoDesk` is one person who reads an inbox only during daily blocks that add up to
``hours_per_week``; work on a letter may continue in the next block, so the CEO never
spends more than the weekly budget on complaints.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    from escalationsim.config import ScenarioConfig


def head_counts(scenario: ScenarioConfig) -> dict[str, int]:
    """Workers per pool: as configured, or grown with volume if ``scale_with_volume``.

    Scaled reps: the fewest that keep phone abandonment (first calls, Erlang A with the
    scenario's call time and mean patience) at or below half the abandonment target, plus
    the email load in Erlangs rounded up. Other pools grow in proportion to volume.
    """
    from escalationsim.analysis.analytic import staff_for_targets

    st = scenario.staff
    counts = {name: getattr(st, name).count for name in STAFF_ROLES if name != "ceo"}
    if not st.scale_with_volume:
        return counts
    vol = scenario.volume_per_day
    factor = vol / st.reference_volume_per_day
    for name in counts:
        counts[name] = max(1, math.ceil(counts[name] * factor - 1e-9))
    pop, ht = scenario.population, scenario.handle_times
    calls_h = vol / 24.0 * pop.first_channel_phone
    emails_erlang = vol / 24.0 * pop.first_channel_email * ht.email.mean_min / 60.0
    patience_s = scenario.channels.phone.patience_mean_s
    phone = 0
    if calls_h > 0:
        phone = staff_for_targets(
            calls_h,
            60.0 / ht.phone.mean_min,
            max_abandon=scenario.targets.phone_abandon_max / 2,
            theta=3600.0 / patience_s if patience_s else None,
            max_occupancy=None if patience_s else 0.9,
        )
    counts["reps"] = max(1, phone + math.ceil(emails_erlang - 1e-9))
    return counts


def overlap(start: float, end: float, lo: float, hi: float) -> float:
    """Length of the intersection of [start, end] with the window [lo, hi]."""
    a = start if start > lo else lo
    b = end if end < hi else hi
    return b - a if b > a else 0.0


STAFF_ROLES: tuple[str, ...] = ("reps", "social", "managers", "exec_office", "ceo")
"""Staff roles in a fixed order: per-complaint handling hours are kept in this order."""

AUDIT_SLOT = len(STAFF_ROLES)
"""Slot after the roles for managers' audit hours: spent after the customer was served."""


class StaffPool:
    """``count`` identical workers and one queue, served lowest priority value first,
    then first come, first served.

    A lightweight replacement for a SimPy ``PriorityResource`` with the same order: a
    request that finds a worker free takes it at once and needs no event; one that has to
    wait gets a plain event, fired when a worker is handed to it on release. The pool also
    measures how busy it is inside the measurement window and how many requests entered
    its queue.
    """

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        count: int,
        hourly_cost: float,
        window: tuple[float, float],
    ) -> None:
        self.env = env
        self.name = name
        self.index = STAFF_ROLES.index(name)
        self.count = count
        self.hourly_cost = hourly_cost
        self.free = count  # idle workers
        self.lo, self.hi = window
        self.busy_h = 0.0  # busy time inside the window
        self.inflow = 0  # requests made inside the window
        self._heap: list[tuple[float, float, int, simpy.Event]] = []
        self._seq = itertools.count()
        self._waiting = 0  # requests in the queue that have not reneged

    def request(self, priority: float = 0.0) -> simpy.Event | None:
        """Ask for a worker: ``None`` if one was free (it is now taken), else an event to
        yield that fires when a worker is handed over."""
        env = self.env
        now = env.now
        if self.lo <= now < self.hi:
            self.inflow += 1
        if self.free:
            self.free -= 1
            return None
        ev = simpy.Event(env)
        heapq.heappush(self._heap, (priority, now, next(self._seq), ev))
        self._waiting += 1
        return ev

    def request_with_patience(self, priority: float, patience_h: float) -> simpy.Event | None:
        """As :meth:`request`, but leave the queue after ``patience_h`` hours if no worker
        was handed over by then: the event's value is then :data:`RENEGED`. One timer with
        a callback per waiting request, no condition event."""
        ev = self.request(priority)
        if ev is not None:
            self.env.timeout(patience_h).callbacks.append(lambda _t, e=ev: self._renege(e))
        return ev

    def _renege(self, ev: simpy.Event) -> None:
        if not ev.triggered:  # still queued: leave (its heap entry is skipped later)
            self._waiting -= 1
            ev.succeed(RENEGED)

    def release(self) -> None:
        """A worker finished: hand it to the first live request in the queue, or idle."""
        heap = self._heap
        while heap:
            ev = heapq.heappop(heap)[3]
            if not ev.triggered:
                self._waiting -= 1
                ev.succeed()
                return
        self.free += 1

    def work(self, duration_h: float) -> simpy.Timeout:
        """Time one granted worker spends on a task; accounts it to the window."""
        env = self.env
        now = env.now
        end = now + duration_h
        if self.lo <= now and end <= self.hi:  # the usual case: all inside the window
            self.busy_h += end - now
        else:
            self.busy_h += overlap(now, end, self.lo, self.hi)
        return simpy.Timeout(env, duration_h)

    def serve(self, duration_h: float, priority: float = 0.0) -> Generator[Any, Any, None]:
        """Wait for a worker, work for ``duration_h``, release (no reneging)."""
        wait = self.request(priority)
        if wait is not None:
            yield wait
        yield self.work(duration_h)
        self.release()

    @property
    def queue_length(self) -> int:
        """Requests waiting for a worker."""
        return self._waiting

    @property
    def busy(self) -> int:
        """Workers currently busy."""
        return self.count - self.free

    def utilisation(self) -> float:
        """Busy worker-hours over available worker-hours in the window."""
        span = (self.hi - self.lo) * self.count
        return self.busy_h / span if span > 0 else float("nan")


RENEGED = "reneged"
"""Value of a request whose customer's patience ran out before a worker was free."""


class _Letter:
    __slots__ = ("work_left", "done", "account")

    def __init__(self, work_h: float, done: simpy.Event, account: list[float] | None) -> None:
        self.work_left = work_h
        self.done = done
        self.account = account


class CeoDesk:
    """The CEO: reads the inbox first in, first out, only inside daily time blocks.

    Blocks start at ``start_hour`` on the first ``days_per_week`` days of each week
    (day 0 is a Monday) and last ``hours_per_week / days_per_week`` hours.
    """

    def __init__(
        self,
        env: simpy.Environment,
        hours_per_week: float,
        days_per_week: int,
        start_hour: float,
        hourly_cost: float,
        window: tuple[float, float],
    ) -> None:
        self.env = env
        self.name = "ceo"
        self.index = STAFF_ROLES.index("ceo")
        self.hourly_cost = hourly_cost
        self.block_h = hours_per_week / days_per_week
        self.days_per_week = days_per_week
        self.start_hour = start_hour
        self.lo, self.hi = window
        self.inbox: deque[_Letter] = deque()
        self.busy_h = 0.0
        self.inflow = 0
        self._wake: simpy.Event | None = None
        env.process(self._work())

    def send(self, work_h: float, account: list[float] | None = None) -> simpy.Event:
        """Put a letter needing ``work_h`` hours of CEO time in the inbox; the returned
        event fires when the CEO has finished it. CEO time is added to
        ``account[self.index]`` as it is spent, so unworked letters cost nothing."""
        done = self.env.event()
        self.inbox.append(_Letter(work_h, done, account))
        if self.lo <= self.env.now < self.hi:
            self.inflow += 1
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()
        return done

    @property
    def queue_length(self) -> int:
        """Letters not yet finished (including one the CEO has started)."""
        return len(self.inbox)

    def hours_owed(self) -> float:
        """CEO hours still needed for the letters in the inbox."""
        return sum(letter.work_left for letter in self.inbox)

    def available_h(self, lo: float, hi: float) -> float:
        """CEO complaint hours scheduled inside [lo, hi]."""
        total = 0.0
        day = int(lo // 24)
        while day * 24 < hi:
            if day % 7 < self.days_per_week:
                start = day * 24 + self.start_hour
                total += overlap(start, start + self.block_h, lo, hi)
            day += 1
        return total

    def utilisation(self) -> float:
        avail = self.available_h(self.lo, self.hi)
        return self.busy_h / avail if avail > 0 else float("nan")

    def _work(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        day = 0
        while True:
            if day % 7 < self.days_per_week:
                start = day * 24 + self.start_hour
                if start > env.now:
                    yield env.timeout(start - env.now)
                end = start + self.block_h
                while env.now < end:
                    if not self.inbox:
                        self._wake = env.event()
                        yield self._wake | env.timeout(end - env.now)
                        self._wake = None
                        continue
                    letter = self.inbox[0]
                    spend = min(letter.work_left, end - env.now)
                    now = env.now
                    self.busy_h += overlap(now, now + spend, self.lo, self.hi)
                    yield env.timeout(spend)
                    letter.work_left -= spend
                    if letter.account is not None:
                        letter.account[self.index] += spend
                    if letter.work_left <= 1e-12:
                        self.inbox.popleft()
                        letter.done.succeed()
            day += 1
            next_start = day * 24.0
            if next_start > env.now:
                yield env.timeout(next_start - env.now)
