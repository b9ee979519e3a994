"""Email (or web form): waits a triage delay, then joins the queue of the pool that
answers email (``staff.work.email``: the reps, after calls, by default); the customer
stops waiting after a patience of hours (no answer) and the unanswered email is
withdrawn from the backlog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalationsim.engine.channels.registry import Channel, Contact, register
from escalationsim.kernel.codes import NO_ANSWER, ROLE_REP
from escalationsim.kernel.staff_pool import RENEGED
from escalationsim.kernel.timeout import Timeout

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


@register
class Email(Channel):
    """Emails and web forms to the reps, after calls."""

    name = "email"
    work = "email"
    alternative = "phone"
    retryable = True
    always_tracked = True

    def __init__(self, ctx: RunContext, scenario: ScenarioConfig, tracked: bool) -> None:
        super().__init__(ctx, scenario, tracked)
        cfg = scenario.channels.email
        self.patience_h = cfg.patience_mean_h
        self.triage_h = cfg.triage_mean_h
        self.reps, self.priority, self.reserve = ctx.route(self.work)

    def contact(self, c: Customer) -> Contact:
        ctx = self.ctx
        reps = self.reps
        patience = ctx.expo(c) * self.patience_h * c.patience
        triage = self.triage_h * ctx.expo(c)
        if triage >= patience:
            yield Timeout(ctx.env, patience)
            return NO_ANSWER
        yield Timeout(ctx.env, triage)
        wait = reps.request_with_patience(self.priority, patience - triage, self.reserve)
        if wait is not None and (yield wait) is RENEGED:
            return NO_ANSWER
        yield ctx.hold(c, reps, "email")
        reps.release()
        if not c.needs_exception:
            return ctx.routine(c, ROLE_REP)
        return (yield from ctx.policy.rep.exception(ctx, c, self))
