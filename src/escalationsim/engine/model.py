"""One simulation run: a scenario, a policy, a customer population, a SimPy environment.

:class:`Model` wires staff pools, the CEO's desk, the policy's levers and the customer
journeys together, runs to the horizon and returns a :class:`RunResult`: the complaint
log (one row per complaint that arrived after the warm-up) or, without records, the
tally of those complaints, and run-level measurements (utilisation, queue backlogs,
counters). It knows nothing of files or Hydra.
"""

from __future__ import annotations

import gc
import math
import sys
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from escalationsim.config import Dist, HandleTime, PolicyConfig, ScenarioConfig
from escalationsim.engine import channels
from escalationsim.engine.customer import Customer, journey
from escalationsim.engine.population import CEO, CHANNEL_CODES, SOCIAL, Population
from escalationsim.engine.records import ComplaintLog, ComplaintTally
from escalationsim.kernel.codes import Role, Status
from escalationsim.kernel.process import LightProcess
from escalationsim.kernel.rng import N_UNIFORM, ROW, BlockDraws, CustomerDraws
from escalationsim.kernel.staff import AUDIT_SLOT, STAFF_ROLES, CeoDesk, StaffPool, head_counts
from escalationsim.policy.policies import Floodgates, Policy, RootCause, build_policy


@dataclass
class RunResult:
    """What one (policy, replication) run produced."""

    policy: str
    replication: int
    log: ComplaintLog | ComplaintTally
    window_h: tuple[float, float]
    utilisation: dict[str, float]
    busy_h: dict[str, float]
    staff_count: dict[str, int]
    backlog: dict[str, np.ndarray]
    inflow: dict[str, int]
    counters: dict[str, float] = field(default_factory=dict)


class _Sampler:
    """Draws one task's handling time in hours."""

    __slots__ = ("kind", "lognormal", "exponential", "mu", "sigma", "mean_h")

    def __init__(self, ht: HandleTime) -> None:
        self.mean_h = ht.mean_min / 60.0
        self.kind = Dist(ht.dist)
        self.lognormal = self.kind is Dist.lognormal
        self.exponential = self.kind is Dist.exponential
        s2 = math.log1p(ht.cv * ht.cv)
        self.sigma = math.sqrt(s2)
        self.mu = math.log(self.mean_h) - 0.5 * s2


def _chunks(
    pop: Population, first: int, draws: CustomerDraws, size: int = 4096
) -> Iterator[tuple[Customer, int, float, float]]:
    """The customers of a block, ``size`` at a time: each as a new :class:`Customer`
    (index, arrival time, attributes, and the block and row index of its private row in
    ``draws``) with its cause and the uniforms that decide whether word of mouth sends it
    to the CEO and whether a root-cause fix prevents it."""
    for lo in range(0, len(pop), size):
        hi = min(lo + size, len(pop))
        rows, row_index = draws.take(hi - lo)
        customers = map(
            Customer,
            range(first + lo, first + hi),
            pop.arrival_h[lo:hi].tolist(),
            pop.followers[lo:hi].tolist(),
            pop.first_channel[lo:hi].tolist(),
            pop.uses_social[lo:hi].tolist(),
            pop.knows_ceo[lo:hi].tolist(),
            pop.persistence[lo:hi].tolist(),
            pop.patience[lo:hi].tolist(),
            pop.needs_exception[lo:hi].tolist(),
            pop.exception_value[lo:hi].tolist(),
            pop.clv[lo:hi].tolist(),
            pop.u_churn[lo:hi].tolist(),
            rows,
            row_index,
        )
        yield from zip(
            customers,
            pop.cause[lo:hi].tolist(),
            pop.u_direct[lo:hi].tolist(),
            pop.u_prevent[lo:hi].tolist(),
            strict=True,
        )


@contextmanager
def fewer_collections(gen0: int = 50_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often while the block runs.

    A run creates and drops several container objects per contact (events, generators,
    customers); with CPython's default threshold of 700 allocations the collector runs
    every few customers and takes about a tenth of the run time. Only the first
    generation's threshold is raised; the previous thresholds are restored on exit.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], gen0), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


class Model:
    """The wiring of one run. Channel and lever code calls back into its helpers."""

    def __init__(
        self,
        scenario: ScenarioConfig,
        policy: PolicyConfig | Policy,
        population: Population | Iterable[Population],
        rngs: dict[str, np.random.Generator],
        horizon_h: float,
        warmup_h: float,
        replication: int = 0,
        drain_h: float = 0.0,
        records: bool = True,
    ) -> None:
        self.scenario = scenario
        self.policy = policy if isinstance(policy, Policy) else build_policy(policy)
        if records and not isinstance(population, Population):
            population = Population.concat(list(population))
        self.horizon_h = horizon_h
        self.warmup_h = warmup_h
        self.drain_h = drain_h
        self.ceo_owed_at_horizon = 0.0
        self.ceo_letters_at_horizon = 0
        self.replication = replication
        self.env = env = simpy.Environment()
        window = (warmup_h, horizon_h)
        st = scenario.staff
        counts = head_counts(scenario)

        def pool(name: str) -> StaffPool:
            cfg = getattr(st, name)
            return StaffPool(env, name, counts[name], cfg.hourly_cost_usd, window)

        self.reps = pool("reps")
        self.social = pool("social")
        self.managers = pool("managers")
        self.exec_office = pool("exec_office")
        self.ceo = CeoDesk(
            env,
            st.ceo.hours_per_week,
            st.ceo.days_per_week,
            st.ceo.start_hour,
            st.ceo.hourly_cost_usd,
            window,
        )
        self.floodgates = Floodgates(self.policy.floodgates_lever)
        self.root_cause = RootCause(self.policy.root_cause_lever)
        self.contact = channels.CONTACT
        self.draws = CustomerDraws(rngs["journey"])
        self._u_overflow = BlockDraws(rngs["overflow"], "uniform")
        self._z_overflow = BlockDraws(rngs["overflow"], "normal")
        self._samplers = {
            name: _Sampler(getattr(scenario.handle_times, name))
            for name in scenario.handle_times.__dataclass_fields__
        }
        phone_patience = scenario.channels.phone.patience_mean_s
        self.phone_patience_h = None if phone_patience is None else phone_patience / 3600.0
        self.email_patience_h = scenario.channels.email.patience_mean_h
        self.email_triage_h = scenario.channels.email.triage_mean_h
        self.routine_fix_prob = scenario.behaviour.routine_fix_prob
        self.deadline_h = scenario.channels.ceo.response_deadline_days * 24.0
        self.ticket_social = self.policy.tracking.tracks(SOCIAL)
        self.ticket_ceo = self.policy.tracking.tracks(CEO)
        untracked = sum(1 << ch for ch in CHANNEL_CODES if not self.policy.tracking.tracks(ch))
        # The customer table, as blocks read one after another during the run.
        self._blocks = [population] if isinstance(population, Population) else population
        self.log: ComplaintLog | ComplaintTally
        if records:
            assert isinstance(population, Population)
            start = int(np.searchsorted(population.arrival_h, warmup_h))
            self.log = ComplaintLog(population, start, len(population), scenario.churn, untracked)
        else:
            first_day = int(warmup_h // 24)
            n_days = math.ceil(horizon_h / 24) - first_day
            self.log = ComplaintTally(scenario, first_day, n_days, untracked)
        self.active: dict[int, Customer] = {}
        self._queues = dict(
            zip(
                STAFF_ROLES,
                (self.reps, self.social, self.managers, self.exec_office, self.ceo),
                strict=True,
            )
        )
        self._snapshots: dict[str, list[int]] = {k: [] for k in self._queues}

    # ------------------------------------------------------------------ random draws

    def uniform(self, c: Customer) -> float:
        """The next of customer ``c``'s private uniforms on [0, 1) (then the overflow
        stream's, once the row's are used up)."""
        n = c.nu
        if n < N_UNIFORM:
            c.nu = n + 1
            return c.draws.item(c.row, n)
        return self._u_overflow()

    def expo(self, c: Customer) -> float:
        """A standard exponential variate from ``c``'s uniforms."""
        return -math.log1p(-self.uniform(c))

    def normal(self, c: Customer) -> float:
        """The next of customer ``c``'s private standard normals (then the overflow
        stream's)."""
        n = c.nz
        if n < ROW:
            c.nz = n + 1
            return c.draws.item(c.row, n)
        return self._z_overflow()

    @staticmethod
    def own_row(c: Customer) -> None:
        """Give ``c`` a copy of its private row, so that a long wait (a letter in the
        CEO's inbox can wait for weeks) does not keep its whole block of rows in memory."""
        if len(c.draws) > 1:
            c.draws = c.draws[c.row : c.row + 1].copy()
            c.row = 0

    def handle(self, task: str, c: Customer) -> float:
        """A handling time for ``task`` done for ``c``, in hours."""
        s = self._samplers[task]
        if s.lognormal:  # exp(mu + sigma * normal(c)), the draw inlined: this runs per task
            n = c.nz
            if n < ROW:
                c.nz = n + 1
                return math.exp(s.mu + s.sigma * c.draws.item(c.row, n))
            return math.exp(s.mu + s.sigma * self._z_overflow())
        if s.exponential:  # mean_h * expo(c), inlined likewise
            n = c.nu
            if n < N_UNIFORM:
                c.nu = n + 1
                return s.mean_h * -math.log1p(-c.draws.item(c.row, n))
            return s.mean_h * -math.log1p(-self._u_overflow())
        return s.mean_h

    # ------------------------------------------------------------------ work and money

    def hold(self, c: Customer, pool: StaffPool, task: str, ticket: bool = False) -> simpy.Event:
        """A granted worker of ``pool`` handles ``task`` for ``c`` (plus ticketing): the
        event to yield until the worker is done."""
        d = self.handle(task, c)
        if ticket:
            d += self.handle("ticketing", c)
        c.hours[pool.index] += d
        return pool.work(d)

    def staff_task(
        self, c: Customer, pool: StaffPool, task: str, priority: float = 0.0
    ) -> Generator[Any, Any, None]:
        """Queue for ``pool`` without reneging, then handle ``task`` for ``c``."""
        wait = pool.request(priority)
        if wait is not None:
            yield wait
        ticket = pool is self.exec_office and self.ticket_ceo and task != "ticketing"
        yield self.hold(c, pool, task, ticket=ticket)
        pool.release()

    def audit(self, c: Customer) -> None:
        """A manager audits a granted exception later, at low priority; the customer does
        not wait for it. Its hours are booked to the complaint now."""
        d = self.handle("audit", c)
        c.hours[AUDIT_SLOT] += d
        LightProcess(self.managers.serve(d, priority=1))

    def ceo_task(self, c: Customer, task: str) -> Generator[Any, Any, None]:
        """A letter in the CEO's inbox (ticketed first by the executive office if tickets
        are kept on the CEO channel); returns when the CEO has finished it."""
        if self.ticket_ceo:
            yield from self.staff_task(c, self.exec_office, "ticketing", priority=0)
        yield self.ceo.send(self.handle(task, c), c.hours)

    def grant(self, c: Customer, role: Role) -> None:
        """Resolve by granting the exception the customer needs."""
        c.compensation += c.exception_value
        self.resolve(c, role)

    def resolve(self, c: Customer, role: Role) -> None:
        c.resolved_by = role
        c.resolved_at = self.env.now

    # ------------------------------------------------------------------ lifecycle

    def finish(self, c: Customer, status: Status) -> None:
        """Close a complaint: record it (if inside the window)."""
        c.status = status
        self.active.pop(c.idx, None)
        self.log.record(c)

    def _arrivals(self) -> Generator[Any, Any, None]:
        """Start each customer's journey at their arrival time. The customer table is
        read a block at a time (Python lists of one block, not of the whole horizon)."""
        env = self.env
        rc = self.root_cause
        fg = self.floodgates
        word_of_mouth = fg.strength > 0
        tracks = self.policy.tracking.tracks
        log = self.log
        active = self.active
        lo = 0  # index of the first customer of the block
        for block in self._blocks:
            if log.start == sys.maxsize:  # the window starts in this block or later
                k = int(np.searchsorted(block.arrival_h, self.warmup_h))
                if k < len(block):
                    log.start = lo + k
            for c, cause, ud, up in _chunks(block, lo, self.draws):
                t = c.arrival
                now = env.now
                if t > now:
                    yield simpy.Timeout(env, t - now)
                if t >= rc.fix_time and rc.prevents(cause, up, t):
                    if c.idx >= log.start:
                        log.prevented += 1
                    continue
                start = c.first_channel
                if word_of_mouth and ud < fg.direct_share(t):
                    start = CEO
                    c.knows_ceo = True
                if rc.enabled:
                    rc.observe(cause, tracks(start), t)
                active[c.idx] = c
                LightProcess(journey(self, c, start))
            lo += len(block)

    def _monitor(self) -> Generator[Any, Any, None]:
        """Daily snapshot of every queue's length over the window."""
        env = self.env
        if self.warmup_h > 0:
            yield env.timeout(self.warmup_h)
        while env.now < self.horizon_h:
            for k, q in self._queues.items():
                self._snapshots[k].append(q.queue_length)
            yield env.timeout(24.0)

    def run(self) -> RunResult:
        """Simulate to the horizon, let measured complaints finish for the drain period
        (no new arrivals), and collect the results."""
        LightProcess(self._arrivals())
        self.env.process(self._monitor())
        end = self.horizon_h + self.drain_h
        with fewer_collections():
            self.env.run(until=self.horizon_h)
            self.ceo_owed_at_horizon = self.ceo.hours_owed()
            self.ceo_letters_at_horizon = self.ceo.queue_length
            if end > self.horizon_h:
                self.env.run(until=end)
        fine = self.scenario.channels.ceo.deadline_fine_usd
        for c in list(self.active.values()):
            if c.ceo_since >= 0:
                c.ceo_wait_h = end - c.ceo_since  # still waiting: a lower bound
                if c.ceo_wait_h > self.deadline_h:
                    c.penalty += fine  # no answer from the CEO channel, past the deadline
                    c.deadline_breaches += 1
            self.log.record(c)
        self.active.clear()
        self.log.finalise()
        util = {k: q.utilisation() for k, q in self._queues.items()}
        busy = {k: q.busy_h for k, q in self._queues.items()}
        counts = {k: getattr(q, "count", 1) for k, q in self._queues.items()}
        counters = {
            "root_cause_fixed_at_h": self.root_cause.fix_time,
            "fix_cost": self.root_cause.fix_cost
            if self.warmup_h <= self.root_cause.fix_time < self.horizon_h
            else 0.0,
            "ceo_available_h": self.ceo.available_h(self.warmup_h, self.horizon_h),
            "ceo_hours_owed": self.ceo_owed_at_horizon,
            "ceo_letters_at_horizon": self.ceo_letters_at_horizon,
        }
        return RunResult(
            policy=self.policy.name,
            replication=self.replication,
            log=self.log,
            window_h=(self.warmup_h, self.horizon_h),
            utilisation=util,
            busy_h=busy,
            staff_count=counts,
            backlog={k: np.asarray(v, dtype=np.int64) for k, v in self._snapshots.items()},
            inflow={k: q.inflow for k, q in self._queues.items()},
            counters=counters,
        )
