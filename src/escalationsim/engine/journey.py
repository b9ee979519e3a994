"""A customer's journey up the escalation ladder.

Contact a channel, wait, get an outcome. A resolution ends it (once any back-office work
it needs is done: :mod:`.backoffice`). After any failure the customer continues with
probability ``persistence`` (else gives up; the complaint's own when customers weigh their
claim: :mod:`.weighing`), choosing the next rung:

- after a service failure (abandoned call, unanswered email, unfixed routine issue) on a
  ``retryable`` channel: switch to its ``alternative`` channel (phone <-> email) with
  ``behaviour.switch_prob``, once per complaint; else retry the same channel, up to
  ``max_retries`` times;
- after a "no" on a ``retryable`` channel: ask again hoping for another rep ("rep
  roulette") with ``behaviour.roulette_prob``, up to ``max_roulette`` times;
- otherwise, and always after a "no", the first channel of the escalation ladder
  (social, then the CEO, as the channel registry orders them) that the customer can
  reach and has not tried yet. With no rung left they give up.

A resolution whose back-office work was promised on a channel without tickets may be lost
(``follow_ups.lost_prob_untracked``, once per complaint): the resolution is undone, and
after chasing until the promised time the customer starts over on the channel they began
on, if they persist.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.kernel.codes import (
    DENIED,
    RESOLVED,
    ROLE_NONE,
    STATUS_GAVE_UP,
    STATUS_RESOLVED,
)
from escalationsim.kernel.timeout import Timeout

if TYPE_CHECKING:
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


declare_fields(
    Field("switched", "?", False, "switched between phone and email after a failure", "journey"),
    Field(
        "roulettes",
        "i4",
        0,
        'times asked again after a rep\'s "no", hoping for another rep',
        "journey",
    ),
    Field("lost_follow_up", "?", False, "a promise made without a ticket was lost", "journey"),
)


def next_channel(ctx: RunContext, c: Customer, channel: int, outcome: int, retries: int) -> int:
    """The next rung of the ladder after a failed contact, or -1 if none is left."""
    if ctx.retryable[channel]:
        if outcome != DENIED:
            alt = ctx.alternative[channel]
            switch = alt >= 0 and ctx.switch_prob and not c.switched
            if switch and ctx.uniform(c) < ctx.switch_prob:  # draws only when switching is on
                c.switched = True
                return alt
            if retries < ctx.max_retries:
                return channel
        elif (
            ctx.roulette_prob
            and c.roulettes < ctx.max_roulette
            and ctx.uniform(c) < ctx.roulette_prob
        ):
            c.roulettes += 1
            return channel
    tried = c.tried
    for bit, code, requires in ctx.ladder:
        if not tried & bit and (requires is None or getattr(c, requires)):
            return code
    return -1


def _lost(ctx: RunContext, c: Customer) -> bool:
    """Whether the promise just made without a ticket is lost (at most once per
    complaint); if so, the resolution is undone."""
    if c.lost_follow_up or ctx.uniform(c) >= ctx.lost_prob:
        return False
    c.lost_follow_up = True
    if c.granted:
        c.compensation -= c.exception_value
        c.granted = False
    c.resolved_by = ROLE_NONE
    c.resolved_at = math.nan
    return True


def promised_work(
    ctx: RunContext, c: Customer, channel: int, age_h: float
) -> Generator[Any, Any, None]:
    """A complaint resolved before the run began with a fix promised on ``channel``, its
    back-office work under way for ``age_h`` hours: the customer waits for the rest of it
    (chasing as usual) and the complaint is then resolved (at once with no back office)."""
    c.first_channel = channel
    c.final_channel = channel
    c.tried |= 1 << channel
    c.last_outcome = RESOLVED
    c.outcomes |= 1 << RESOLVED
    backoffice = ctx.backoffice
    if backoffice is not None:
        yield from backoffice.wait(ctx, c, "owner" if c.owner else ctx.work_of[channel], age_h)
    ctx.finish(c, STATUS_RESOLVED)


def journey(ctx: RunContext, c: Customer, start: int) -> Generator[Any, Any, None]:
    """Contact, wait, outcome; escalate or give up after each failure."""
    channel = start
    c.first_channel = start
    retries = 0
    contact = ctx.contact
    weighing = ctx.weighing
    # weighing changes only a claim's persistence: routine complaints skip the call
    persistence = (
        weighing.persistence(c) if weighing is not None and c.needs_exception else c.persistence
    )
    while True:
        c.contacts += 1
        c.tried |= 1 << channel  # which channels it reached, escalated to, kept tracked on
        c.final_channel = channel
        outcome = yield from contact[channel](c)
        c.last_outcome = outcome
        c.outcomes |= 1 << outcome
        if outcome == RESOLVED:
            backoffice = ctx.backoffice
            if backoffice is not None and backoffice.needed(ctx, c):
                # chases go to the named owner if one took the case, else the channel's work
                work = "owner" if c.owner else ctx.work_of[channel]
                if ctx.lost_prob and not ctx.tracked[channel] and _lost(ctx, c):
                    yield from backoffice.lost(ctx, c, work)
                    if ctx.uniform(c) >= persistence:
                        ctx.finish(c, STATUS_GAVE_UP)
                        return
                    channel = start  # start over
                    retries = 0
                    continue
                yield from backoffice.wait(ctx, c, work)
            ctx.finish(c, STATUS_RESOLVED)
            return
        nxt = next_channel(ctx, c, channel, outcome, retries)
        if nxt < 0 or ctx.uniform(c) >= persistence:
            ctx.finish(c, STATUS_GAVE_UP)
            return
        if nxt == channel:
            retries += 1
            delay = ctx.retry_delay_h * ctx.expo(c)
        else:
            retries = 0
            delay = ctx.escalate_delay_h * ctx.expo(c)
        yield Timeout(ctx.env, delay)
        channel = nxt
