"""The run as the journey, the channels and the policy's levers see it.

A :class:`RunContext` is the narrow interface between a run and the code that acts in
it: the clock, a customer's private random numbers, the staff pools, the CEO's inbox,
and the few things that change a complaint (hold a worker, resolve, grant an exception,
audit, publicise, close). Channels and levers get this object and nothing else of the
run; the :class:`~escalationsim.engine.model.Model` builds it and owns everything else
(arrivals, the recorder, the measurement window).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.engine.staff import AUDIT_SLOT
from escalationsim.kernel.codes import DENIED, RESOLVED, UNRESOLVED, Role
from escalationsim.kernel.draws import PrivateDraws
from escalationsim.kernel.process import LightProcess

if TYPE_CHECKING:
    from escalationsim.engine.backoffice import BackOffice
    from escalationsim.engine.channels.registry import Channel
    from escalationsim.engine.customer import Customer
    from escalationsim.engine.customer_base import CustomerBase
    from escalationsim.engine.judgement import RepJudgement
    from escalationsim.engine.levers import Levers
    from escalationsim.engine.mechanisms import Mechanism
    from escalationsim.engine.publicity import Publicity
    from escalationsim.engine.weighing import Weighing
    from escalationsim.kernel.ceo_desk import CeoDesk
    from escalationsim.kernel.staff_pool import StaffPool


PRIORITY_CLASS = 1000.0
"""Queue priority of one priority class of work (``staff.work.<kind>.priority``). Within
a class a policy may order requests by a value in (-PRIORITY_CLASS/2, PRIORITY_CLASS/2)
(e.g. bigger social accounts first); lower is served first."""


declare_fields(
    Field("compensation", "f8", 0.0, "value of the exceptions granted (USD)", "context"),
    Field(
        "impressions",
        "f8",
        0.0,
        "negative impressions its unanswered or angry posts made",
        "context",
    ),
    Field("granted", "?", False, "an exception was granted", "context"),
)


class RunContext:
    """What channels and levers may use of a run (see the module doc)."""

    MECHANISMS = ("backoffice", "judgement", "base", "publicity", "weighing")
    """The mechanisms (:mod:`escalationsim.engine.mechanisms`) held as attributes: the
    project's own, read on hot paths (``None`` when off); a plugin's is in
    ``mechanisms`` only."""

    def __init__(
        self,
        env: simpy.Environment,
        draws: PrivateDraws,
        pools: dict[str, Any],
        policy: Levers,
        routine_fix_prob: float,
        max_retries: int,
        retry_delay_h: float,
        escalate_delay_h: float,
        finish: Callable[[Customer, int], None],
    ) -> None:
        self.env = env
        self.draws = draws
        # a customer's private draws, bound once (they run several times per contact)
        self.uniform = draws.uniform
        self.expo = draws.expo
        self.normal = draws.normal
        self.handle = draws.handle
        self.own_row = draws.own_row
        self.pools: dict[str, StaffPool] = {k: v for k, v in pools.items() if k != "ceo"}
        self.ceo: CeoDesk = pools["ceo"]
        self.policy = policy
        self.routine_fix_prob = routine_fix_prob
        self.max_retries = max_retries
        self.retry_delay_h = retry_delay_h
        self.escalate_delay_h = escalate_delay_h
        self.finish = finish  # close a complaint with a status (the model records it)
        # Who does each kind of work (scenario.staff.work): pool and priority.
        self.routes: dict[str, tuple[StaffPool, float, int]] = {}
        # Set by the model from the scenario's behaviour and back-office settings:
        self.switch_prob = 0.0
        self.roulette_prob = 0.0
        self.max_roulette = 0
        # Mechanisms (engine.mechanisms), set by the model: None when off
        self.mechanisms: dict[str, Mechanism] = {}
        self.backoffice: BackOffice | None = None
        self.judgement: RepJudgement | None = None  # reps' judgement of weak claims, if on
        self.base: CustomerBase | None = None  # customers who remember, if on
        self.lost_prob = 0.0  # chance a promise made without a ticket is lost
        self.publicity: Publicity | None = None  # negative impressions reach the base, if on
        self.weighing: Weighing | None = None  # customers who weigh their claim, if on
        self.end_h = math.inf  # when the run ends (horizon plus drain)
        # Set by the model once the channels are built:
        self.channels: dict[str, Channel] = {}
        self.contact: list[Callable[[Customer], Any]] = []  # contact process by code
        self.retryable: list[bool] = []  # by code
        self.tracked: list[bool] = []  # tickets kept on the channel, by code
        self.ladder: list[tuple[int, int, str | None]] = []  # (bit, code, requires)
        self.alternative: list[int] = []  # code of the channel to switch to, or -1, by code
        self.work_of: list[str | None] = []  # kind of work serving each channel, by code
        self._publicity: list[Callable[[float, float], None]] = []

    # ------------------------------------------------------------------ work

    def hold(self, c: Customer, pool: StaffPool, task: str, ticket: bool = False) -> simpy.Event:
        """A granted worker of ``pool`` handles ``task`` for ``c`` (plus a ticket if
        ``ticket``): the event to yield until the worker is done."""
        handle = self.handle
        d = handle(task, c)
        if ticket:
            d += handle("ticketing", c)
        c.hours[pool.index] += d
        return pool.work(d)

    def staff_task(
        self,
        c: Customer,
        pool: StaffPool,
        task: str,
        priority: float = 0.0,
        ticket: bool = False,
        reserve: int = 0,
    ) -> Generator[Any, Any, None]:
        """Queue for ``pool`` without reneging (starting only while ``reserve`` other
        workers stay free), then handle ``task`` for ``c``."""
        wait = pool.request(priority, reserve)
        if wait is not None:
            yield wait
        yield self.hold(c, pool, task, ticket=ticket)
        pool.release()

    def route(self, kind: str) -> tuple[StaffPool, float, int]:
        """The pool that does work of ``kind``, the queue priority of its class, and how
        many of the pool's workers must stay free for other work before it starts."""
        return self.routes[kind]

    def work(
        self, c: Customer, kind: str, task: str | None = None, ticket: bool = False
    ) -> Generator[Any, Any, None]:
        """Work of ``kind`` for ``c`` by the pool it is routed to (no reneging): handling
        time of ``task`` (default: ``kind``). :meth:`staff_task`, inlined (one generator
        fewer in the chain every resumption passes through: the office's, the back
        office's and the owners' work)."""
        pool, priority, reserve = self.routes[kind]
        wait = pool.request(priority, reserve)
        if wait is not None:
            yield wait
        yield self.hold(c, pool, task or kind, ticket=ticket)
        pool.release()

    def chase(self, c: Customer, kind: str) -> Generator[Any, Any, None]:
        """``c`` chases promised back-office work ("where is my refund?"): a contact
        handled as work of ``kind`` (a rep's, the owner's...)."""
        yield from self.work(c, kind, "chase")

    def audit(self, c: Customer, found: Callable[[Customer], None] | None = None) -> None:
        """A manager audits a granted exception later, at low priority; the customer does
        not wait for it. Its hours are booked to the complaint now. ``found(c)`` is
        called when the audit is done (it learns whether the claim was owed)."""
        d = self.handle("audit", c)
        c.hours[AUDIT_SLOT] += d
        pool, priority, reserve = self.routes["audit"]
        if found is None:
            LightProcess(pool.serve(d, priority, reserve))
        else:
            LightProcess(self._audit(c, pool.serve(d, priority, reserve), found))

    @staticmethod
    def _audit(
        c: Customer, serve: Generator[Any, Any, None], found: Callable[[Customer], None]
    ) -> Generator[Any, Any, None]:
        yield from serve
        found(c)

    def ceo_task(self, c: Customer, task: str, ticket: bool) -> Generator[Any, Any, None]:
        """A letter in the CEO's inbox (ticketed first by the executive office if
        ``ticket``); returns when the CEO has finished it."""
        if ticket:
            yield from self.work(c, "office", "ticketing")
        yield self.ceo.send(self.handle(task, c), c.hours)

    # ------------------------------------------------------------------ outcomes

    def resolve(self, c: Customer, role: Role) -> None:
        """``role`` resolves the complaint now."""
        c.resolved_by = role
        c.resolved_at = self.env.now

    def grant(self, c: Customer, role: Role) -> None:
        """Resolve by granting the exception the customer needs."""
        c.compensation += c.exception_value
        c.granted = True
        self.resolve(c, role)

    def as_owner(self, c: Customer, role: Role) -> int:
        """``role`` resolves as an owner would: a routine issue fixed, an exception owed
        granted, a weak claim granted only as a manager's review would (with weak claims
        on: ``claims.manager_weak_grant``); returns the contact's outcome."""
        if not c.needs_exception:
            self.resolve(c, role)
            return RESOLVED
        judgement = self.judgement
        if (
            judgement is not None
            and c.claim_weak
            and not judgement.manager_grants(True, 1.0, self.uniform(c))
        ):
            return DENIED
        self.grant(c, role)
        return RESOLVED

    def routine(self, c: Customer, role: Role) -> int:
        """A routine issue (no exception needed) is fixed with the routine fix
        probability; returns the contact's outcome."""
        if self.uniform(c) < self.routine_fix_prob:
            self.resolve(c, role)
            return RESOLVED
        return UNRESOLVED

    def impressions(self, c: Customer, amount: float) -> None:
        """``c``'s public post earns ``amount`` negative impressions (seen now by the
        customer base if publicity spreads)."""
        c.impressions += amount
        if self.publicity is not None:
            self.publicity.add(amount, self.env.now)

    def publicise(self, weight: float) -> None:
        """A visible answer of weight ``weight`` happened now (word of mouth hears it)."""
        now = self.env.now
        for listener in self._publicity:
            listener(weight, now)

    def on_publicity(self, listener: Callable[[float, float], None]) -> None:
        """Call ``listener(weight, now)`` for every visible answer."""
        self._publicity.append(listener)
