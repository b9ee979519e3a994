"""The CEO's inbox: a letter to the CEO, handled as the policy's CEO involvement says.

A final answer later than the regulator's response deadline, or none by the end of the
run once the deadline has passed, costs a fine; so does a writer giving up after the
deadline has passed (one who gives up before it withdrew the letter in time). When
a letter arrives, what customer service did before is noted on the complaint (the file
the office reads): an explicit "no", or contacts that were never answered (abandoned
calls, unanswered emails and posts only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalationsim.engine.channels.registry import Channel, Contact, register
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.kernel.codes import ABANDONED, DENIED, NO_ANSWER

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


DENIED_BIT = 1 << DENIED
ANSWERED_BITS = ~((1 << ABANDONED) | (1 << NO_ANSWER))
"""Outcome bits of contacts that got an answer (anything but abandoned or unanswered)."""


declare_fields(
    Field("ceo_letters", "i4", 0, "letters to the CEO's inbox", "channels.ceo"),
    Field("penalty", "f8", 0.0, "deadline fines for its CEO letters (USD)", "channels.ceo"),
    Field("deadline_breaches", "i4", 0, "CEO letters answered past the deadline", "channels.ceo"),
    Field(
        "ceo_since",
        "f8",
        -1.0,
        "when the pending CEO-channel contact began (-1: none)",
        "channels.ceo",
        recorded=False,
    ),
    Field(
        "ceo_wait_h",
        "f8",
        float("nan"),
        "time from writing to the CEO to the final answer (h)",
        "channels.ceo",
    ),
    Field(
        "cs_refused_before_ceo",
        "?",
        False,
        'customer service said "no" before the CEO letter',
        "channels.ceo",
    ),
    Field(
        "cs_unanswered_before_ceo",
        "?",
        False,
        "contacted customer service, never answered, before the CEO letter",
        "channels.ceo",
    ),
    Field(
        "ceo_outcome",
        "i1",
        -1,
        "outcome code of the CEO-channel contact (-1: none finished)",
        "channels.ceo",
    ),
)


@register
class Ceo(Channel):
    """Letters to the CEO; the last rung of the ladder, under a response deadline."""

    name = "ceo"
    work = "office"
    ladder_step = 2
    requires = "knows_ceo"

    def __init__(self, ctx: RunContext, scenario: ScenarioConfig, tracked: bool) -> None:
        super().__init__(ctx, scenario, tracked)
        cfg = scenario.channels.ceo
        self.deadline_h = cfg.response_deadline_days * 24.0
        self.fine = cfg.deadline_fine_usd

    def contact(self, c: Customer) -> Contact:
        ctx = self.ctx
        sent = ctx.env.now
        c.ceo_since = sent
        c.ceo_letters += 1
        if c.ceo_outcome < 0:  # the first letter (a customer who starts over may write again)
            seen = c.outcomes
            c.cs_refused_before_ceo = bool(seen & DENIED_BIT)
            c.cs_unanswered_before_ceo = seen != 0 and not seen & ANSWERED_BITS
        ctx.own_row(c)
        outcome = yield from ctx.policy.ceo.handle(ctx, c, self)
        c.ceo_outcome = outcome
        c.ceo_since = -1.0
        if outcome != NO_ANSWER:  # a writer who gave up had no answer to wait for
            c.ceo_wait_h = ctx.env.now - sent
        if ctx.env.now - sent > self.deadline_h:
            self._breach(c)
        return outcome

    def close_open(self, c: Customer, end_h: float) -> None:
        """A letter still unanswered at the end: its wait so far (a lower bound), and the
        fine if the deadline has passed."""
        if c.ceo_since >= 0:
            c.ceo_wait_h = end_h - c.ceo_since
            if c.ceo_wait_h > self.deadline_h:
                self._breach(c)

    def _breach(self, c: Customer) -> None:
        c.penalty += self.fine
        c.deadline_breaches += 1
