"""Arrivals: the customer table read a block at a time, each customer started on their
journey at their arrival time.

With customers who remember (:mod:`.customer_base`) the table holds candidate
complaints: the base first decides whether a candidate is a complaint (its customer is
still there and complains that often). Then the policy's arrival hooks act
(:class:`~escalationsim.engine.levers.Lever`), in the order the policy lists its
levers: a lever's ``admit`` may prevent the complaint (a root-cause fix); the base gives
the complaint its customer's attributes and the channel they learned to start on;
publicity may send it to social (:mod:`.publicity`); a lever's ``route`` may choose the
channel the customer starts on (word of mouth sending them to the CEO); its ``observe``
sees the complaint as it starts (root-cause detection).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterator
from itertools import chain, compress, starmap
from typing import TYPE_CHECKING, Any

import numpy as np

from escalationsim.engine.customer import FROM_TABLE, LATER, REMEMBERING, Customer
from escalationsim.engine.journey import journey, promised_work
from escalationsim.engine.levers import hooks
from escalationsim.kernel.process import LightProcess
from escalationsim.kernel.timeout import Timeout

if TYPE_CHECKING:
    from escalationsim.engine.model import Model
    from escalationsim.engine.population import Population
    from escalationsim.kernel.rng import CustomerDraws

CHUNK = 4096
"""Customers converted from the table's numpy columns to Python objects at a time."""


# positions in a Customer's arguments: idx, FROM_TABLE, draws, row, LATER, REMEMBERING
_MORE = 1 + len(FROM_TABLE) + 2  # the first of LATER
_CUSTOMER_ID = 1 + len(FROM_TABLE) + 2 + len(LATER) + REMEMBERING.index("customer_id")
_U_ACCEPT = 1 + len(FROM_TABLE) + 2 + len(LATER) + REMEMBERING.index("u_accept")
_ARRIVAL = 1 + FROM_TABLE.index("arrival_h")


def customers(
    pop: Population,
    first: int,
    draws: CustomerDraws,
    keep: Callable[[int, int, float, float], bool] | None = None,
    remembering: bool = False,
) -> Iterator[Customer]:
    """The customers of a block as new :class:`Customer` objects, ``CHUNK`` at a time,
    each with the block and row index of its private row in ``draws``, and the
    :data:`REMEMBERING` columns if ``remembering``. ``keep(idx, customer_id, u_accept, t)``,
    if given (it needs ``remembering``), is asked lazily, as the run reaches each
    candidate, whether to build it at all.

    Speed: the chunks are chained (``chain.from_iterable``), so that taking the next
    customer runs no Python frame of this function: only the chunk's C iterators
    (``map``, ``zip``, ``compress``), and ``keep`` itself."""
    return chain.from_iterable(_chunks(pop, first, draws, keep, remembering))


def _chunks(
    pop: Population,
    first: int,
    draws: CustomerDraws,
    keep: Callable[[int, int, float, float], bool] | None,
    remembering: bool,
) -> Iterator[Iterator[Customer]]:
    """The iterators of :func:`customers`, one per chunk (its columns converted to Python
    values when the run reaches it)."""
    names = (*FROM_TABLE,)
    later = (*LATER, *REMEMBERING) if remembering or keep is not None else LATER
    for lo in range(0, len(pop), CHUNK):
        hi = min(lo + CHUNK, len(pop))
        rows, row_index = draws.take(hi - lo)
        cols = [getattr(pop, name)[lo:hi].tolist() for name in names]
        more = [getattr(pop, name)[lo:hi].tolist() for name in later]
        ids = range(first + lo, first + hi)
        if keep is None:  # every candidate is a complaint: map is the fastest way
            yield map(Customer, ids, *cols, rows, row_index, *more)
        else:
            # compress pulls a candidate's arguments, then asks keep about it, one
            # candidate at a time as the run takes them (as a filtering generator would)
            args = zip(ids, *cols, rows, row_index, *more, strict=True)
            wanted = map(
                keep,
                ids,
                more[_CUSTOMER_ID - _MORE],
                more[_U_ACCEPT - _MORE],
                cols[_ARRIVAL - 1],
            )
            yield starmap(Customer, compress(args, wanted))


def _first_channels(ctx: Any, firsts: list[tuple[int, float]]) -> Any:
    """An arrival hook: each channel of ``firsts`` (code, share) takes its share of the
    complaints as their first channel, from one uniform of the customer's own row."""

    def route(c: Customer, start: int, t: float) -> int:
        u = ctx.uniform(c)
        for code, share in firsts:
            if u < share:
                return code
            u -= share
        return start

    return route


def arrivals(m: Model) -> Generator[Any, Any, None]:
    """Start each customer's journey at their arrival time (see the module doc)."""
    env = m.env
    ctx = m.ctx
    log = m.log
    active = m.active
    levers = m.policy.levers()
    admits = hooks(levers, "admit")
    routes = hooks(levers, "route")
    firsts = [(ch.code, type(ch).first_share) for ch in m.channels if type(ch).first_share > 0]
    if firsts:  # channels that take a share of every channel's first contacts
        if sum(share for _, share in firsts) > 1.0:
            raise ValueError(f"channels' first_share add up to more than 1: {firsts}")
        routes = [_first_channels(ctx, firsts), *routes]
    observes = hooks(levers, "observe")
    base = m.base
    publicity = m.ctx.publicity
    keep = None
    if base is not None:
        end = m.ctx.end_h

        def keep(idx: int, customer_id: int, u_accept: float, t: float) -> bool:
            """Whether the candidate may be a complaint. A customer with no complaint
            open cannot change before the candidate's time (only their own complaints
            change them, and this is their next), so their candidate is decided now,
            without waiting for its time; one with a complaint open is decided at its
            time (``base.admit``). Speed: most candidates that are no complaint cost no
            event and no object. A candidate after the run's end (a customer table
            reaching past it) is not counted: the run never reaches it."""
            if base.undecided(customer_id, u_accept):
                return True
            if idx >= log.start and t < end:
                log.not_made += 1
            return False

    collect = log.collects_started
    memory = None if base is None else base.mem
    # Speed: with no customer base, publicity or arrival hook (the queue-only model, the
    # first version's), each arrival skips the checks below (the same steps, in order)
    plain = base is None and publicity is None and not (admits or routes or observes)
    promised = m.promised  # fixes promised before the run: their back-office work goes on
    lo = 0  # index of the first customer of the block
    for block in m.blocks:
        if log.start == sys.maxsize:  # the window starts in this block or later
            k = int(np.searchsorted(block.arrival_h, m.warmup_h))
            if k < len(block):
                log.start = lo + k
        started: list[int] = []  # the complaints started (if the recorder wants them)
        rows: list[int] = []  # and their customers' rows in the base's memory
        try:
            for c in customers(block, lo, m.draws, keep, publicity is not None):
                t = c.arrival
                now = env.now
                if t > now:
                    yield Timeout(env, t - now)
                if plain:  # nothing decides or routes: a new customer's complaint starts
                    c.customer_id = c.idx
                    j = (
                        journey(ctx, c, c.first_channel)
                        if not promised or c.idx not in promised
                        else promised_work(ctx, c, c.first_channel, promised[c.idx])
                    )
                    active[c.idx] = (c, j)
                    LightProcess(j)
                    if collect:
                        started.append(c.idx)
                    continue
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
                j = (
                    journey(ctx, c, start)
                    if not promised or c.idx not in promised
                    else promised_work(ctx, c, start, promised[c.idx])
                )
                active[c.idx] = (c, j)
                LightProcess(j)
                if collect:
                    started.append(c.idx)
                    if memory is not None:
                        rows.append(c.memory)
        finally:  # also when the run ends inside the block (the generator is closed)
            if collect:
                log.started(block, lo, started, rows, memory)
        lo += len(block)
