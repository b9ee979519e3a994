"""One contact on each channel: wait, get handled (or not), and an outcome.

- phone: reps, highest priority; the caller hangs up when patience runs out (abandoned).
- email: waits a triage delay, then joins the same reps' queue after phone calls; the
  customer stops waiting after a patience of hours (no answer) and the unanswered email is
  withdrawn from the backlog.
- social: a public post; the social team answers it or not (the policy's triage), bigger
  accounts first under ``by_influence``. While unanswered, the post accrues negative
  impressions at ``impressions_per_follower_h`` x followers, up to the post's lifetime.
- ceo: the CEO's inbox; the policy's CEO involvement decides who handles it and how.
  Letters to the CEO are never withdrawn; a final answer later than the regulator's
  response deadline, or none by the end of the run when the deadline has passed, costs a
  fine.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from escalationsim.kernel.codes import (
    ABANDONED,
    DENIED,
    NO_ANSWER,
    RESOLVED,
    ROLE_REP,
    ROLE_SOCIAL,
    UNRESOLVED,
    Role,
)
from escalationsim.kernel.staff import RENEGED

if TYPE_CHECKING:
    from escalationsim.engine.customer import Customer
    from escalationsim.engine.model import Model

Proc = Generator[Any, Any, int]

PHONE_PRIORITY, EMAIL_PRIORITY = 0, 1


def _routine_outcome(m: Model, c: Customer, role: Role) -> int:
    """A routine issue (no exception needed) is fixed with the routine fix probability."""
    if m.uniform(c) < m.routine_fix_prob:
        m.resolve(c, role)
        return RESOLVED
    return UNRESOLVED


def phone(m: Model, c: Customer) -> Proc:
    """A call to the rep queue; reneges after the caller's patience."""
    env = m.env
    reps = m.reps
    c.calls += 1
    if m.phone_patience_h is None:
        wait = reps.request(PHONE_PRIORITY)
    else:
        patience = m.expo(c) * m.phone_patience_h * c.patience
        wait = reps.request_with_patience(PHONE_PRIORITY, patience)
    if wait is None:  # a rep was free
        if c.calls == 1:
            c.first_call_wait_h = 0.0
    else:
        called = env.now
        if (yield wait) is RENEGED:
            c.abandoned_calls += 1
            if c.calls == 1:
                c.first_call_wait_h = env.now - called
                c.first_call_abandoned = True
            return ABANDONED
        if c.calls == 1:
            c.first_call_wait_h = env.now - called
    yield m.hold(c, reps, "phone")
    reps.release()
    if not c.needs_exception:
        return _routine_outcome(m, c, ROLE_REP)
    return (yield from m.policy.rep.exception(m, c, True))


def email(m: Model, c: Customer) -> Proc:
    """An email to the rep backlog; withdrawn if nobody picks it up within patience."""
    reps = m.reps
    patience = m.expo(c) * m.email_patience_h * c.patience
    triage = m.email_triage_h * m.expo(c)
    if triage >= patience:
        yield m.env.timeout(patience)
        return NO_ANSWER
    yield m.env.timeout(triage)
    wait = reps.request_with_patience(EMAIL_PRIORITY, patience - triage)
    if wait is not None and (yield wait) is RENEGED:
        return NO_ANSWER
    yield m.hold(c, reps, "email")
    reps.release()
    if not c.needs_exception:
        return _routine_outcome(m, c, ROLE_REP)
    return (yield from m.policy.rep.exception(m, c, False))


def social(m: Model, c: Customer) -> Proc:
    """A public post; answered according to the policy's triage, or ignored."""
    env = m.env
    posted = env.now
    cfg = m.scenario.channels.social
    triage = m.policy.social
    per_h = cfg.impressions_per_follower_h * c.followers
    patience = m.expo(c) * cfg.patience_h * c.patience
    c.posts += 1
    if m.uniform(c) >= triage.answer_prob(c.followers):
        c.impressions += per_h * cfg.post_lifetime_h
        yield env.timeout(patience)
        return NO_ANSWER
    pool = m.social
    wait = pool.request_with_patience(triage.priority(c.followers), patience)
    if wait is not None and (yield wait) is RENEGED:
        c.impressions += per_h * cfg.post_lifetime_h
        return NO_ANSWER
    c.impressions += per_h * min(env.now - posted, cfg.post_lifetime_h)
    c.posts_answered += 1
    yield m.hold(c, pool, "social", ticket=m.ticket_social)
    pool.release()
    if not c.needs_exception:
        return _routine_outcome(m, c, ROLE_SOCIAL)
    if m.policy.social_grants and c.exception_value <= m.policy.social_budget:
        m.grant(c, ROLE_SOCIAL)
        return RESOLVED
    return DENIED


def ceo(m: Model, c: Customer) -> Proc:
    """A letter to the CEO, handled as the policy's CEO involvement says."""
    sent = m.env.now
    c.ceo_since = sent
    m.own_row(c)
    outcome = yield from m.policy.ceo.handle(m, c)
    c.ceo_since = -1.0
    c.ceo_wait_h = m.env.now - sent
    if m.env.now - sent > m.deadline_h:
        c.penalty += m.scenario.channels.ceo.deadline_fine_usd
        c.deadline_breaches += 1
    return outcome


CONTACT = (phone, email, social, ceo)
"""Contact process by channel code (phone, email, social, ceo)."""
