"""Email (or web form): waits a triage delay, then joins the queue of the pool that
answers email (``staff.work.email``: the reps, after calls, by default); the customer
stops waiting after a patience of hours (no answer: they chase, switch channel, escalate
or give up).

An email whose writer stops waiting stays in the backlog (``keep_unanswered``, as in a
real ticket queue): when a rep reaches it, it is answered with the same writer's chaser
if they are waiting on one (one answer for both), withdrawn if the complaint has been
resolved meanwhile (the ticket shows it: emails always have tickets), else answered late
(the rep's time is spent; the writer has moved on, so the answer changes nothing of the
journey). So a backlog is worked off by capacity and an overloaded one grows. With
``keep_unanswered: false`` (the first version) the email is withdrawn when its writer
stops waiting.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from escalationsim.engine import counters as run_counters
from escalationsim.engine.channels.registry import Channel, Contact, register
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.kernel.codes import NO_ANSWER, ROLE_REP
from escalationsim.kernel.process import LightProcess
from escalationsim.kernel.staff_pool import RENEGED
from escalationsim.kernel.timeout import Timeout

if TYPE_CHECKING:
    import simpy

    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


declare_fields(
    Field(
        "emails_unanswered",
        "i4",
        0,
        "emails whose writer stopped waiting for an answer",
        "channels.email",
    ),
)

COUNTERS = (
    "emails_queued",
    "emails_kept",
    "emails_answered_late",
    "emails_merged",
    "emails_withdrawn",
)

run_counters.declare(
    run_counters.Counter(
        "emails_queued", "emails that reached the queue in the window", "channels.email"
    ),
    run_counters.Counter(
        "emails_kept",
        "of those, emails kept in the backlog after their writer stopped waiting",
        "channels.email",
    ),
    run_counters.Counter(
        "emails_answered_late",
        "of those, answered after their writer had moved on",
        "channels.email",
    ),
    run_counters.Counter(
        "emails_merged",
        "of those, answered together with the same writer's chaser",
        "channels.email",
    ),
    run_counters.Counter(
        "emails_withdrawn",
        "of those, withdrawn: the complaint was resolved before a rep reached them, or "
        "(keep_unanswered off) their writer stopped waiting",
        "channels.email",
    ),
)


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
        self.keep = cfg.keep_unanswered
        self.reps, self.priority, self.reserve = ctx.route(self.work)
        self.tally = dict.fromkeys(COUNTERS, 0)
        self.lo, self.hi = self.reps.lo, self.reps.hi  # the measurement window
        # the email request each writer waits on and when it was sent, by complaint id
        # (kept here, not on the complaint: a field written by most emails would give
        # each of their complaints a __dict__)
        self.waiting: dict[int, tuple[simpy.Event, float]] = {}

    def _count(self, name: str, sent: float) -> None:
        """Count an email sent at ``sent`` if that is inside the measurement window."""
        if self.lo <= sent < self.hi:
            self.tally[name] += 1

    def contact(self, c: Customer) -> Contact:
        ctx = self.ctx
        reps = self.reps
        patience = ctx.expo(c) * self.patience_h * c.patience
        triage = self.triage_h * ctx.expo(c)
        if triage >= patience:  # the writer stops waiting before it reaches the queue
            if self.keep:
                arrives = Timeout(ctx.env, triage)
                arrives.callbacks.append(lambda _ev: self._queue_unwatched(c))
            yield Timeout(ctx.env, patience)
            c.emails_unanswered += 1
            return NO_ANSWER
        yield Timeout(ctx.env, triage)
        sent = ctx.env.now
        if self.lo <= sent < self.hi:  # self._count("emails_queued", sent), inlined
            self.tally["emails_queued"] += 1
        if self.keep:
            wait = reps.request_kept(
                self.priority, patience - triage, self.reserve, lambda _ev: self._late(c, sent)
            )
            if wait is not None:
                self.waiting[c.idx] = (wait, sent)
                got = yield wait
                del self.waiting[c.idx]
                if got is RENEGED:
                    self._count("emails_kept", sent)
                    c.emails_unanswered += 1
                    return NO_ANSWER
        else:
            wait = reps.request_with_patience(self.priority, patience - triage, self.reserve)
            if wait is not None and (yield wait) is RENEGED:
                self._count("emails_withdrawn", sent)
                c.emails_unanswered += 1
                return NO_ANSWER
        # a rep answers: handling time, then the routine fix or the policy's decision
        yield ctx.hold(c, reps, "email")
        reps.release()
        if not c.needs_exception:
            return ctx.routine(c, ROLE_REP)
        return (yield from ctx.policy.rep.exception(ctx, c, self))

    def _queue_unwatched(self, c: Customer) -> None:
        """An email that reaches the queue after its writer stopped waiting: kept."""
        sent = self.ctx.env.now
        self._count("emails_queued", sent)
        self._count("emails_kept", sent)
        self.reps.request_late(self.priority, self.reserve, lambda _ev: self._late(c, sent))

    def _late(self, c: Customer, sent: float) -> None:
        """A rep reached an email (sent at ``sent``) whose writer had stopped waiting."""
        waiting = self.waiting.get(c.idx)
        if waiting is not None and not waiting[0].triggered:
            # the writer waits on a chaser: one answer for both
            self._count("emails_merged", sent)
            self.reps.hand_over(*waiting)
        elif not math.isnan(c.resolved_at):  # resolved meanwhile: withdrawn from the backlog
            self._count("emails_withdrawn", sent)
            self.reps.release()
        else:
            self._count("emails_answered_late", sent)
            LightProcess(self._answer_late(c))

    def _answer_late(self, c: Customer) -> Generator[simpy.Event, Any, None]:
        """The rep answers an email whose writer has moved on (to another channel, up the
        ladder, or away): the time is spent, the journey goes on as it was."""
        yield self.ctx.hold(c, self.reps, "email")
        self.reps.release()

    def counters(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.tally.items()}
