"""A complaining customer and their journey up the escalation ladder.

The journey: contact a channel, wait, get an outcome. A resolution ends it. After any
failure the customer continues with probability ``persistence`` (else gives up), choosing
the next rung: retry the same channel after a service failure (abandoned call,
unanswered email, unfixed routine issue) up to ``max_retries`` times; otherwise, and
always after a "no", go public on social media (if they use it and have not yet), then
write to the CEO (if they know how and have not yet). With no rung left they give up.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from escalationsim.engine.population import CEO, EMAIL, PHONE, SOCIAL
from escalationsim.kernel.codes import (
    DENIED,
    RESOLVED,
    ROLE_NONE,
    STATUS_GAVE_UP,
    STATUS_OPEN,
    STATUS_RESOLVED,
)
from escalationsim.kernel.rng import N_UNIFORM

if TYPE_CHECKING:
    import numpy as np

    from escalationsim.engine.model import Model

NAN = float("nan")


class Customer:
    """One complaint: the customer's attributes and what has happened to it so far."""

    __slots__ = (
        "idx",
        "arrival",
        "followers",
        "uses_social",
        "knows_ceo",
        "persistence",
        "patience",
        "needs_exception",
        "exception_value",
        "clv",
        "u_churn",
        "first_channel",
        "final_channel",
        "contacts",
        "tried",
        "status",
        "resolved_by",
        "resolved_at",
        "compensation",
        "hours",
        "impressions",
        "penalty",
        "abandoned_calls",
        "calls",
        "posts",
        "posts_answered",
        "deadline_breaches",
        "first_call_wait_h",
        "first_call_abandoned",
        "draws",
        "row",
        "nu",
        "nz",
        "ceo_since",
        "ceo_wait_h",
        "last_outcome",
    )

    def __init__(
        self,
        idx: int,
        arrival: float,
        followers: int,
        first_channel: int,
        uses_social: bool,
        knows_ceo: bool,
        persistence: float,
        patience: float,
        needs_exception: bool,
        exception_value: float,
        clv: float,
        u_churn: float,
        draws: np.ndarray,
        row: int,
    ) -> None:
        self.idx = idx
        self.arrival = arrival
        self.followers = followers
        self.uses_social = uses_social
        self.knows_ceo = knows_ceo
        self.persistence = persistence
        self.patience = patience
        self.needs_exception = needs_exception
        self.exception_value = exception_value
        self.clv = clv
        self.u_churn = u_churn  # decides churn when the complaint closes (records.derive)
        self.first_channel = first_channel
        self.final_channel = first_channel
        self.draws = draws  # the block holding the customer's private row (rng.CustomerDraws)
        self.row = row  # and the row's index in it
        self.nu = 0  # uniforms of the row used so far
        self.nz = N_UNIFORM  # column of the row's next normal
        self.contacts = 0
        self.tried = 0  # bit mask of channels contacted
        self.status = STATUS_OPEN
        self.resolved_by = ROLE_NONE
        self.resolved_at = NAN
        self.compensation = 0.0
        self.hours = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]  # by staff role (STAFF_ROLES), then audits
        self.impressions = 0.0
        self.penalty = 0.0
        self.abandoned_calls = 0
        self.calls = 0
        self.posts = 0
        self.posts_answered = 0
        self.deadline_breaches = 0
        self.first_call_wait_h = NAN  # time in the phone queue on the first call
        self.first_call_abandoned = False
        self.ceo_since = -1.0  # when the pending CEO-channel contact began (-1: none)
        self.ceo_wait_h = NAN  # time from writing to the CEO to the final answer
        self.last_outcome = -1  # outcome code of the latest finished contact (outcomes.py)


def next_channel(m: Model, c: Customer, channel: int, outcome: int, retries: int) -> int:
    """The next rung of the ladder after a failed contact, or -1 if none is left."""
    if outcome != DENIED and channel <= EMAIL and retries < m.scenario.behaviour.max_retries:
        return channel
    if c.uses_social and not c.tried & (1 << SOCIAL):
        return SOCIAL
    if c.knows_ceo and not c.tried & (1 << CEO):
        return CEO
    return -1


def journey(m: Model, c: Customer, start: int) -> Generator[Any, Any, None]:
    """Contact, wait, outcome; escalate or give up after each failure."""
    channel = start
    c.first_channel = start
    retries = 0
    contact = m.contact
    while True:
        c.contacts += 1
        c.tried |= 1 << channel  # which channels it reached, escalated to, kept tracked on
        c.final_channel = channel
        outcome = yield from contact[channel](m, c)
        c.last_outcome = outcome
        if outcome == RESOLVED:
            m.finish(c, STATUS_RESOLVED)
            return
        nxt = next_channel(m, c, channel, outcome, retries)
        if nxt < 0 or m.uniform(c) >= c.persistence:
            m.finish(c, STATUS_GAVE_UP)
            return
        if nxt == channel:
            retries += 1
            delay = m.scenario.behaviour.retry_delay_mean_h * m.expo(c)
        else:
            retries = 0
            delay = m.scenario.behaviour.escalate_delay_mean_h * m.expo(c)
        yield m.env.timeout(delay)
        channel = nxt


__all__ = ["Customer", "journey", "next_channel", "PHONE", "EMAIL", "SOCIAL", "CEO"]
