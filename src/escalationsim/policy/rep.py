"""Rep authority: what a frontline rep may do when a customer needs an exception
(expedite, refund beyond the rules).

- ``script``: reps must say no. A caller may ask for a supervisor, who is bound by the
  same script.
- ``empowered``: reps grant exceptions up to a budget; above it a manager reviews and
  approves with ``manager_approval_prob``; managers audit a fraction of the grants reps
  make (after the call, not delaying the customer). With the scenario's weak claims on
  (``scenario.claims``, :mod:`escalationsim.engine.judgement`) reps judge with errors and
  managers screen weak claims; an audit that finds a weak claim granted coaches the rep
  (``coaching``, ``coaching_effect``) or, after ``replace_after`` errors, replaces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.config.fields import PROB, int_in, param, usd
from escalationsim.engine.levers import Lever, Proc
from escalationsim.kernel.codes import DENIED, RESOLVED, ROLE_MANAGER, ROLE_REP
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.channels.registry import Channel
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer
    from escalationsim.engine.judgement import RepJudgement


@dataclass
class ScriptRep:
    """Reps follow the script: no exceptions, at any tier."""

    mode: str = "script"


@lever("rep", "script", ScriptRep)
class ScriptAuthority(Lever):
    """Reps must say no; a caller on a live channel may ask for a supervisor (with the
    scenario's ``behaviour.supervisor_request_prob``), who says no too."""

    def __init__(self, cfg: ScriptRep, scenario: ScenarioConfig) -> None:
        self.supervisor_request_prob = scenario.behaviour.supervisor_request_prob

    def exception(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        if channel.live and ctx.uniform(c) < self.supervisor_request_prob:
            yield from ctx.work(c, "supervisor")
        return DENIED


@dataclass
class EmpoweredRep:
    """Reps grant exceptions up to ``budget_usd``; above it a manager approves with
    ``manager_approval_prob``; managers audit ``audit_fraction`` of the reps' grants."""

    mode: str = "empowered"
    budget_usd: float = param(200.0, usd(1e9))
    audit_fraction: float = param(0.1, PROB)
    manager_approval_prob: float = param(0.5, PROB)
    coaching: bool = True
    """An audit that finds a weak claim granted has a consequence for the rep (false:
    audits find errors and change nothing)."""
    coaching_effect: float = param(0.3, PROB)
    """Share by which coaching cuts the rep's error rates."""
    replace_after: int = param(3, int_in(0, 1000))
    """Errors found before the rep is replaced by a new one (0: never)."""


@lever("rep", "empowered", EmpoweredRep)
class EmpoweredAuthority(Lever):
    """Grant within the budget (sometimes audited), else a manager's review."""

    def __init__(self, cfg: EmpoweredRep, scenario: ScenarioConfig) -> None:
        self.budget = cfg.budget_usd
        self.audit_fraction = cfg.audit_fraction
        self.manager_approval_prob = cfg.manager_approval_prob
        self.coaching_effect = cfg.coaching_effect if cfg.coaching else 0.0
        self.replace_after = cfg.replace_after if cfg.coaching else 0
        self.judgement: RepJudgement | None = None  # set by bind

    def exception(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        judgement = ctx.judgement
        if c.exception_value <= self.budget:
            if judgement is not None:  # the rep judges the claim, with their own errors
                c.rep = seat = judgement.seat(ctx.uniform(c))
                if not judgement.grants(seat, c.claim_weak, ctx.uniform(c)):
                    return DENIED
            if self.audit_fraction > 0 and ctx.uniform(c) < self.audit_fraction:
                ctx.audit(c, None if judgement is None else self._audited)
            ctx.grant(c, ROLE_REP)
            return RESOLVED
        yield from ctx.work(c, "supervisor")
        u = ctx.uniform(c)
        if judgement is None:
            granted = u < self.manager_approval_prob
        else:
            granted = judgement.manager_grants(c.claim_weak, self.manager_approval_prob, u)
        if granted:
            ctx.grant(c, ROLE_MANAGER)
            return RESOLVED
        return DENIED

    def bind(self, ctx: RunContext) -> None:
        self.judgement = ctx.judgement

    def _audited(self, c: Customer) -> None:
        """An audit of ``c``'s grant is done: a weak claim granted is the rep's error."""
        assert self.judgement is not None
        self.judgement.audited(c.rep, c.claim_weak, self.coaching_effect, self.replace_after)
