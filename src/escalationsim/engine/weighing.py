"""Customers who weigh their claim: whether to push on after a failure depends on what is
at stake and on whether they are owed it.

A customer's ``persistence`` is the chance of trying again after each failure. For a
complaint that needs an exception, the weighing mechanism turns it into the complaint's
own: its odds p / (1 - p) are multiplied by (claim value / the population's median
value)^``value_elasticity`` and, for a claim not owed (a weak claim), by ``weak_odds``.
Odds rather than the probability itself, so the result stays a probability whatever the
multipliers. Routine complaints keep the customer's persistence. The journey asks
:meth:`Weighing.persistence` once per complaint, at its start.

Why: tiered authority (a script, a manager's review) screens out weak claims in Dukes &
Zhu (Marketing Science 2019) because customers with weak or small claims do not push
through the hassle of escalating. With this mechanism that screening comes from the
customers' own choices; without it, only from the assumed error rates of who decides.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from escalationsim.engine.mechanisms import Mechanism, register

if TYPE_CHECKING:
    import numpy as np

    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


@register
class Weighing(Mechanism):
    """The claim-dependent persistence of a complaint (``scenario.weighing``)."""

    name = "weighing"
    section = "weighing"

    @classmethod
    def build(
        cls, ctx: RunContext, scenario: ScenarioConfig, rngs: dict[str, np.random.Generator]
    ) -> Weighing:
        w = scenario.weighing
        return cls(w.value_elasticity, w.weak_odds, scenario.population.exception_value_median_usd)

    def __init__(self, value_elasticity: float, weak_odds: float, median_value: float) -> None:
        self.elasticity = value_elasticity
        self.weak_odds = weak_odds
        self.median = median_value

    def persistence(self, c: Customer) -> float:
        """The chance that ``c`` tries again after a failure of this complaint."""
        p = c.persistence
        if not c.needs_exception or p <= 0.0 or p >= 1.0:
            return p
        value = c.exception_value
        # pure-Python math: the same bits on every machine (kernel.libm's reason)
        m = math.exp(self.elasticity * math.log(value / self.median)) if value > 0 else 0.0
        if c.claim_weak:
            m *= self.weak_odds
        if m == 1.0:
            return p  # no change, to the bit
        odds = p / (1.0 - p) * m
        return odds / (1.0 + odds)
