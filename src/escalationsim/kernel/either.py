"""Waiting for the first of two events without a SimPy condition.

Speed: ``a | b`` builds a :class:`simpy.AnyOf`, a condition whose callbacks, when either
event is processed, count it, collect both events' values and take themselves off the
other event: work whose result the model never reads. A responding CEO's letter waits
for its answer or its handover timer, and the CEO's desk for a letter or the end of its
block, one condition each time. :func:`first_of` returns a plain event, triggered when
the first of the two is processed exactly as the condition would be (scheduled at that
moment, NORMAL priority, the next event id), so the order of events and every result
are unchanged. Its value is None (a failed event's exception is passed on, as by the
condition); the other event keeps a callback that does nothing once it fires.
"""

from __future__ import annotations

from heapq import heappush

import simpy
from simpy.events import NORMAL, PENDING


def first_of(a: simpy.Event, b: simpy.Event) -> simpy.Event:
    """An event processed after the first of ``a`` and ``b`` is (at once if one was)."""
    env = a.env
    either = simpy.Event(env)

    def fire(event: simpy.Event) -> None:
        if either._value is not PENDING:  # the other came first
            return
        if event._ok:
            either._ok = True
            either._value = None
        else:  # handed on, as a condition fails with its event's exception
            event._defused = True
            either._ok = False
            either._value = event._value
        heappush(env._queue, (env._now, NORMAL, next(env._eid), either))

    for event in (a, b):
        if event.callbacks is None:  # processed already
            fire(event)
        else:
            event.callbacks.append(fire)
    return either


__all__ = ["first_of"]
