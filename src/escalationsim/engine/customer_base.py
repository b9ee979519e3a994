"""Customers who remember: a finite customer base whose members complain more than once,
learn which channel works, and leave when they churn (``scenario.customers``).

The base has ``N = volume_per_day x 365 / complaints_per_customer_year`` customers, each
complaining as a Poisson process at that rate, with the arrival profile. The superposition
of N such processes is one Poisson stream whose arrivals belong to customers drawn
uniformly from the base; a customer answered before complains up to
``answered_rate_multiplier`` (m) times as often. So the customer table is drawn as a
stream of *candidate* complaints at m times the base volume, each with a customer id and
a uniform ``u_accept`` (the replication's ``customers`` stream), and a candidate becomes
a complaint when its customer is still in the base and ``u_accept x m`` is below the
customer's current rate multiplier (1, or m once answered). This is thinning of each
customer's own process, so:

- **common random numbers hold at the customer level**: every policy sees the same
  candidate stream (times, customer ids, uniforms, issues); the only differences between
  policies are the states their outcomes give customers (churned, answered, what they
  learned), which decide which candidates happen and where they start;
- a customer's attributes (followers, social use, knowing the CEO, persistence,
  patience, lifetime value) are those of their first complaint in the run, whose row is
  the same under every policy (a first candidate is kept by ``u_accept`` alone).

What a customer learns when a complaint closes: a named owner's direct line (policy
``ceo.redirects``) takes their next complaint (:mod:`.channels.owner`); a public post
answered makes them start on social next time with ``social_first_prob``; a letter
resolved at the CEO's inbox makes them write to the CEO first with ``ceo_first_prob``;
either raises their complaint rate to m (Ma, Sun & Kekre, Marketing Science 2015; Sun,
Gao & Rui, JMIS 2021: answering complaints raises future complaining). Churn is decided
as the complaint closes, with the same rule and uniform the analysis layer uses
(:mod:`.churn`); a churned customer leaves the base and their later candidates never
happen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from escalationsim.engine.churn import repurchase_prob
from escalationsim.kernel.codes import RESOLVED, STATUS_RESOLVED

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.customer import Customer


class Memory:
    """What the run knows of one customer of the base."""

    __slots__ = (
        "seq",
        "open",
        "churned",
        "rate",
        "social_first",
        "ceo_first",
        "owner",
        "followers",
        "uses_social",
        "knows_ceo",
        "persistence",
        "patience",
        "clv",
    )

    def __init__(self, c: Customer) -> None:
        self.seq = 0  # complaints made so far in the run
        self.open = 0  # complaints of theirs still open
        self.churned = False
        self.rate = 1.0  # complaint rate multiplier (answered_rate_multiplier once answered)
        self.social_first = False  # a public post of theirs was answered
        self.ceo_first = False  # a letter of theirs to the CEO was resolved
        self.owner = False  # they have a named owner's direct line
        self.followers = c.followers
        self.uses_social = c.uses_social
        self.knows_ceo = c.knows_ceo
        self.persistence = c.persistence
        self.patience = c.patience
        self.clv = c.clv


class CustomerBase:
    """The customers of a run who have complained so far, by id (see the module doc)."""

    def __init__(
        self, scenario: ScenarioConfig, social: int, ceo: int, owner: int, records: bool = False
    ) -> None:
        cfg = scenario.customers
        self.size = cfg.base_size(scenario.volume_per_day)
        self.m = cfg.answered_rate_multiplier
        self.social_first_prob = cfg.social_first_prob
        self.ceo_first_prob = cfg.ceo_first_prob
        self.churn = scenario.churn
        self.social = social
        self.ceo = ceo
        self.owner = owner
        # repeat complaints by id, whose rows take their customer's attributes (records)
        self.recorded: dict[int, Memory] | None = {} if records else None
        self.known: dict[int, Memory] = {}
        self.left = 0  # candidates whose customer had churned
        self.churned = 0  # customers who left the base

    def undecided(self, customer_id: int, u_accept: float) -> bool:
        """False if a candidate of this customer is certainly no complaint, judged before
        its time: the customer has no complaint open, so their state cannot change
        before it; True if it may be one (decided by :meth:`admit` at its time)."""
        memory = self.known.get(customer_id)
        if memory is not None and memory.open:
            return True
        return self._decide(memory, u_accept)

    def admit(self, c: Customer) -> bool:
        """Whether the candidate ``c`` is a complaint: its customer is still in the base
        and its uniform is within the customer's current rate."""
        return self._decide(self.known.get(c.customer_id), c.u_accept)

    def _decide(self, memory: Memory | None, u_accept: float) -> bool:
        """A candidate of the customer with ``memory`` (None: new) is a complaint: they
        are still in the base and ``u_accept`` is within their current rate."""
        if memory is None:
            return u_accept * self.m < 1.0
        if memory.churned:
            self.left += 1
            return False
        return u_accept * self.m < memory.rate

    def start(self, c: Customer, start: int) -> int:
        """The complaint happens: number it among its customer's, give it the customer's
        attributes, and return the channel it starts on (what the customer learned)."""
        memory = self.known.get(c.customer_id)
        if memory is None:
            memory = self.known[c.customer_id] = Memory(c)
        else:
            c.followers = memory.followers
            c.uses_social = memory.uses_social
            c.knows_ceo = memory.knows_ceo
            c.persistence = memory.persistence
            c.patience = memory.patience
            c.clv = memory.clv
            if self.recorded is not None:  # the complaint's row shows its customer's
                self.recorded[c.idx] = memory  # attributes (ComplaintLog.finalise)
        memory.seq += 1
        memory.open += 1
        c.complaint_seq = memory.seq
        c.memory = memory
        if memory.owner:  # the direct line they were given
            c.owner = True
            return self.owner
        if memory.ceo_first and c.u_first < self.ceo_first_prob:
            c.knows_ceo = True
            return self.ceo
        if memory.social_first and c.uses_social and c.u_first < self.social_first_prob:
            return self.social
        return start

    def closed(self, c: Customer, t: float) -> None:
        """The complaint closed: the customer remembers what worked, and churns or not."""
        memory: Memory = c.memory
        memory.open -= 1
        if c.knows_ceo:
            memory.knows_ceo = True
        if c.owner:
            memory.owner = True
        if c.posts_answered:
            memory.social_first = True
            memory.rate = self.m
        if c.ceo_outcome == RESOLVED:
            memory.ceo_first = True
            memory.rate = self.m
        resolved = c.status == STATUS_RESOLVED
        p = repurchase_prob(
            self.churn,
            c.needs_exception,
            resolved,
            c.resolved_at - c.arrival,
            resolved and c.final_channel == self.ceo,
        )
        if c.u_churn >= p and not memory.churned:
            memory.churned = True
            self.churned += 1

    def attributes(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """For the complaint table: by column, the ids of repeat complaints and the
        attributes of their customers (their rows were drawn for someone new)."""
        recorded = self.recorded or {}
        ids = np.fromiter(recorded, dtype=np.int64, count=len(recorded))
        mems = list(recorded.values())
        return {
            name: (ids, np.array([getattr(m, name) for m in mems]))
            for name in ("followers", "uses_social", "persistence", "clv")
        }

    def counters(self) -> dict[str, float]:
        """Run-level figures for the KPIs (over the whole run)."""
        return {
            "base_size": self.size,
            "customers_complained": float(len(self.known)),
            "customers_churned": float(self.churned),
            "complaints_not_made_churned": float(self.left),
        }
