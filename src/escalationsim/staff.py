"""Staff: pools of interchangeable workers, and the CEO with a weekly time budget.

A :class:`StaffPool` is a SimPy priority resource that also measures how busy it is
inside the measurement window and how many requests entered its queue. The
:class:`CeoDesk` is one person who reads an inbox only during daily blocks that add up to
``hours_per_week``; work on a letter may continue in the next block, so the CEO never
spends more than the weekly budget on complaints.
"""

from __future__ import annotations

import bisect
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
    from escalationsim.analytic import staff_for_targets

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


class _InsortQueue(list):
    """SimPy's sorted put queue, kept sorted by binary insertion instead of re-sorting
    the whole list on every request: the same order (stable for equal keys), without the
    cost growing with long email backlogs."""

    def __init__(self, maxlen: int | None = None) -> None:
        super().__init__()
        self.maxlen = maxlen

    def append(self, item: Any) -> None:
        bisect.insort_right(self, item, key=_request_key)


def _request_key(event: Any) -> Any:
    return event.key


class _PriorityResource(simpy.PriorityResource):
    PutQueue = _InsortQueue


class StaffPool:
    """``count`` identical workers with a priority queue (lower priority value first)."""

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
        self.resource = _PriorityResource(env, capacity=count)
        self.lo, self.hi = window
        self.busy_h = 0.0  # busy time inside the window
        self.inflow = 0  # requests made inside the window

    def request(self, priority: float = 0.0) -> simpy.resources.resource.PriorityRequest:
        """Join the queue; count the request if it is inside the window."""
        if self.lo <= self.env.now < self.hi:
            self.inflow += 1
        return self.resource.request(priority=priority)

    def release(self, req: simpy.resources.resource.PriorityRequest) -> None:
        self.resource.release(req)

    def request_with_patience(
        self, priority: float, patience_h: float
    ) -> simpy.resources.resource.PriorityRequest:
        """Join the queue, and leave it after ``patience_h`` hours if not served by then.

        Yielding the returned request gives ``None`` when a worker is granted and
        :data:`RENEGED` when patience ran out (the request has then left the queue). One
        timer with a callback does what ``request | timeout`` would, without a condition
        event per contact.
        """
        req = self.request(priority)
        if not req.triggered:
            timer = self.env.timeout(patience_h)
            timer.callbacks.append(lambda _ev, r=req: _renege(r))
        return req

    def work(self, duration_h: float) -> simpy.Timeout:
        """Time one granted worker spends on a task; accounts it to the window."""
        now = self.env.now
        self.busy_h += overlap(now, now + duration_h, self.lo, self.hi)
        return self.env.timeout(duration_h)

    def serve(self, duration_h: float, priority: float = 0.0) -> Generator[Any, Any, None]:
        """Wait for a worker, work for ``duration_h``, release (no reneging)."""
        req = self.request(priority)
        yield req
        yield self.work(duration_h)
        self.release(req)

    @property
    def queue_length(self) -> int:
        return len(self.resource.queue)

    def utilisation(self) -> float:
        """Busy worker-hours over available worker-hours in the window."""
        span = (self.hi - self.lo) * self.count
        return self.busy_h / span if span > 0 else float("nan")


RENEGED = "reneged"
"""Value of a request whose customer's patience ran out before a worker was free."""


def _renege(req: simpy.resources.resource.PriorityRequest) -> None:
    if not req.triggered:
        req.cancel()
        req.succeed(RENEGED)


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
