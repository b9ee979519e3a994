"""CEO involvement: what happens to a complaint that reaches the CEO's inbox.

- ``office``: executive staff ask customer service what happened (a rep's time) and
  usually repeat its answer; they override with ``override_prob``. Routine issues are
  fixed. An anonymous office reply does not spread by word of mouth. With the scenario's
  ``office.reads_file`` the office waits for the file and writes its answer in office
  hours; it repeats an explicit "no" unless it overrides, and resolves as an owner would
  a complaint customer service never answered.
- ``responds``: the CEO answers personally, from the CEO's weekly complaint hours, and
  overrides customer service with ``override_prob``.
- ``redirects``: the CEO acknowledges quickly and routes the case to an empowered owner
  (a manager), who fixes it, granting any exception owed. With the scenario's
  ``office.drafts_ceo_letters`` the office drafts the acknowledgement and the CEO only
  signs it; with ``office.owner_direct_line`` the customer learns the owner's name and
  line, and chases the case with the owner.

``visibility`` is how much one answer counts towards word of mouth. With weak claims on
(``scenario.claims``) an override of a weak claim is ``override_weak_factor`` times as
likely, and an owner screens weak claims as a manager does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.config.fields import PROB, nonneg_at_most, param
from escalationsim.engine.levers import Lever, Proc
from escalationsim.kernel.codes import (
    DENIED,
    RESOLVED,
    ROLE_CEO,
    ROLE_EXEC_OFFICE,
    ROLE_MANAGER,
    Role,
)
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
        yield from ctx.work(c, "office", "office_case", ticket=channel.tracked)
        yield from ctx.work(c, "consult")
        ctx.publicise(self.visibility)  # 0 by default: an office reply is anonymous
        if not self.reads_file:
            return self.answer(ctx, c, ROLE_EXEC_OFFICE, self.override_prob)
        if self.investigation_h > 0:  # the file and customer service's account come in
            yield ctx.env.timeout(self.investigation_h * ctx.expo(c))
        yield from ctx.work(c, "office", "office_reply")
        if c.cs_refused_before_ceo:  # repeat the "no" unless the office overrides
            return self.answer(ctx, c, ROLE_EXEC_OFFICE, self.override_prob)
        return ctx.as_owner(c, ROLE_EXEC_OFFICE)


@dataclass
class RespondingCeo(_Answers):
    """The CEO answers personally (defaults as ``conf/policy/ceo/responds.yaml``)."""

    mode: str = "responds"
    override_prob: float = param(0.9, PROB)
    visibility: float = param(1.0, nonneg_at_most(1e3))


@lever("ceo", "responds", RespondingCeo)
class CeoResponds(_Screening):
    """The CEO answers from the weekly complaint hours and overrides customer service
    with ``override_prob``; the answer is visible."""

    def __init__(self, cfg: RespondingCeo, scenario: ScenarioConfig) -> None:
        super().__init__(scenario)
        self.override_prob = cfg.override_prob
        self.visibility = cfg.visibility

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        yield from ctx.ceo_task(c, "ceo_answer", ticket=channel.tracked)
        ctx.publicise(self.visibility)
        return self.answer(ctx, c, ROLE_CEO, self.override_prob)


@dataclass
class RedirectingCeo:
    """The CEO acknowledges and hands the case to an owner."""

    mode: str = "redirects"
    visibility: float = param(0.05, nonneg_at_most(1e3))


@lever("ceo", "redirects", RedirectingCeo)
class CeoRedirects(_Screening):
    """The CEO acknowledges quickly and routes the case to an empowered owner (a
    manager), who fixes it, granting any exception owed."""

    def __init__(self, cfg: RedirectingCeo, scenario: ScenarioConfig) -> None:
        super().__init__(scenario)
        self.visibility = cfg.visibility
        self.drafts = scenario.office.drafts_ceo_letters
        self.direct_line = scenario.office.owner_direct_line

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        if self.drafts:  # the office drafts the acknowledgement; the CEO signs it
            yield from ctx.work(c, "office", "office_draft", ticket=channel.tracked)
            yield ctx.ceo.send(ctx.handle("ceo_sign", c), c.hours)
        else:
            yield from ctx.ceo_task(c, "ceo_ack", ticket=channel.tracked)
        ctx.publicise(self.visibility)
        c.owner = self.direct_line
        yield from ctx.work(c, "owner")
        return ctx.as_owner(c, ROLE_MANAGER)
