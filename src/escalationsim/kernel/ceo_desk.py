"""The CEO's desk: one person who reads an inbox only in daily time blocks that add up to
a weekly budget of hours. Work on a letter may continue in the next block, so the CEO
never spends more than the weekly budget on complaints.

The CEO reads the letter with the lowest ``priority`` first (ties: first sent first), so
a policy may triage: by age (every priority 0: first in, first out), by the writer's
visibility or by what is at stake. A letter the CEO has not started can be withdrawn
(handed to someone else, or its writer gave up): it then costs nothing."""

from __future__ import annotations

import heapq
from collections.abc import Generator
from typing import Any

import simpy

from escalationsim.kernel.either import first_of
from escalationsim.kernel.staff_pool import overlap
from escalationsim.kernel.timeout import Timeout


class Letter:
    """A letter in the inbox; ``done`` fires when the CEO has finished it."""

    __slots__ = ("work_left", "done", "account", "measured", "started", "withdrawn")

    def __init__(
        self, work_h: float, done: simpy.Event, account: list[float] | None, measured: bool
    ) -> None:
        self.work_left = work_h
        self.done = done
        self.account = account
        self.measured = measured  # sent inside the measurement window
        self.started = False  # the CEO has begun it: it can no longer be withdrawn
        self.withdrawn = False


class CeoDesk:
    """The CEO: reads the inbox in priority order, only inside daily time blocks.

    Blocks start at ``start_hour`` on the first ``days_per_week`` days of each week
    (day 0 is a Monday) and last ``hours_per_week / days_per_week`` hours.
    """

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        hours_per_week: float,
        days_per_week: int,
        start_hour: float,
        hourly_cost: float,
        window: tuple[float, float],
    ) -> None:
        self.env = env
        self.name = "ceo"
        self.index = index  # slot of the CEO in a customer's ``hours``
        self.hourly_cost = hourly_cost
        self.block_h = hours_per_week / days_per_week
        self.days_per_week = days_per_week
        self.start_hour = start_hour
        self.lo, self.hi = window
        # (priority, order sent, letter): a heap, withdrawn letters dropped when reached
        self.inbox: list[tuple[float, int, Letter]] = []
        self.current: Letter | None = None  # the letter the CEO has started
        self.waiting = 0  # letters in the inbox not withdrawn, the current one included
        self._sent = 0
        self._withdrawn = 0  # withdrawn letters still in the heap
        self.busy_h = 0.0
        self.inflow = 0  # letters sent inside the window
        self.served = 0  # of those, letters finished (by the end of the run)
        self._wake: simpy.Event | None = None
        env.process(self._work())

    def send(self, work_h: float, account: list[float] | None = None) -> simpy.Event:
        """Put a letter needing ``work_h`` hours of CEO time in the inbox, first in first
        out; the returned event fires when the CEO has finished it. CEO time is added to
        ``account[self.index]`` as it is spent, so unworked letters cost nothing."""
        return self.post(work_h, account).done

    def post(
        self, work_h: float, account: list[float] | None = None, priority: float = 0.0
    ) -> Letter:
        """As :meth:`send`, read after the letters of lower ``priority``; the letter, to
        wait for (``letter.done``) or withdraw."""
        done = self.env.event()
        measured = self.lo <= self.env.now < self.hi
        letter = Letter(work_h, done, account, measured)
        heapq.heappush(self.inbox, (priority, self._sent, letter))
        self._sent += 1
        self.waiting += 1
        if measured:
            self.inflow += 1
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()
        return letter

    def withdraw(self, letter: Letter) -> bool:
        """Take a letter the CEO has not started out of the inbox (it is never worked and
        its ``done`` never fires); False if the CEO has started or finished it."""
        if letter.started or letter.withdrawn:
            return False
        letter.withdrawn = True
        letter.account = None  # nothing more will be charged to it
        self.waiting -= 1
        self._withdrawn += 1
        # Withdrawn letters leave the heap when the CEO reaches them; under an order that
        # never reaches some (low priority, always handed over) they would pile up:
        # rebuild the heap once they are most of it (the same order: priority, then sent)
        if self._withdrawn > 64 and 2 * self._withdrawn > len(self.inbox):
            self.inbox = [x for x in self.inbox if not x[2].withdrawn]
            heapq.heapify(self.inbox)
            self._withdrawn = 0
        return True

    @property
    def queue_length(self) -> int:
        """Letters not yet finished (including one the CEO has started)."""
        return self.waiting

    def hours_owed(self) -> float:
        """CEO hours still needed for the letters in the inbox."""
        owed = sum(x[2].work_left for x in self.inbox if not x[2].withdrawn)
        current = self.current
        return owed + (current.work_left if current is not None else 0.0)

    def _next(self) -> Letter | None:
        """The letter to work on: the one started, else the inbox's first not withdrawn."""
        if self.current is not None:
            return self.current
        inbox = self.inbox
        while inbox:
            letter = heapq.heappop(inbox)[2]
            if letter.withdrawn:
                self._withdrawn -= 1
            else:
                letter.started = True
                self.current = letter
                return letter
        return None

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
                    letter = self._next()
                    if letter is None:
                        self._wake = env.event()
                        yield first_of(self._wake, Timeout(env, end - env.now))
                        self._wake = None
                        continue
                    spend = min(letter.work_left, end - env.now)
                    now = env.now
                    self.busy_h += overlap(now, now + spend, self.lo, self.hi)
                    yield Timeout(env, spend)
                    letter.work_left -= spend
                    if letter.account is not None:
                        letter.account[self.index] += spend
                    if letter.work_left <= 1e-12:
                        self.current = None
                        self.waiting -= 1
                        if letter.measured:
                            self.served += 1
                        letter.done.succeed()
            day += 1
            next_start = day * 24.0
            if next_start > env.now:
                yield env.timeout(next_start - env.now)
