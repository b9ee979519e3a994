"""Rep authority: what a frontline rep may do when a customer needs an exception
(expedite, refund beyond the rules).

- ``script``: reps must say no. A caller may ask for a supervisor, who is bound by the
  same script.
- ``empowered``: reps grant exceptions up to a budget; above it a manager reviews and
  approves with ``manager_approval_prob``; managers audit a fraction of the grants reps
  make (after the call, not delaying the customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.config.fields import PROB, param, usd
from escalationsim.engine.levers import Proc
from escalationsim.kernel.codes import DENIED, RESOLVED, ROLE_MANAGER, ROLE_REP
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.channels.registry import Channel
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


@dataclass
class ScriptRep:
    """Reps follow the script: no exceptions, at any tier."""

    mode: str = "script"


@lever("rep", "script", ScriptRep)
class ScriptAuthority:
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


@lever("rep", "empowered", EmpoweredRep)
class EmpoweredAuthority:
    """Grant within the budget (sometimes audited), else a manager's review."""

    def __init__(self, cfg: EmpoweredRep, scenario: ScenarioConfig) -> None:
        self.budget = cfg.budget_usd
        self.audit_fraction = cfg.audit_fraction
        self.manager_approval_prob = cfg.manager_approval_prob

    def exception(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc:
        if c.exception_value <= self.budget:
            if self.audit_fraction > 0 and ctx.uniform(c) < self.audit_fraction:
                ctx.audit(c)
            ctx.grant(c, ROLE_REP)
            return RESOLVED
        yield from ctx.work(c, "supervisor")
        if ctx.uniform(c) < self.manager_approval_prob:
            ctx.grant(c, ROLE_MANAGER)
            return RESOLVED
        return DENIED
