"""Root-cause fixing: the company finds a cause from the evidence its tickets hold, ships
a fix weeks later, and the fix prevents a share of that cause's later complaints.

Detection (``evidence``):

- ``failures`` (the default): root-cause analysis needs the whole story of a failure. A
  complaint is evidence about its cause when it closes after at least one failed contact
  (a "no", no answer, an abandoned call, a fix that did not hold) and every channel it
  reached kept a ticket: one that went to social media or the CEO's inbox without a
  ticket there leaves a trail that ends mid-way. A cause is found when its evidence
  within the last ``window_days`` reaches ``detect_after`` (a monthly review acting on
  the causes with enough documented failures).
- ``started`` (the first version's rule): every complaint that starts on a channel with
  tickets counts, as it starts (with ``every_channel``, one that started without a ticket
  counts when it closes if it reached a ticketed channel on the way); a cause is found
  after ``detect_after`` of them since the start (``window_days`` 0) or within the window.

The fix ships ``lead_days`` after the cause is found (engineering work, one fix at a
time), prevents that share (``effectiveness``) of the cause's later complaints and costs
``fix_cost_usd`` once. Up to ``max_fixes`` causes are fixed, one after the other (the
next found once the previous fix has shipped). ``enabled: false`` turns it off.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from escalationsim.config.fields import (
    PROB,
    int_min,
    nonneg_at_most,
    one_of,
    param,
    usd,
)
from escalationsim.engine.counters import Counter, declare
from escalationsim.engine.levers import Lever
from escalationsim.kernel.codes import RESOLVED
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

declare(
    Counter(
        "root_cause_fixed_at_h",
        "when the first root-cause fix shipped (h from the start; inf if none did)",
        "root_cause",
        math.inf,
    ),
    Counter(
        "root_cause_detected_at_h",
        "when the first root cause was found (h from the start; inf if none was)",
        "root_cause",
        math.inf,
    ),
    Counter("root_cause_fixes", "root-cause fixes shipped before the horizon", "root_cause"),
    Counter("fix_cost", "one-off cost of the fixes shipped inside the window (USD)", "root_cause"),
)

FAILED = ~(1 << RESOLVED) & 0xFF
"""Outcome bits of failed contacts (anything but resolved)."""


class Evidence(str, Enum):
    """What counts as evidence about a complaint's cause."""

    failures = "failures"  # a failure documented end to end: every channel it reached ticketed
    started = "started"  # every complaint started on a ticketed channel (the first version)


@dataclass
class TopCause:
    """Find the causes with enough evidence and fix them (defaults as
    ``conf/policy/root_cause/top_cause.yaml``)."""

    mode: str = "top_cause"
    enabled: bool = False
    detect_after: int = param(200, int_min(1))
    lead_days: float = param(42.0, nonneg_at_most(36500, " days"))
    effectiveness: float = param(0.8, PROB)
    fix_cost_usd: float = param(20000.0, usd(1e12))
    every_channel: bool = True
    evidence: Evidence = param(Evidence.failures, one_of(Evidence))
    window_days: float = param(28.0, nonneg_at_most(36500, " days"))
    max_fixes: int = param(1, int_min(1))


@lever("root_cause", "top_cause", TopCause)
class RootCause(Lever):
    """Counts each cause's evidence (see the module doc); prevents a share of the
    complaints of a fixed cause that arrive once its fix has shipped (their own uniform
    ``u_prevent`` decides)."""

    def __init__(self, cfg: TopCause, scenario: ScenarioConfig) -> None:
        self.active = self.enabled = cfg.enabled
        self.detect_after = cfg.detect_after
        self.lead_h = cfg.lead_days * 24.0
        self.effectiveness = cfg.effectiveness
        self.fix_cost = cfg.fix_cost_usd
        self.every_channel = cfg.every_channel
        self.failures = Evidence(cfg.evidence) is Evidence.failures
        self.window_h = cfg.window_days * 24.0
        self.max_fixes = cfg.max_fixes
        causes = scenario.population.causes
        self.tracked: list[bool] = []
        self.tracked_bits = 0  # channels with tickets, as a mask (set by bind)
        self.evidence: list[deque[float]] = [deque() for _ in range(causes)]
        self.seen = 0  # evidence counted, all causes
        self.fix_at = [math.inf] * causes  # when each cause's fix ships
        self.fixes: list[float] = []  # ship times, in order
        self.detected: list[float] = []  # when each fixed cause was found
        self.busy_until = -math.inf  # engineering works on one fix at a time

    # ----------------------------------------------------------------- hooks
    def admit(self, c: Customer, t: float) -> bool:
        """Arrival hook: False if a shipped fix prevents this complaint."""
        return not (t >= self.fix_at[c.cause] and c.u_prevent < self.effectiveness)

    def bind(self, ctx: RunContext) -> None:
        self.tracked = ctx.tracked
        self.tracked_bits = sum(1 << code for code, on in enumerate(ctx.tracked) if on)

    def closed(self, c: Customer, t: float) -> None:
        """Close hook: a documented failure (``failures``); or, under ``started`` with
        ``every_channel``, a complaint that started without a ticket and reached one."""
        if self.failures:
            if c.outcomes & FAILED and not c.tried & ~self.tracked_bits:
                self.saw(c.cause, True, t)
        elif (
            self.every_channel and not self.tracked[c.first_channel] and c.tried & self.tracked_bits
        ):
            self.saw(c.cause, True, t)

    def observe(self, ctx: RunContext, c: Customer, start: int, t: float) -> None:
        """Arrival hook (``started``): count the complaint if its first channel keeps
        tickets."""
        if not self.failures:
            self.saw(c.cause, ctx.tracked[start], t)

    # ----------------------------------------------------------------- detection
    def saw(self, cause: int, tracked: bool, now: float) -> None:
        """One piece of evidence about ``cause`` at ``now`` (if ``tracked``)."""
        if not (self.enabled and tracked) or self.fix_at[cause] < math.inf:
            return
        self.seen += 1
        times = self.evidence[cause]
        times.append(now)
        if self.window_h > 0:
            while times[0] <= now - self.window_h:
                times.popleft()
        if (
            len(times) >= self.detect_after
            and len(self.fixes) < self.max_fixes
            and now >= self.busy_until
        ):
            self._fix(cause, now)

    def _fix(self, cause: int, now: float) -> None:
        """``cause`` is found now: its fix ships after the lead time."""
        ships = now + self.lead_h
        self.fix_at[cause] = ships
        self.fixes.append(ships)
        self.detected.append(now)
        self.busy_until = ships
        self.evidence[cause].clear()

    def prevents(self, cause: int, u: float, now: float) -> bool:
        """Whether a complaint of ``cause`` arriving at ``now`` with uniform ``u`` is
        prevented."""
        return now >= self.fix_at[cause] and u < self.effectiveness

    @property
    def fixed(self) -> bool:
        """A cause has been found (its fix ships, or has shipped)."""
        return bool(self.fixes)

    @property
    def fix_time(self) -> float:
        """When the first fix ships (inf: no cause found yet)."""
        return self.fixes[0] if self.fixes else math.inf

    def counters(self, lo: float, hi: float) -> dict[str, float]:
        return {
            "root_cause_fixed_at_h": self.fix_time,
            "root_cause_detected_at_h": self.detected[0] if self.detected else math.inf,
            "root_cause_fixes": float(sum(t < hi for t in self.fixes)),
            "fix_cost": self.fix_cost * sum(lo <= t < hi for t in self.fixes),
        }
