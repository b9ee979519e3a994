"""A SimPy timeout that schedules itself without a method call.

Speed: every customer waits on at least two timeouts (their arrival and their handling
time). :class:`simpy.Timeout` schedules itself through ``Environment.schedule``, one
more Python call per timeout; :class:`Timeout` pushes itself onto the event queue
directly, exactly as ``schedule`` would (the same time ``now + delay``, priority and
event id), so the order of events and every result are unchanged. It is a
:class:`simpy.Timeout` in every other respect.
"""

from __future__ import annotations

from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL


class Timeout(simpy.Timeout):
    """``simpy.Timeout(env, delay, value)``, scheduled inline."""

    def __init__(self, env: simpy.Environment, delay: float, value: Any = None) -> None:
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        self.env = env
        self.callbacks = []
        self._value = value
        self._delay = delay
        self._ok = True
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))


__all__ = ["Timeout"]
