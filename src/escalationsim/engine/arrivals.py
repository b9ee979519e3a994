"""Arrivals: the customer table read a block at a time, each customer started on their
journey at their arrival time.

With customers who remember (:mod:`.customer_base`) the table holds candidate
complaints: the base first decides whether a candidate is a complaint (its customer is
still there and complains that often). Then the policy's arrival levers act, in the order
the policy lists them: a lever with ``admit`` may prevent the complaint (a root-cause
fix); the base gives the complaint its customer's attributes and the channel they learned
to start on; publicity may send it to social (:mod:`.publicity`); a lever with ``route``
may choose the channel the customer starts on (word of mouth sending them to the CEO);
one with ``observe`` sees the complaint as it starts (root-cause detection).
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from escalationsim.engine.customer import FROM_TABLE, Customer
from escalationsim.engine.journey import journey
from escalationsim.kernel.process import LightProcess

if TYPE_CHECKING:
    from escalationsim.engine.model import Model
    from escalationsim.engine.population import Population
    from escalationsim.kernel.rng import CustomerDraws

CHUNK = 4096
"""Customers converted from the table's numpy columns to Python objects at a time."""


def customers(pop: Population, first: int, draws: CustomerDraws) -> Iterator[Customer]:
    """The customers of a block as new :class:`Customer` objects, ``CHUNK`` at a time,
    each with the block and row index of its private row in ``draws``."""
    for lo in range(0, len(pop), CHUNK):
        hi = min(lo + CHUNK, len(pop))
        rows, row_index = draws.take(hi - lo)
        yield from map(
            Customer,
            range(first + lo, first + hi),
            *(getattr(pop, name)[lo:hi].tolist() for name in FROM_TABLE),
            rows,
            row_index,
        )


def arrivals(m: Model) -> Generator[Any, Any, None]:
    """Start each customer's journey at their arrival time (see the module doc)."""
    env = m.env
    ctx = m.ctx
    log = m.log
    active = m.active
    levers = [lever for lever in m.policy.levers() if getattr(lever, "active", True)]
    admits = [lever.admit for lever in levers if hasattr(lever, "admit")]
    routes = [lever.route for lever in levers if hasattr(lever, "route")]
    observes = [lever.observe for lever in levers if hasattr(lever, "observe")]
    base = m.base
    publicity = m.ctx.publicity
    lo = 0  # index of the first customer of the block
    for block in m.blocks:
        if log.start == sys.maxsize:  # the window starts in this block or later
            k = int(np.searchsorted(block.arrival_h, m.warmup_h))
            if k < len(block):
                log.start = lo + k
        for c in customers(block, lo, m.draws):
            t = c.arrival
            now = env.now
            if t > now:
                yield simpy.Timeout(env, t - now)
            if base is not None and not base.admit(c):
                if c.idx >= log.start:  # not a complaint: the customer left, or complains less
                    log.not_made += 1
                continue
            if admits and not all(admit(c, t) for admit in admits):
                if c.idx >= log.start:
                    log.prevented += 1
                continue
            start = c.first_channel
            if base is None:
                c.customer_id = c.idx  # every complaint a new customer's
            else:
                start = base.start(c, start)
            if publicity is not None:
                start = publicity.route(c, start, t)
            for route in routes:
                start = route(c, start, t)
            for observe in observes:
                observe(ctx, c, start, t)
            active[c.idx] = c
            LightProcess(journey(ctx, c, start))
        lo += len(block)
