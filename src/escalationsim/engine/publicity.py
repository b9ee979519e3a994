"""Publicity that spreads (``scenario.publicity``): negative impressions reach the customer
base and make other customers complain in public.

Every negative impression of a public post (unanswered, or refused in public for the rest
of the post's life) adds to a mass that decays exponentially with ``memory_days``; the
exposure per customer is that mass over the base size (``customers.base_size``). A new
complaint by a customer who uses social media, about to start on a channel off the
escalation ladder (phone, email), starts on social instead with probability
``public_first_max x (1 - exp(-exposure / exposure_scale))``, decided by the complaint's
own uniform ``u_public`` (common random numbers). Public complaints cost impressions and
staff time and pull more public complaints after them, so answering posts (and which
ones) has a consequence the model can weigh.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from escalationsim.engine import channels
from escalationsim.engine.counters import Counter, declare
from escalationsim.engine.mechanisms import Mechanism, register

if TYPE_CHECKING:
    import numpy as np

    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

declare(
    Counter(
        "publicity_sent_social",
        "complaints that started on social because publicity reached their customer",
        "publicity",
    )
)


@register
class Publicity(Mechanism):
    """The decayed mass of negative impressions, and its pull towards social (the
    arrivals loop asks it where a new complaint starts; posts add impressions)."""

    name = "publicity"
    section = "publicity"

    @classmethod
    def build(
        cls, ctx: RunContext, scenario: ScenarioConfig, rngs: dict[str, np.random.Generator]
    ) -> Publicity:
        off_ladder = [c.ladder_step is None for c in channels.channel_classes()]
        return cls(scenario, channels.code("social"), off_ladder)

    def __init__(self, scenario: ScenarioConfig, social: int, off_ladder: list[bool]) -> None:
        cfg = scenario.publicity
        self.max_share = cfg.public_first_max
        self.scale = cfg.exposure_scale
        self.tau_h = cfg.memory_days * 24.0
        self.size = scenario.customers.base_size(scenario.volume_per_day)
        self.social = social
        self.off_ladder = off_ladder  # by channel code: a channel publicity draws away from
        self.mass = 0.0
        self.t = 0.0
        self.sent = 0  # complaints sent to social first

    def _decay(self, now: float) -> None:
        if now > self.t:
            self.mass *= math.exp(-(now - self.t) / self.tau_h)
            self.t = now

    def add(self, impressions: float, now: float) -> None:
        """Negative impressions seen now."""
        self._decay(now)
        self.mass += impressions

    def exposure(self, now: float) -> float:
        """Negative impressions per customer of the base, decayed to ``now``."""
        self._decay(now)
        return self.mass / self.size

    def route(self, c: Customer, start: int, t: float) -> int:
        """The channel ``c`` starts on: social with the exposure's pull, else ``start``."""
        if not c.uses_social or not self.off_ladder[start] or self.mass <= 0.0:
            return start
        share = self.max_share * (1.0 - math.exp(-self.exposure(t) / self.scale))
        if c.u_public < share:
            self.sent += 1
            return self.social
        return start

    def counters(self) -> dict[str, float]:
        return {"publicity_sent_social": float(self.sent)}
