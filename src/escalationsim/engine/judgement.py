"""Judgement of exception claims: which claims are weak, and how well each rep tells.

With ``scenario.claims.enabled`` a complaint needing an exception makes a weak claim (one
not owed under the rules) with ``claims.weak_share`` (a column of the customer table).
The reps are a panel of seats, one per rep at the peak of the schedule of the pool that
takes calls; a claim is decided by the rep in a seat drawn from the customer's own
uniforms. Each seat's rep has an error multiplier ``m`` (lognormal, mean 1) on the odds
of each error: they grant a weak claim with the probability whose odds are ``m`` times
those of ``rep_weak_grant``, and refuse a legitimate one likewise from
``rep_legit_refuse`` (:func:`scaled`). Odds, not probabilities, are scaled so that an
error-prone rep's chance stays below 1 instead of being clipped there. An audit that
finds a weak claim granted is an error on the rep's record: under coaching (a policy
lever, :mod:`escalationsim.policy.rep`) the rep's multiplier falls by the coaching
effect, and after ``replace_after`` errors found the rep is replaced by a new one, whose
multiplier is a fresh draw (the initial error rates again). Seats' draws come from the
replication's ``judgement`` stream, so every policy meets the same reps.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from escalationsim.config.scenario import ClaimsConfig, ScenarioConfig
from escalationsim.engine.counters import Counter, declare
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.engine.mechanisms import Mechanism, register

if TYPE_CHECKING:
    from escalationsim.engine.context import RunContext

declare(
    Counter("rep_error_rate_start", "reps' mean error rate when the run starts", "judgement"),
    Counter("rep_error_rate_end", "reps' mean error rate when the run ends", "judgement"),
    Counter("reps_coached", "reps coached after audits found an error", "judgement"),
    Counter("reps_replaced", "reps replaced after audits found too many errors", "judgement"),
    Counter("audits_done", "audits of reps' decisions done", "judgement"),
    Counter("audit_errors_found", "errors the audits found", "judgement"),
)


declare_fields(
    Field(
        "rep",
        "i8",
        -1,
        "the seat of the rep who decided the claim (-1: none)",
        "judgement",
        recorded=False,
    ),
)


def scaled(p: float, m: float) -> float:
    """The probability whose odds are ``m`` times those of ``p`` (``p`` for ``m`` = 1,
    about ``m p`` for a small ``p``, never above 1)."""
    return p * m / (1.0 - p + p * m) if p < 1.0 else 1.0


@register
class RepJudgement(Mechanism):
    """The reps' error multipliers and records, by seat (a seat per rep of the pool
    that takes calls, at its peak head count); asked by the rep authorities when a
    weak or owed claim is decided."""

    name = "judgement"
    section = "claims"

    @classmethod
    def build(
        cls, ctx: RunContext, scenario: ScenarioConfig, rngs: dict[str, np.random.Generator]
    ) -> RepJudgement:
        phone_pool = ctx.pools[scenario.staff.work.phone.pool]
        return cls(scenario.claims, phone_pool.schedule.peak, rngs["judgement"])

    def __init__(self, cfg: ClaimsConfig, seats: int, rng: np.random.Generator) -> None:
        self.weak_grant = cfg.rep_weak_grant
        self.legit_refuse = cfg.rep_legit_refuse
        self.manager_weak_grant = cfg.manager_weak_grant
        self.sigma = cfg.rep_spread
        self.rng = rng
        self.seats = max(seats, 1)
        self.m = [self._new_rep() for _ in range(self.seats)]
        self.start_rate = self.error_rate()
        self.errors = [0] * self.seats  # errors found by audits, by seat (current rep)
        self.coached = 0
        self.replaced = 0
        self.audits = 0
        self.found = 0

    def _new_rep(self) -> float:
        """A new rep's error multiplier (lognormal with mean 1)."""
        s = self.sigma
        return math.exp(s * float(self.rng.standard_normal()) - 0.5 * s * s)

    def seat(self, u: float) -> int:
        """The seat of the rep who takes a claim, from a uniform ``u``."""
        return min(int(u * self.seats), self.seats - 1)

    def grants(self, seat: int, weak: bool, u: float) -> bool:
        """Whether the rep in ``seat`` grants a claim (weak or not), from a uniform ``u``."""
        m = self.m[seat]
        if weak:
            return u < scaled(self.weak_grant, m)
        return u >= scaled(self.legit_refuse, m)

    def manager_grants(self, weak: bool, approval_prob: float, u: float) -> bool:
        """Whether a manager's review grants a claim above the rep's budget: a legitimate
        one with the policy's ``approval_prob``, a weak one with ``manager_weak_grant``."""
        return u < (self.manager_weak_grant if weak else approval_prob)

    def audited(self, seat: int, wrong: bool, coaching_effect: float, replace_after: int) -> None:
        """An audit of a grant by the rep in ``seat`` found it ``wrong`` (a weak claim) or
        not; an error is coached (the multiplier falls by ``coaching_effect``) and, at
        ``replace_after`` errors (0: never), the rep is replaced."""
        self.audits += 1
        if not wrong:
            return
        self.found += 1
        self.errors[seat] += 1
        if replace_after and self.errors[seat] >= replace_after:
            self.m[seat] = self._new_rep()
            self.errors[seat] = 0
            self.replaced += 1
        elif coaching_effect > 0:
            self.m[seat] *= 1.0 - coaching_effect
            self.coached += 1

    def error_rate(self) -> float:
        """The reps' mean error rate: the mean over seats of the chances of granting a
        weak claim and of refusing a legitimate one, averaged."""
        rates = [0.5 * (scaled(self.weak_grant, m) + scaled(self.legit_refuse, m)) for m in self.m]
        return float(np.mean(rates))

    def counters(self) -> dict[str, float]:
        """Run-level figures for the KPIs."""
        return {
            "rep_error_rate_start": self.start_rate,
            "rep_error_rate_end": self.error_rate(),
            "reps_coached": float(self.coached),
            "reps_replaced": float(self.replaced),
            "audits_done": float(self.audits),
            "audit_errors_found": float(self.found),
        }
