"""CEO involvement: what happens to a complaint that reaches the CEO's inbox.

- ``office``: executive staff ask customer service what happened (a rep's time) and
  usually repeat its answer; they override with ``override_prob``. Routine issues are
  fixed. An anonymous office reply does not spread by word of mouth. With the scenario's
  ``office.reads_file`` the office waits for the file and writes its answer in office
  hours; it repeats an explicit "no" unless it overrides, and resolves as an owner would
  a complaint customer service never answered.
- ``responds``: the CEO answers personally, from the CEO's weekly complaint hours, and
  overrides customer service with ``override_prob``. The CEO triages: reads the inbox in
  the policy's ``order`` (``oldest`` first, by ``visibility`` of the writer: followers,
  or by claim ``value``), and a letter not started within ``handover_after_h`` is handed
  to the office, which answers it as under ``office``; a writer whose patience
  (``scenario.channels.ceo.writer_patience_days``) runs out first gives up.
- ``redirects``: the CEO acknowledges quickly and routes the case to an empowered owner
  (a manager), who fixes it, granting any exception owed. An acknowledgement the CEO has
  not started within ``handover_after_h`` goes out from the office instead. With the scenario's
  ``office.drafts_ceo_letters`` the office drafts the acknowledgement and the CEO only
  signs it; with ``office.owner_direct_line`` the customer learns the owner's name and
  line, and chases the case with the owner.

``visibility`` is how much one answer counts towards word of mouth. With weak claims on
(``scenario.claims``) an override of a weak claim is ``override_weak_factor`` times as
likely, and an owner screens weak claims as a manager does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from escalationsim.config.fields import PROB, nonneg_at_most, one_of, param
from escalationsim.engine.counters import Counter
from escalationsim.engine.counters import declare as declare_counters
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.engine.levers import Lever, Proc
from escalationsim.kernel.codes import (
    DENIED,
    NO_ANSWER,
    RESOLVED,
    ROLE_CEO,
    ROLE_EXEC_OFFICE,
    ROLE_MANAGER,
    Role,
)
from escalationsim.kernel.either import first_of
from escalationsim.kernel.timeout import Timeout
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.channels.registry import Channel
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


class _Screening(Lever):
    """How whoever answers at the CEO's inbox treats weak claims (``scenario.claims``)."""

    def __init__(self, scenario: ScenarioConfig) -> None:
        claims = scenario.claims
        self.weak_factor = claims.override_weak_factor if claims.enabled else 1.0

    def answer(self, ctx: RunContext, c: Customer, role: Role, override_prob: float) -> int:
        """A routine issue is fixed; an exception is granted with ``override_prob``
        (overriding customer service's "no"; lower for a weak claim), else refused."""
        if not c.needs_exception:
            ctx.resolve(c, role)
            return RESOLVED
        if c.claim_weak:
            override_prob *= self.weak_factor
        if ctx.uniform(c) < override_prob:
            ctx.grant(c, role)
            return RESOLVED
        return DENIED


@dataclass
class _Answers:
    """Whoever answers may override customer service's "no"; the answer may be seen."""

    override_prob: float = param(0.15, PROB)
    visibility: float = param(0.0, nonneg_at_most(1e3))


@dataclass
class OfficeCeo(_Answers):
    """The office of the CEO answers for the CEO."""

    mode: str = "office"


@lever("ceo", "office", OfficeCeo)
class OfficeOfCeo(_Screening):
    """Executive staff consult customer service and usually repeat its answer; reading
    the file (``scenario.office.reads_file``), they repeat only an explicit "no"."""

    def __init__(self, cfg: OfficeCeo, scenario: ScenarioConfig) -> None:
        super().__init__(scenario)
        self.override_prob = cfg.override_prob
        self.visibility = cfg.visibility
        self.reads_file = scenario.office.reads_file
        self.investigation_h = scenario.office.investigation_mean_h

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        return (yield from self.case(ctx, c, channel.tracked))

    def case(self, ctx: RunContext, c: Customer, ticket: bool) -> Proc:
        """The office's answer to a letter (opening a ticket on it if ``ticket``)."""
        yield from ctx.work(c, "office", "office_case", ticket=ticket)
        yield from ctx.work(c, "consult")
        ctx.publicise(self.visibility)  # 0 by default: an office reply is anonymous
        if not self.reads_file:
            return self.answer(ctx, c, ROLE_EXEC_OFFICE, self.override_prob)
        if self.investigation_h > 0:  # the file and customer service's account come in
            yield Timeout(ctx.env, self.investigation_h * ctx.expo(c))
        yield from ctx.work(c, "office", "office_reply")
        if c.cs_refused_before_ceo:  # repeat the "no" unless the office overrides
            return self.answer(ctx, c, ROLE_EXEC_OFFICE, self.override_prob)
        return ctx.as_owner(c, ROLE_EXEC_OFFICE)


declare_fields(
    Field("ceo_personal", "i4", 0, "letters the CEO answered personally", "policy.ceo"),
    Field(
        "ceo_handed",
        "i4",
        0,
        "letters the CEO did not reach in time, handed to the office",
        "policy.ceo",
    ),
    Field(
        "ceo_abandoned",
        "i4",
        0,
        "letters whose writer gave up waiting for the CEO's answer",
        "policy.ceo",
    ),
)


declare_counters(
    Counter(
        "ceo_in_person",
        "1 when the policy's CEO answers letters in person (ceo: responds), else 0",
        "policy.ceo",
        0.0,
    )
)


class CeoOrder(str, Enum):
    """The order in which a responding CEO reads the inbox."""

    oldest = "oldest"  # first written, first read
    visibility = "visibility"  # writers with the most followers first
    value = "value"  # the biggest claims first (routine complaints last)


@dataclass
class RespondingCeo(_Answers):
    """The CEO answers personally (defaults as ``conf/policy/ceo/responds.yaml``)."""

    mode: str = "responds"
    override_prob: float = param(0.9, PROB)
    visibility: float = param(1.0, nonneg_at_most(1e3))
    order: CeoOrder = param(CeoOrder.oldest, one_of(CeoOrder))
    handover_after_h: float = param(72.0, nonneg_at_most(1e5, " hours"))
    """A letter the CEO has not started this long after it arrived goes to the office;
    0: never (the CEO answers every letter, however long the inbox)."""
    office_override_prob: float = param(0.15, PROB)
    """The office's chance of overriding customer service on a letter handed to it."""


@lever("ceo", "responds", RespondingCeo)
class CeoResponds(_Screening):
    """The CEO answers from the weekly complaint hours, in the policy's order, and
    overrides customer service with ``override_prob``; the answer is visible. Letters
    not reached in time go to the office; writers may give up first."""

    def __init__(self, cfg: RespondingCeo, scenario: ScenarioConfig) -> None:
        super().__init__(scenario)
        self.override_prob = cfg.override_prob
        self.visibility = cfg.visibility
        self.order = CeoOrder(cfg.order)
        self.handover_h = cfg.handover_after_h or math.inf
        days = scenario.channels.ceo.writer_patience_days
        self.patience_h = days * 24.0 if days > 0 else math.inf
        self.office = OfficeOfCeo(
            OfficeCeo(override_prob=cfg.office_override_prob, visibility=0.0), scenario
        )

    def counters(self, lo: float, hi: float) -> dict[str, float]:
        return {"ceo_in_person": 1.0}  # ceo_answers_in_person asks

    def priority(self, c: Customer) -> float:
        """The letter's place in the inbox (lower first)."""
        if self.order is CeoOrder.visibility:
            return -float(c.followers)
        if self.order is CeoOrder.value:
            return -c.exception_value if c.needs_exception else 0.0
        return 0.0

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        arrived = ctx.env.now  # the handover and the writer's patience count from here
        if channel.tracked:
            yield from ctx.work(c, "office", "ticketing")
        letter = ctx.ceo.post(ctx.handle("ceo_answer", c), c.hours, self.priority(c))
        handover = self.handover_h
        patience = self.patience_h
        if patience < math.inf:
            patience *= ctx.expo(c) * c.patience
        limit = min(handover, patience)
        if limit < math.inf:
            left = max(limit - (ctx.env.now - arrived), 0.0)
            yield first_of(letter.done, Timeout(ctx.env, left))
            if not letter.done.triggered and ctx.ceo.withdraw(letter):
                if patience < handover:  # the writer gave up on the CEO
                    c.ceo_abandoned += 1
                    return NO_ANSWER
                c.ceo_handed += 1  # the office answers (the letter is ticketed already)
                return (yield from self.office.case(ctx, c, ticket=False))
        if not letter.done.triggered:
            yield letter.done
        c.ceo_personal += 1
        ctx.publicise(self.visibility)
        return self.answer(ctx, c, ROLE_CEO, self.override_prob)


@dataclass
class RedirectingCeo:
    """The CEO acknowledges and hands the case to an owner."""

    mode: str = "redirects"
    visibility: float = param(0.05, nonneg_at_most(1e3))
    handover_after_h: float = param(24.0, nonneg_at_most(1e5, " hours"))
    """An acknowledgement the CEO has not started this long after the letter arrived goes
    out from the office instead (written by the office if it did not draft it; the owner
    still takes the case); 0: the CEO signs or writes every one, however long the
    inbox."""


@lever("ceo", "redirects", RedirectingCeo)
class CeoRedirects(_Screening):
    """The CEO acknowledges quickly and routes the case to an empowered owner (a
    manager), who fixes it, granting any exception owed."""

    def __init__(self, cfg: RedirectingCeo, scenario: ScenarioConfig) -> None:
        super().__init__(scenario)
        self.visibility = cfg.visibility
        self.drafts = scenario.office.drafts_ceo_letters
        self.direct_line = scenario.office.owner_direct_line
        self.handover_h = cfg.handover_after_h or math.inf

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        arrived = ctx.env.now  # the handover counts from here
        if self.drafts:  # the office drafts the acknowledgement; the CEO signs it
            yield from ctx.work(c, "office", "office_draft", ticket=channel.tracked)
            letter = ctx.ceo.post(ctx.handle("ceo_sign", c), c.hours)
        else:
            if channel.tracked:
                yield from ctx.work(c, "office", "ticketing")
            letter = ctx.ceo.post(ctx.handle("ceo_ack", c), c.hours)
        if self.handover_h < math.inf:
            left = max(self.handover_h - (ctx.env.now - arrived), 0.0)
            yield first_of(letter.done, Timeout(ctx.env, left))
            if not letter.done.triggered and ctx.ceo.withdraw(letter):
                c.ceo_handed += 1  # the office sends the acknowledgement itself
                if not self.drafts:  # and writes it first (a draft is written already)
                    yield from ctx.work(c, "office", "office_draft")
        if not letter.done.triggered and not letter.withdrawn:
            yield letter.done
        ctx.publicise(self.visibility)
        c.owner = self.direct_line
        yield from ctx.work(c, "owner")
        return ctx.as_owner(c, ROLE_MANAGER)
