"""CEO involvement: what happens to a complaint that reaches the CEO's inbox.

- ``office``: executive staff ask customer service what happened (a rep's time) and
  usually repeat its answer; they override with ``override_prob``. Routine issues are
  fixed. An anonymous office reply does not spread by word of mouth.
- ``responds``: the CEO answers personally, from the CEO's weekly complaint hours, and
  overrides customer service with ``override_prob``.
- ``redirects``: the CEO acknowledges quickly and routes the case to an empowered owner
  (a manager), who fixes it, granting any exception needed.

``visibility`` is how much one answer counts towards word of mouth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.config.fields import PROB, nonneg_at_most, param
from escalationsim.engine.levers import Proc
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
class OfficeOfCeo:
    """Executive staff consult customer service and usually repeat its answer."""

    def __init__(self, cfg: OfficeCeo, scenario: ScenarioConfig) -> None:
        self.override_prob = cfg.override_prob
        self.visibility = cfg.visibility

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        yield from ctx.work(c, "office", "office_case", ticket=channel.tracked)
        yield from ctx.work(c, "consult")
        ctx.publicise(self.visibility)  # 0 by default: an office reply is anonymous
        return _answer(ctx, c, ROLE_EXEC_OFFICE, self.override_prob)


def _answer(ctx: RunContext, c: Customer, role: Role, override_prob: float) -> int:
    """The answer of whoever handles a letter: a routine issue is fixed; an exception is
    granted with ``override_prob`` (overriding customer service's "no"), else refused."""
    if not c.needs_exception:
        ctx.resolve(c, role)
        return RESOLVED
    if ctx.uniform(c) < override_prob:
        ctx.grant(c, role)
        return RESOLVED
    return DENIED


@dataclass
class RespondingCeo(_Answers):
    """The CEO answers personally (defaults as ``conf/policy/ceo/responds.yaml``)."""

    mode: str = "responds"
    override_prob: float = param(0.9, PROB)
    visibility: float = param(1.0, nonneg_at_most(1e3))


@lever("ceo", "responds", RespondingCeo)
class CeoResponds:
    """The CEO answers from the weekly complaint hours and overrides customer service
    with ``override_prob``; the answer is visible."""

    def __init__(self, cfg: RespondingCeo, scenario: ScenarioConfig) -> None:
        self.override_prob = cfg.override_prob
        self.visibility = cfg.visibility

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        yield from ctx.ceo_task(c, "ceo_answer", ticket=channel.tracked)
        ctx.publicise(self.visibility)
        return _answer(ctx, c, ROLE_CEO, self.override_prob)


@dataclass
class RedirectingCeo:
    """The CEO acknowledges and hands the case to an owner."""

    mode: str = "redirects"
    visibility: float = param(0.5, nonneg_at_most(1e3))


@lever("ceo", "redirects", RedirectingCeo)
class CeoRedirects:
    """The CEO acknowledges quickly and routes the case to an empowered owner (a
    manager), who fixes it, granting any exception needed."""

    def __init__(self, cfg: RedirectingCeo, scenario: ScenarioConfig) -> None:
        self.visibility = cfg.visibility

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        yield from ctx.ceo_task(c, "ceo_ack", ticket=channel.tracked)
        ctx.publicise(self.visibility)
        yield from ctx.work(c, "owner")
        if c.needs_exception:
            ctx.grant(c, ROLE_MANAGER)
        else:
            ctx.resolve(c, ROLE_MANAGER)
        return RESOLVED
