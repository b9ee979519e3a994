"""Social media: a public post. The policy's social triage decides whether the team that
answers posts (``staff.work.social``: a social team, or blended reps) answers it and in
what order within its priority class (bigger accounts first under ``by_influence``). While
unanswered, the post accrues negative impressions at ``impressions_per_follower_h`` x
followers, up to the post's lifetime; with publicity that spreads (``scenario.publicity``),
a public "no" is seen for the rest of the post's life too."""

from __future__ import annotations

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
        pool = self.team
        wait = pool.request_with_patience(
            self.priority + triage.priority(c.followers), patience, self.reserve
        )
        if wait is not None and (yield wait) is RENEGED:
            ctx.impressions(c, per_h * cfg.post_lifetime_h)
            return NO_ANSWER
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
