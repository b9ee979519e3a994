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

from array import array
from typing import TYPE_CHECKING

import numpy as np

from escalationsim.engine import channels
from escalationsim.engine.churn import repurchase_prob
from escalationsim.engine.counters import Counter, declare
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.engine.mechanisms import Mechanism, register
from escalationsim.kernel.codes import RESOLVED, STATUS_RESOLVED

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

declare(
    Counter("base_size", "customers in the base", "customer_base"),
    Counter("customers_complained", "customers who complained at least once", "customer_base"),
    Counter("customers_churned", "customers who churned and left the base", "customer_base"),
    Counter(
        "complaints_not_made_churned",
        "complaints not made because their customer had left",
        "customer_base",
    ),
)


declare_fields(
    Field(
        "complaint_seq",
        "i4",
        1,
        "its number among its customer's complaints in the run",
        "customer_base",
        slot=True,
    ),
    Field(
        "memory",
        "O",
        None,
        "the customer's row in the customer base's memory",
        "customer_base",
        recorded=False,
        slot=True,
    ),
)


class Memory:
    """What the run knows of the customers who have complained: one row each, in the
    order of their first complaint, as typed columns (``array.array``).

    Why columns and not one object per customer: at a million complaints about 550,000
    customers have complained, and an object each (with its four floats) cost about 220
    bytes against about 55 here, the difference between ``ceo_responds`` fitting in 1 GiB
    at 10^6 complaints with records on or not. An ``array`` item reads and writes about
    as fast as an attribute (a numpy array's item is slower), and the columns grow with
    the customers who complained, not with the base (which can be tens of millions).
    Booleans are bytes (0 or 1), read back as ``bool``.

    Speed: the columns are allocated ``GROW`` rows ahead, filled with each column's
    starting value, so a new customer costs six item stores and no method call (13
    appends did, one new customer per complaint or so).
    """

    FLAGS = ("churned", "social_first", "ceo_first", "owner", "uses_social", "knows_ceo")
    REALS = ("rate", "persistence", "patience", "clv")
    COUNTS = ("seq", "open", "followers")
    START = {"rate": 1.0}  # a column's value before anything happened (else 0)
    GROW = 65_536  # rows added at a time: a few megabytes at most unused
    FIXED = ("followers", "uses_social", "persistence", "patience", "clv")
    """A customer's attributes as their first complaint in the run had them, which their
    later complaints take (:meth:`CustomerBase.start`) and nothing changes afterwards
    (``knows_ceo``, which they take too, is also learned: :meth:`CustomerBase.closed`)."""

    def __init__(self) -> None:
        self.row: dict[int, int] = {}  # customer id -> row
        self.rows = 0  # rows in use
        self._codes: dict[str, str] = {}  # column -> array type code
        for names, code in ((self.FLAGS, "b"), (self.REALS, "d"), (self.COUNTS, "q")):
            for name in names:
                setattr(self, name, array(code))
                self._codes[name] = code
        self._capacity = 0

    def _grow(self) -> None:
        """``GROW`` more rows in every column, holding the column's starting value."""
        for name, code in self._codes.items():
            getattr(self, name).extend(array(code, [self.START.get(name, 0)]) * self.GROW)
        self._capacity += self.GROW

    def add(self, c: Customer) -> int:
        """A new row for the customer of ``c`` (their first complaint), with its
        attributes; return it. The row's state columns hold their starting values: no
        complaints made or open, not churned, complaint rate multiplier 1 (m once
        answered), no public post or CEO letter answered, no owner's direct line."""
        r = self.rows
        if r == self._capacity:
            self._grow()
        self.rows = r + 1
        self.row[c.customer_id] = r
        self.followers[r] = c.followers
        self.uses_social[r] = c.uses_social
        self.knows_ceo[r] = c.knows_ceo
        self.persistence[r] = c.persistence
        self.patience[r] = c.patience
        self.clv[r] = c.clv
        return r

    def values(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Column ``name`` at ``rows``, as a new numpy array (booleans as 0 or 1). The
        column's buffer is released on return, so that it can grow again (a view of it
        left behind would raise here, not at the next growth)."""
        column = getattr(self, name)
        with memoryview(column) as buffer:
            out = np.frombuffer(buffer, dtype=column.typecode)[rows]
        return out


@register
class CustomerBase(Mechanism):
    """The customers of a run who have complained so far, by id (see the module doc);
    the arrivals loop asks it whether a candidate is a complaint and where it starts,
    and tells it when a complaint closes."""

    name = "base"
    section = "customers"

    @classmethod
    def build(
        cls, ctx: RunContext, scenario: ScenarioConfig, rngs: dict[str, np.random.Generator]
    ) -> CustomerBase:
        code = channels.code
        return cls(scenario, code("social"), code("ceo"), code("owner"))

    def __init__(self, scenario: ScenarioConfig, social: int, ceo: int, owner: int) -> None:
        cfg = scenario.customers
        self.size = cfg.base_size(scenario.volume_per_day)
        self.m = cfg.answered_rate_multiplier
        self.social_first_prob = cfg.social_first_prob
        self.ceo_first_prob = cfg.ceo_first_prob
        self.churn = scenario.churn
        self.social = social
        self.ceo = ceo
        self.owner = owner
        self.mem = mem = Memory()
        # the columns read for every candidate, bound here: one attribute hop fewer each
        self._row, self._open, self._churned, self._rate = mem.row, mem.open, mem.churned, mem.rate
        self.left = 0  # candidates whose customer had churned
        self.churned = 0  # customers who left the base

    def undecided(self, customer_id: int, u_accept: float) -> bool:
        """False if a candidate of this customer is certainly no complaint, judged before
        its time: the customer has no complaint open, so their state cannot change
        before it; True if it may be one (decided by :meth:`admit` at its time)."""
        r = self._row.get(customer_id)
        if r is not None and self._open[r]:
            return True
        return self._decide(r, u_accept)

    def admit(self, c: Customer) -> bool:
        """Whether the candidate ``c`` is a complaint: its customer is still in the base
        and its uniform is within the customer's current rate."""
        return self._decide(self._row.get(c.customer_id), c.u_accept)

    def _decide(self, r: int | None, u_accept: float) -> bool:
        """A candidate of the customer in row ``r`` (None: new) is a complaint: they are
        still in the base and ``u_accept`` is within their current rate."""
        if r is None:
            return u_accept * self.m < 1.0
        if self._churned[r]:
            self.left += 1
            return False
        return u_accept * self.m < self._rate[r]

    def start(self, c: Customer, start: int) -> int:
        """The complaint happens: number it among its customer's, give it the customer's
        attributes (those of their first complaint, which its row then shows), and return
        the channel it starts on (what the customer learned)."""
        mem = self.mem
        r = mem.row.get(c.customer_id)
        if r is None:
            r = mem.add(c)
        else:
            c.followers = mem.followers[r]
            c.uses_social = bool(mem.uses_social[r])
            c.knows_ceo = bool(mem.knows_ceo[r])
            c.persistence = mem.persistence[r]
            c.patience = mem.patience[r]
            c.clv = mem.clv[r]
        seq = mem.seq[r] + 1
        mem.seq[r] = seq
        mem.open[r] += 1
        c.complaint_seq = seq
        c.memory = r
        if mem.owner[r]:  # the direct line they were given
            c.owner = True
            return self.owner
        if mem.ceo_first[r] and c.u_first < self.ceo_first_prob:
            c.knows_ceo = True
            return self.ceo
        if mem.social_first[r] and c.uses_social and c.u_first < self.social_first_prob:
            return self.social
        return start

    def closed(self, c: Customer, t: float) -> None:
        """The complaint closed: the customer remembers what worked, and churns or not."""
        mem = self.mem
        r: int = c.memory
        mem.open[r] -= 1
        if c.knows_ceo:
            mem.knows_ceo[r] = 1
        if c.owner:
            mem.owner[r] = 1
        if c.posts_answered:
            mem.social_first[r] = 1
            mem.rate[r] = self.m
        if c.ceo_outcome == RESOLVED:
            mem.ceo_first[r] = 1
            mem.rate[r] = self.m
        resolved = c.status == STATUS_RESOLVED
        p = repurchase_prob(
            self.churn,
            c.needs_exception,
            resolved,
            c.resolved_at - c.arrival,
            resolved and c.final_channel == self.ceo,
        )
        if c.u_churn >= p and not mem.churned[r]:
            mem.churned[r] = 1
            self.churned += 1

    def counters(self) -> dict[str, float]:
        """Run-level figures for the KPIs (over the whole run)."""
        return {
            "base_size": self.size,
            "customers_complained": float(len(self.mem.row)),
            "customers_churned": float(self.churned),
            "complaints_not_made_churned": float(self.left),
        }
