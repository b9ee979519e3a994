"""Back-office work: what a resolution needs after the contact (a refund, a replacement,
a fix by another team), and the customer chasing it meanwhile.

When a contact resolves a complaint, it needs back-office work with the scenario's
``backoffice.share_routine`` or ``share_exception``. The work completes after a lead time
(lognormal); the complaint counts as resolved, and the customer is told, only then. The
back office's own handling hours are booked to the complaint. While waiting, the customer
may chase: the time from the promise (or the last chase) to the next chase is Weibull
with shape > 1, so the longer the wait, the likelier a chase; each chase is a contact on
the channel the fix was promised on, served by that channel's kind of work.

A promise made on a channel without tickets may be lost (``follow_ups``): the work is
never done; the customer chases as before until the promised time has passed, and then
has to start over (the journey's business, :mod:`.journey`).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.engine.mechanisms import Mechanism, register
from escalationsim.engine.staff import BACKOFFICE_SLOT
from escalationsim.kernel.timeout import Timeout

if TYPE_CHECKING:
    import numpy as np

    from escalationsim.config.scenario import BackOfficeConfig, ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

LEAD_TIME = "backoffice_lead"
"""Name of the lead-time sampler among the run's handling-time samplers."""


declare_fields(
    Field("backoffice", "?", False, "the resolution needed back-office work", "backoffice"),
    Field("chases", "i4", 0, "contacts chasing back-office work", "backoffice"),
)


@register
class BackOffice(Mechanism):
    """Decides which resolutions need back-office work and runs the wait for it (the
    journey asks it when a contact resolves: :meth:`needed`, :meth:`wait`, :meth:`lost`)."""

    name = "backoffice"
    section = "backoffice"

    @classmethod
    def build(
        cls, ctx: RunContext, scenario: ScenarioConfig, rngs: dict[str, np.random.Generator]
    ) -> BackOffice:
        return cls(scenario.backoffice)

    def __init__(self, cfg: BackOfficeConfig) -> None:
        self.share_routine = cfg.share_routine
        self.share_exception = cfg.share_exception
        self.chase_scale_h = cfg.chase_scale_h
        self.chase_power = 1.0 / cfg.chase_shape
        self.max_chases = cfg.max_chases

    def needed(self, ctx: RunContext, c: Customer) -> bool:
        """Whether the resolution of ``c`` needs back-office work."""
        share = self.share_exception if c.needs_exception else self.share_routine
        return share > 0 and ctx.uniform(c) < share

    def wait(
        self, ctx: RunContext, c: Customer, work: str | None, age_h: float = 0.0
    ) -> Generator[Any, Any, None]:
        """Wait for the back office to finish for ``c``, chasing through ``work``; on
        return the complaint is resolved at the completion time. ``age_h``: how long the
        work has been under way already (a promise made before the run began)."""
        lead = ctx.draws.residual(LEAD_TIME, c, age_h) if age_h else ctx.handle(LEAD_TIME, c)
        done = ctx.env.now + lead
        c.backoffice = True
        c.hours[BACKOFFICE_SLOT] += ctx.handle("backoffice", c)
        yield from self._chase(ctx, c, work, done)
        if done > ctx.end_h:  # still under way when the run ends: the complaint stays open
            yield Timeout(ctx.env, done - ctx.env.now)
        # Otherwise nothing happens to the customer before ``done`` (no more chases), so
        # the complaint is closed now with its resolution time: one event fewer each.
        c.resolved_at = done

    def lost(self, ctx: RunContext, c: Customer, work: str | None) -> Generator[Any, Any, None]:
        """The promised work was lost: the customer chases until the promised time has
        passed and returns then, with nothing done."""
        done = ctx.env.now + ctx.handle(LEAD_TIME, c)
        yield from self._chase(ctx, c, work, done)
        yield Timeout(ctx.env, max(done - ctx.env.now, 0.0))

    def _chase(
        self, ctx: RunContext, c: Customer, work: str | None, done: float
    ) -> Generator[Any, Any, None]:
        """Chases through ``work`` until the next one would come after ``done``."""
        env = ctx.env
        while work is not None and c.chases < self.max_chases:  # a channel no work serves: no chase
            gap = self.chase_scale_h * ctx.expo(c) ** self.chase_power
            if env.now + gap >= done:
                break
            yield Timeout(env, gap)
            c.chases += 1
            c.contacts += 1
            yield from ctx.chase(c, work)
