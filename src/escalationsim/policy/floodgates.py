"""Word of mouth ("floodgates"): visible CEO answers, remembered with exponential decay,
draw new customers straight to the CEO.

share = max_share x (1 - exp(-strength x R)), with R the visible answers per day
(exponentially weighted over ``memory_days``). ``strength: 0`` turns it off. With a finite
customer base (``scenario.customers``) word of mouth reaches a share of the base: R is
counted per million customers, so the same answers move a big company's customers less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.config.fields import (
    PROB,
    nonneg_at_most,
    param,
    positive_at_most,
)
from escalationsim.engine import channels
from escalationsim.engine.levers import Lever
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


@dataclass
class WordOfMouth:
    """Visible answers per day raise the share of new customers who write to the CEO."""

    mode: str = "word_of_mouth"
    strength: float = param(0.05, nonneg_at_most(1e3))
    memory_days: float = param(14.0, positive_at_most(3650, " days"))
    max_share: float = param(0.3, PROB)


@lever("floodgates", "word_of_mouth", WordOfMouth)
class Floodgates(Lever):
    """Keeps the decayed mass of visible answers; on arrival, sends a customer to the CEO
    with the current share (their own uniform ``u_direct`` decides)."""

    def __init__(self, cfg: WordOfMouth, scenario: ScenarioConfig) -> None:
        self.strength = cfg.strength
        self.max_share = cfg.max_share
        self.tau_h = cfg.memory_days * 24.0
        self.active = self.strength > 0
        self.ceo = channels.code("ceo")
        cust = scenario.customers
        # visible answers per day per million customers, with a finite base
        self.per_base = 1e6 / cust.base_size(scenario.volume_per_day) if cust.enabled else 1.0
        self._mass = 0.0  # decayed sum of visibility weights
        self._t = 0.0

    def bind(self, ctx: RunContext) -> None:
        ctx.on_publicity(self.register)

    def _decay(self, now: float) -> None:
        if now > self._t:
            self._mass *= math.exp(-(now - self._t) / self.tau_h)
            self._t = now

    def register(self, weight: float, now: float) -> None:
        """A visible answer of ``weight`` at ``now``."""
        if weight > 0 and self.strength > 0:
            self._decay(now)
            self._mass += weight

    def direct_share(self, now: float) -> float:
        """The share of new customers who go straight to the CEO now."""
        if self.strength <= 0 or self._mass <= 0:
            return 0.0
        self._decay(now)
        rate_per_day = self._mass / self.tau_h * 24.0 * self.per_base
        return self.max_share * (1.0 - math.exp(-self.strength * rate_per_day))

    def route(self, c: Customer, start: int, t: float) -> int:
        """Arrival hook: the CEO's inbox, with the current direct share, else ``start``."""
        if self._mass <= 0 or c.owner:  # nothing visible yet; or they have an owner's line
            return start
        if c.u_direct < self.direct_share(t):
            c.knows_ceo = True
            return self.ceo
        return start
