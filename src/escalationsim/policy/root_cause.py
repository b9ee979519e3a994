"""Root-cause fixing: once ``detect_after`` tracked complaints of the most frequent cause
(cause 0) were seen, a fix ships ``lead_days`` later and prevents that share
(``effectiveness``) of its later complaints, for a one-off ``fix_cost_usd``.
``enabled: false`` turns it off.

Detection sees only ticketed complaints: one that starts on a channel with tickets is
seen as it starts; with ``every_channel`` one that starts without a ticket is seen when it
closes if it reached a channel with tickets on the way (false: only where it started, the
first version)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.config.fields import (
    PROB,
    int_min,
    nonneg_at_most,
    param,
    usd,
)
from escalationsim.engine.counters import Counter, declare
from escalationsim.engine.levers import Lever
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

declare(
    Counter(
        "root_cause_fixed_at_h",
        "when the root-cause fix shipped (h from the start; inf if it never did)",
        "root_cause",
        math.inf,
    ),
    Counter("fix_cost", "one-off cost of a fix shipped inside the window (USD)", "root_cause"),
)


@dataclass
class TopCause:
    """Detect and fix the most frequent cause."""

    mode: str = "top_cause"
    enabled: bool = False
    detect_after: int = param(200, int_min(1))
    lead_days: float = param(14.0, nonneg_at_most(36500, " days"))
    effectiveness: float = param(0.8, PROB)
    fix_cost_usd: float = param(20000.0, usd(1e12))
    every_channel: bool = True


@lever("root_cause", "top_cause", TopCause)
class RootCause(Lever):
    """Counts tracked complaints of cause 0 as they start; prevents a share of those that
    arrive once the fix has shipped (their own uniform ``u_prevent`` decides)."""

    def __init__(self, cfg: TopCause, scenario: ScenarioConfig) -> None:
        self.active = self.enabled = cfg.enabled
        self.detect_after = cfg.detect_after
        self.lead_h = cfg.lead_days * 24.0
        self.effectiveness = cfg.effectiveness
        self.fix_cost = cfg.fix_cost_usd
        self.every_channel = cfg.every_channel
        self.tracked: list[bool] = []
        self.tracked_bits = 0  # channels with tickets, as a mask (set by bind)
        self.seen = 0
        self.fix_time = math.inf

    def admit(self, c: Customer, t: float) -> bool:
        """Arrival hook: False if the shipped fix prevents this complaint."""
        return not (t >= self.fix_time and self.prevents(c.cause, c.u_prevent, t))

    def bind(self, ctx: RunContext) -> None:
        self.tracked = ctx.tracked
        self.tracked_bits = sum(1 << code for code, on in enumerate(ctx.tracked) if on)

    def closed(self, c: Customer, t: float) -> None:
        """Close hook: with ``every_channel``, a complaint that started without a ticket
        is seen now if it reached a channel with tickets on the way."""
        if self.every_channel and not self.tracked[c.first_channel] and c.tried & self.tracked_bits:
            self.saw(c.cause, True, t)

    def observe(self, ctx: RunContext, c: Customer, start: int, t: float) -> None:
        """Arrival hook: count the complaint if its first channel keeps tickets."""
        self.saw(c.cause, ctx.tracked[start], t)

    def saw(self, cause: int, tracked: bool, now: float) -> None:
        """A complaint of ``cause`` started now, on a tracked channel or not."""
        if self.enabled and tracked and cause == 0 and self.fix_time == math.inf:
            self.seen += 1
            if self.seen >= self.detect_after:
                self.fix_time = now + self.lead_h

    def prevents(self, cause: int, u: float, now: float) -> bool:
        return cause == 0 and now >= self.fix_time and u < self.effectiveness

    @property
    def fixed(self) -> bool:
        return self.fix_time < math.inf

    def counters(self, lo: float, hi: float) -> dict[str, float]:
        return {
            "root_cause_fixed_at_h": self.fix_time,
            "fix_cost": self.fix_cost if lo <= self.fix_time < hi else 0.0,
        }
