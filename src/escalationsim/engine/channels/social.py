"""Social media: a public post. The policy's social triage decides whether the team that
answers posts (``staff.work.social``: a social team, or blended reps) answers it and in
what order within its priority class (bigger accounts first under ``by_influence``). A
post joins the team's queue at its next review of the mentions (``review_interval_h``)
unless the triage raises an alert for it (big accounts under ``by_influence``). While
unanswered, the post accrues negative impressions at ``impressions_per_follower_h`` x
followers, up to the post's lifetime; with publicity that spreads (``scenario.publicity``),
a public "no" is seen for the rest of the post's life too."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from escalationsim.engine.channels.registry import Channel, Contact, register
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.kernel.codes import DENIED, NO_ANSWER, ROLE_SOCIAL
from escalationsim.kernel.staff_pool import RENEGED
from escalationsim.kernel.timeout import Timeout

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


declare_fields(
    Field("posts", "i4", 0, "public posts", "channels.social"),
    Field("posts_answered", "i4", 0, "public posts answered", "channels.social"),
    Field(
        "first_post_wait_h",
        "f8",
        float("nan"),
        "time from the first public post to its answer (h)",
        "channels.social",
    ),
    Field(
        "first_post_gave_up_h",
        "f8",
        float("nan"),
        "time from the first public post, queued for an answer, to its author giving up "
        "on it (h): the reply time censored",
        "channels.social",
    ),
)


@register
class Social(Channel):
    """Public posts, answered (or not) by the social team; first rung of the ladder."""

    name = "social"
    work = "social"
    ladder_step = 1
    requires = "uses_social"

    def __init__(self, ctx: RunContext, scenario: ScenarioConfig, tracked: bool) -> None:
        super().__init__(ctx, scenario, tracked)
        self.cfg = scenario.channels.social
        self.team, self.priority, self.reserve = ctx.route(self.work)
        self.review_h = self.cfg.review_interval_h

    def contact(self, c: Customer) -> Contact:
        ctx = self.ctx
        env = ctx.env
        posted = env.now
        cfg = self.cfg
        triage = ctx.policy.social
        per_h = cfg.impressions_per_follower_h * c.followers
        patience = ctx.expo(c) * cfg.patience_h * c.patience
        c.posts += 1
        if ctx.uniform(c) >= triage.answer_prob(c.followers):
            ctx.impressions(c, per_h * cfg.post_lifetime_h)
            yield Timeout(env, patience)
            return NO_ANSWER
        review = self.review_h
        if review > 0 and not triage.alerted(c.followers):  # seen at the next review
            seen = (math.floor(posted / review) + 1.0) * review
            if seen - posted >= patience:  # given up before the team looks
                yield Timeout(env, patience)
                return self._gave_up(c, posted, per_h)
            yield Timeout(env, seen - posted)
            patience -= seen - posted
        pool = self.team
        wait = pool.request_with_patience(
            self.priority + triage.priority(c.followers), patience, self.reserve
        )
        if wait is not None and (yield wait) is RENEGED:
            return self._gave_up(c, posted, per_h)
        ctx.impressions(c, per_h * min(env.now - posted, cfg.post_lifetime_h))
        c.posts_answered += 1
        if c.posts == 1:
            c.first_post_wait_h = env.now - posted
        yield ctx.hold(c, pool, "social", ticket=self.tracked)
        pool.release()
        if not c.needs_exception:
            return ctx.routine(c, ROLE_SOCIAL)
        outcome = triage.exception(ctx, c)
        if outcome == DENIED and ctx.publicity is not None:  # the public "no" stays up
            ctx.impressions(c, per_h * max(cfg.post_lifetime_h - (env.now - posted), 0.0))
        return outcome

    def _gave_up(self, c: Customer, posted: float, per_h: float) -> int:
        """The author stopped waiting for an answer the team would have given."""
        if c.posts == 1:
            c.first_post_gave_up_h = self.ctx.env.now - posted
        self.ctx.impressions(c, per_h * self.cfg.post_lifetime_h)
        return NO_ANSWER
