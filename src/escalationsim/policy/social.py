"""Social-media handling: which public complaints the social team answers, in what
order, and whether it grants an exception once it answers.

- ``by_influence``: the answer probability is logistic in log10(followers + 1) and bigger
  accounts are served first (Gunarathne, Rui & Seidmann, MIS Quarterly 2018); a post by
  an account with at least ``alert_followers`` followers raises an alert, so the team
  sees it at once rather than at its next review of the mentions
  (``scenario.channels.social.review_interval_h``).
- ``fcfs``: every post is answered with ``answer_prob``, first come, first served, each
  seen at the team's next review.

Under both, the team may grant exceptions up to ``budget_usd`` (public pressure buys what
the phone line may not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.config.fields import PROB, Check, int_in, is_num, param, usd
from escalationsim.engine.levers import Lever
from escalationsim.kernel.codes import DENIED, RESOLVED, ROLE_SOCIAL
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


@dataclass
class SocialGrants:
    """What the social team may grant once it answers (shared by every social mode)."""

    grants_exceptions: bool = True
    budget_usd: float = param(300.0, usd(1e9))


class _Grants(Lever):
    """Granting an exception once the social team answers (every social mode)."""

    def __init__(self, cfg: SocialGrants) -> None:
        self.grants = cfg.grants_exceptions
        self.budget = cfg.budget_usd

    def exception(self, ctx: RunContext, c: Customer) -> int:
        """Grant the exception if allowed and within the budget, else a public "no"."""
        if self.grants and c.exception_value <= self.budget:
            ctx.grant(c, ROLE_SOCIAL)
            return RESOLVED
        return DENIED


@dataclass
class InfluenceSocial(SocialGrants):
    """Answer probability 1 / (1 + exp(-(intercept + slope log10(followers + 1))))."""

    mode: str = "by_influence"
    influence_intercept: float = param(
        -2.6, Check(lambda v: is_num(v) and abs(v) <= 50, "a number in [-50, 50]")
    )
    influence_slope: float = param(
        0.8, Check(lambda v: is_num(v) and 0 <= v <= 50, "a number in [0, 50]")
    )
    alert_followers: int = param(10_000, int_in(0, 10**12))
    """Posts by accounts with at least this many followers are seen at once (a listening
    tool's alert), not at the team's next review; 0: no alerts."""


@lever("social", "by_influence", InfluenceSocial)
class InfluenceTriage(_Grants):
    """Bigger accounts are answered more often and first."""

    def __init__(self, cfg: InfluenceSocial, scenario: ScenarioConfig) -> None:
        super().__init__(cfg)
        self.intercept = cfg.influence_intercept
        self.slope = cfg.influence_slope
        self.alert = cfg.alert_followers

    def answer_prob(self, followers: int) -> float:
        z = self.intercept + self.slope * math.log10(followers + 1.0)
        if z < -700:  # exp overflows beyond this; the probability is 0 to double precision
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def priority(self, followers: int) -> float:
        return -math.log10(followers + 1.0)

    def alerted(self, followers: int) -> bool:
        return 0 < self.alert <= followers


@dataclass
class FcfsSocial(SocialGrants):
    """Every post is answered with ``answer_prob``."""

    mode: str = "fcfs"
    answer_prob: float = param(1.0, PROB)


@lever("social", "fcfs", FcfsSocial)
class FcfsTriage(_Grants):
    """Every post has the same answer probability; first come, first served."""

    def __init__(self, cfg: FcfsSocial, scenario: ScenarioConfig) -> None:
        super().__init__(cfg)
        self.prob = cfg.answer_prob

    def answer_prob(self, followers: int) -> float:
        return self.prob

    def priority(self, followers: int) -> float:
        return 0.0

    def alerted(self, followers: int) -> bool:
        return False
