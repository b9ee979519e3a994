"""Phone: a call to the queue of the pool that takes calls (``staff.work.phone``: the reps,
first, by default); the caller hangs up when patience runs out (abandoned). An exception
request goes to the policy's rep authority."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from escalationsim.engine.channels.registry import Channel, Contact, register
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.kernel.codes import ABANDONED, ROLE_REP
from escalationsim.kernel.staff_pool import RENEGED

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


declare_fields(
    Field("abandoned_calls", "i4", 0, "calls abandoned while waiting", "channels.phone"),
    Field("calls_answered", "i4", 0, "calls answered by a rep", "channels.phone", slot=True),
    Field(
        "answer_wait_h", "f8", 0.0, "hours the answered calls waited", "channels.phone", slot=True
    ),
)


@register
class Phone(Channel):
    """Calls to the reps; a live channel (a caller may ask for a supervisor)."""

    name = "phone"
    work = "phone"
    alternative = "email"
    retryable = True
    live = True
    always_tracked = True

    def __init__(self, ctx: RunContext, scenario: ScenarioConfig, tracked: bool) -> None:
        super().__init__(ctx, scenario, tracked)
        patience = scenario.channels.phone.patience_mean_s
        self.patience_h = None if patience is None else patience / 3600.0
        phone = scenario.channels.phone  # log-sd of a lognormal patience; None: exponential
        lognormal = phone.patience_dist == "lognormal"
        self.patience_sigma = math.sqrt(math.log1p(phone.patience_cv**2)) if lognormal else None
        self.reps, self.priority, self.reserve = ctx.route(self.work)

    def contact(self, c: Customer) -> Contact:
        ctx = self.ctx
        reps = self.reps
        c.calls += 1
        if self.patience_h is None:
            wait = reps.request(self.priority, self.reserve)
        else:
            s = self.patience_sigma  # a draw of mean 1: exponential, or lognormal of cv
            draw = ctx.expo(c) if s is None else math.exp(s * ctx.normal(c) - 0.5 * s * s)
            patience = draw * self.patience_h * c.patience
            wait = reps.request_with_patience(self.priority, patience, self.reserve)
        if wait is None:  # a rep was free
            if c.calls == 1:
                c.first_call_wait_h = 0.0
        else:
            env = ctx.env
            called = env.now
            if (yield wait) is RENEGED:
                c.abandoned_calls += 1
                if c.calls == 1:
                    c.first_call_wait_h = env.now - called
                    c.first_call_abandoned = True
                return ABANDONED
            waited = env.now - called
            if c.calls == 1:
                c.first_call_wait_h = waited
            c.answer_wait_h += waited
        c.calls_answered += 1
        yield ctx.hold(c, reps, "phone")
        reps.release()
        if not c.needs_exception:
            return ctx.routine(c, ROLE_REP)
        return (yield from ctx.policy.rep.exception(ctx, c, self))
