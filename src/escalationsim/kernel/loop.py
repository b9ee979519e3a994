"""The event loop: SimPy's ``Environment.run(until=t)`` with the step inlined.

SimPy's ``run`` calls ``Environment.step`` once per event, a method call and a few
attribute lookups each; inlined in one loop, a run of the default scenario spends
noticeably less time outside the model's own code. The order of events is SimPy's own:
events before ``t`` are processed by (time, priority, id), and the loop stops where
SimPy's stop event would stand, an urgent event at ``t`` whose id is taken when the run
starts (this loop takes an id too, so every later event gets the id it would have had).
Events are processed exactly as ``Environment.step`` does; a failed event that nobody
defused crashes the run as it does there.
"""

from __future__ import annotations

from heapq import heappop, heappush

import simpy
from simpy.events import URGENT


def run_until(env: simpy.Environment, at: float) -> None:
    """Process every event due before ``at`` (and urgent ones at ``at`` scheduled before
    this call), then set the clock to ``at``: what ``env.run(until=at)`` does."""
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop_id = next(env._eid)  # the id SimPy's stop event would take
    queue = env._queue
    while queue:
        # Speed: popped first and pushed back once, when past ``at`` (keys are unique, so
        # the heap gives the same order), rather than read at queue[0] before every pop
        item = heappop(queue)
        t, priority, eid, event = item
        if t > at or (t == at and (priority > URGENT or eid > stop_id)):
            heappush(queue, item)
            break
        env._now = t
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc
    env._now = at
