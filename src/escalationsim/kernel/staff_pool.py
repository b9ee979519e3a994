"""A pool of interchangeable workers in front of one priority queue, without SimPy
resource events.

This is one of the kernel's speed tricks: a SimPy ``PriorityResource`` costs a request
and a release event per use; here a request that finds a worker free takes it at once
with no event at all (``request`` returns ``None``), and a waiting request gets a plain
event fired by :meth:`StaffPool.release`. The order is SimPy's own (priority, then time
of request). About a fifth of a run's time at the time it was introduced.

A pool may follow a weekly :class:`~escalationsim.kernel.schedule.Schedule`: at each of
its change points the head count changes (:meth:`StaffPool.set_count`). Requests waiting
when a shift ends wait for the next one; a worker whose shift has ended finishes the
task in hand and then leaves (``free`` is negative while such workers are still busy).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Generator
from typing import Any

import simpy
from simpy.events import NORMAL

from escalationsim.kernel.schedule import Schedule
from escalationsim.kernel.timeout import Timeout


def overlap(start: float, end: float, lo: float, hi: float) -> float:
    """Length of the intersection of [start, end] with the window [lo, hi]."""
    a = start if start > lo else lo
    b = end if end < hi else hi
    return b - a if b > a else 0.0


RENEGED = "reneged"
"""Value of a request whose customer's patience ran out before a worker was free."""


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
        index: int,
        count: int,
        hourly_cost: float,
        window: tuple[float, float],
        schedule: Schedule | None = None,
    ) -> None:
        self.env = env
        self.name = name
        self.index = index  # slot of this pool in a customer's ``hours``
        self.schedule = schedule or Schedule.constant(count)
        count = self.schedule.count_at(env.now)
        self.count = count  # workers on duty now
        self.hourly_cost = hourly_cost
        self.free = count  # idle workers
        self.lo, self.hi = window
        self.busy_h = 0.0  # busy time inside the window
        self.inflow = 0  # requests made inside the window
        self.served = 0  # of those, requests that got a worker (by the end of the run)
        # (priority, time of request, order, event, reserve); a kept request put back
        # after its patience ran out has a half-integer order (_keep)
        self._heap: list[tuple[float, float, float, simpy.Event, int]] = []
        self._seq = itertools.count()
        self._waiting = 0  # requests in the queue that have not reneged
        # patience deadlines of waiting requests, and the times of pending sweeps
        # (deadline, order, event), plus the request's own terms for a kept one
        self._deadlines: list[tuple[Any, ...]] = []
        self._sweeps: list[float] = []
        self._next_sweep = math.inf
        if not self.schedule.is_constant:
            env.process(self._follow_schedule())

    def _follow_schedule(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for t, n in self.schedule.changes(env.now):
            yield env.timeout(t - env.now)
            self.set_count(n)

    def set_count(self, n: int) -> None:
        """Put ``n`` workers on duty from now: new workers take waiting requests at once;
        workers going off duty leave as soon as they are free."""
        self.free += n - self.count
        self.count = n
        self._dispatch()

    def _dispatch(self) -> None:
        """Hand free workers to waiting requests, first in queue order, while the first
        one's reservation allows it."""
        heap = self._heap
        while self.free > 0 and heap:
            top = heap[0]
            if top[3].triggered:  # reneged: drop it
                heapq.heappop(heap)
                continue
            if top[4] >= self.free:  # would leave fewer than ``reserve`` free
                return
            heapq.heappop(heap)
            self._waiting -= 1
            self.free -= 1
            if self.lo <= top[1] < self.hi:
                self.served += 1
            top[3].succeed()

    def request(self, priority: float = 0.0, reserve: int = 0) -> simpy.Event | None:
        """Ask for a worker: ``None`` if one was free (it is now taken), else an event to
        yield that fires when a worker is handed over. With ``reserve`` > 0 the work is
        only started while at least ``reserve`` other workers stay free (trunk
        reservation: a blended team keeps agents free for calls)."""
        env = self.env
        now = env._now  # SimPy's clock, without the property call (once per request)
        inside = self.lo <= now < self.hi
        if inside:
            self.inflow += 1
        if self.free > reserve:
            self.free -= 1
            if inside:
                self.served += 1
            return None
        ev = simpy.Event(env)
        heapq.heappush(self._heap, (priority, now, next(self._seq), ev, reserve))
        self._waiting += 1
        return ev

    def request_with_patience(
        self, priority: float, patience_h: float, reserve: int = 0
    ) -> simpy.Event | None:
        """As :meth:`request`, but leave the queue after ``patience_h`` hours if no worker
        was handed over by then: the event's value is then :data:`RENEGED`.

        Speed: no timer per waiting request. Deadlines go into a heap of the pool's own,
        and one "sweep" event is pending at the earliest deadline of a request still
        waiting; most requests are served before their deadline, so most deadlines never
        cost an event (a busy pool with long patience, e.g. emails, saves one event per
        waiting request). A sweep is scheduled at the deadline's absolute time, exactly
        when a timer started at the request would fire, so results are unchanged."""
        ev = self.request(priority, reserve)
        if ev is not None:
            deadline = self.env.now + patience_h  # SimPy's own sum for a timeout's time
            heapq.heappush(self._deadlines, (deadline, next(self._seq), ev))
            if deadline < self._next_sweep:
                self._sweep_at(deadline)
        return ev

    def request_kept(
        self,
        priority: float,
        patience_h: float,
        reserve: int,
        late: Callable[[simpy.Event | None], object],
    ) -> simpy.Event | None:
        """As :meth:`request_with_patience`, but the request is kept when the patience
        runs out: the event then fires :data:`RENEGED` (the customer moves on) while the
        request keeps its place in the queue, and when a worker reaches it ``late`` is
        called with that worker taken (it must :meth:`release` it or
        :meth:`hand_over` it). An email backlog: an unanswered email stays in it."""
        ev = self.request(priority, reserve)
        if ev is not None:
            now = self.env.now
            deadline = now + patience_h
            # the deadline's sequence number is the request's plus one (drawn just after
            # it, in request): _keep puts the kept request back at exactly its place
            entry = (deadline, next(self._seq), ev, (priority, now, reserve, late))
            heapq.heappush(self._deadlines, entry)
            if deadline < self._next_sweep:
                self._sweep_at(deadline)
        return ev

    def request_late(
        self, priority: float, reserve: int, late: Callable[[simpy.Event | None], object]
    ) -> None:
        """A request no one waits for (an email whose writer stopped waiting before it
        reached the queue): ``late`` is called when a worker takes it (at once if one is
        free), with that worker taken."""
        ev = self.request(priority, reserve)
        if ev is None:
            late(None)
        else:
            ev.callbacks.append(late)

    def _keep(self, entry: tuple[Any, ...]) -> None:
        """A kept request whose patience ran out: back into the queue at its own place
        (the same priority, time and order, just after its first entry, now skipped), as
        a request no one waits for."""
        priority, t, reserve, late = entry[3]
        ev = simpy.Event(self.env)
        ev.callbacks.append(late)
        heapq.heappush(self._heap, (priority, t, entry[1] - 0.5, ev, reserve))

    def hand_over(self, ev: simpy.Event, requested_at: float) -> None:
        """Give the worker just handed to a kept request to the waiting request ``ev``
        (made at ``requested_at``) instead: an email and the same writer's chaser are
        answered together."""
        self._waiting -= 1
        if self.lo <= requested_at < self.hi:
            self.served += 1
        ev.succeed()

    def _sweep_at(self, t: float) -> None:
        """Schedule a sweep at absolute time ``t``: a plain event pushed onto SimPy's
        event queue as a timeout would be (SimPy internals: ``_queue``, ``_eid``), since a
        timeout's delay would have to be ``t - now`` and could miss ``t`` by a rounding."""
        env = self.env
        ev = simpy.Event(env)
        ev._ok = True
        ev._value = None
        ev.callbacks.append(self._sweep)
        heapq.heappush(env._queue, (t, simpy.events.NORMAL, next(env._eid), ev))
        heapq.heappush(self._sweeps, t)
        self._next_sweep = t

    def _sweep(self, _ev: simpy.Event) -> None:
        """Every request whose deadline has come and that still waits leaves the queue;
        then a sweep is scheduled at the next deadline of a request still waiting, unless
        an earlier sweep is pending already."""
        now = self.env.now
        heapq.heappop(self._sweeps)  # this sweep: the earliest pending one
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] <= now:
            entry = heapq.heappop(deadlines)
            ev = entry[2]
            if not ev.triggered:  # still queued: leave (its queue entry is skipped later)
                if len(entry) > 3:  # kept (request_kept): the request stays queued
                    self._keep(entry)
                else:
                    self._waiting -= 1
                ev.succeed(RENEGED)
        while deadlines and deadlines[0][2].triggered:  # served already
            heapq.heappop(deadlines)
        pending = self._sweeps[0] if self._sweeps else math.inf
        if deadlines and deadlines[0][0] < pending:
            self._sweep_at(deadlines[0][0])
        else:
            self._next_sweep = pending

    def release(self) -> None:
        """A worker finished: hand it to the first live request in the queue (if that
        request's reservation allows), or idle (or off duty, if their shift has ended)."""
        if self.free < 0:  # off duty since the shift ended
            self.free += 1
            return
        heap = self._heap
        while heap:
            top = heap[0]
            if top[3].triggered:  # reneged: drop it
                heapq.heappop(heap)
                continue
            if top[4] > self.free:  # keep this worker free for other work
                break
            heapq.heappop(heap)
            self._waiting -= 1
            if self.lo <= top[1] < self.hi:
                self.served += 1
            # top[3].succeed(), inlined (two calls fewer per queued request): the request
            # is pending (checked above), so it is triggered now and scheduled as
            # Environment.schedule would (now, NORMAL, the next event id)
            ev = top[3]
            ev._ok = True
            ev._value = None
            env = self.env
            heapq.heappush(env._queue, (env._now, NORMAL, next(env._eid), ev))
            return
        self.free += 1

    def work(self, duration_h: float) -> Timeout:
        """Time one granted worker spends on a task; accounts it to the window."""
        env = self.env
        now = env._now  # SimPy's clock, without the property call (once per task)
        end = now + duration_h
        if self.lo <= now and end <= self.hi:  # the usual case: all inside the window
            self.busy_h += end - now
        else:
            self.busy_h += overlap(now, end, self.lo, self.hi)
        return Timeout(env, duration_h)

    def serve(
        self, duration_h: float, priority: float = 0.0, reserve: int = 0
    ) -> Generator[Any, Any, None]:
        """Wait for a worker, work for ``duration_h``, release (no reneging)."""
        wait = self.request(priority, reserve)
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
        """Workers currently busy (including any finishing after their shift)."""
        return self.count - self.free

    def paid_h(self) -> float:
        """Paid worker-hours in the window (the schedule's, idle time included)."""
        return self.schedule.hours(self.lo, self.hi)

    def utilisation(self) -> float:
        """Busy worker-hours over paid worker-hours in the window."""
        span = self.paid_h()
        return self.busy_h / span if span > 0 else float("nan")
