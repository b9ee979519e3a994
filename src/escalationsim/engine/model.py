"""One simulation run: a scenario, a policy, a customer population, a SimPy environment.

:class:`Model` wires the staff, the channels (from the channel registry), the policy's
levers and the customer journeys together through a
:class:`~escalationsim.engine.context.RunContext`, runs to the horizon and returns a
:class:`RunResult`: the complaint log (one row per complaint that arrived after the
warm-up) or, without records, the tally of those complaints, and run-level measurements
(utilisation, queue backlogs, counters). It knows nothing of files, Hydra or KPIs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from escalationsim.config.scenario import ScenarioConfig

# the mechanisms' modules register them (engine.mechanisms): imported for that
from escalationsim.engine import (  # noqa: F401
    backoffice,
    channels,
    judgement,
    mechanisms,
    publicity,
    weighing,
)
from escalationsim.engine import counters as run_counters
from escalationsim.engine.arrivals import arrivals
from escalationsim.engine.backoffice import LEAD_TIME
from escalationsim.engine.contact_log import ContactLog
from escalationsim.engine.context import PRIORITY_CLASS, RunContext
from escalationsim.engine.customer import Customer
from escalationsim.engine.customer_base import CustomerBase
from escalationsim.engine.levers import Levers, hooks
from escalationsim.engine.population import Population
from escalationsim.engine.recorder import ComplaintLog, ComplaintTally
from escalationsim.engine.staff import build_staff, configured_schedules
from escalationsim.kernel.codes import ROLE_NONE
from escalationsim.kernel.collect import fewer_collections
from escalationsim.kernel.draws import PrivateDraws, Sampler
from escalationsim.kernel.loop import run_until
from escalationsim.kernel.process import LightProcess
from escalationsim.kernel.rng import CustomerDraws
from escalationsim.kernel.schedule import Schedule

run_counters.declare(
    run_counters.Counter("ceo_available_h", "CEO complaint hours scheduled in the window", "model"),
    run_counters.Counter(
        "ceo_hours_owed", "CEO hours the letters in the inbox at the horizon still need", "model"
    ),
    run_counters.Counter(
        "ceo_letters_at_horizon", "letters in the CEO's inbox at the horizon", "model"
    ),
)


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
    """Peak head count by pool (1 for the CEO)."""
    backlog: dict[str, np.ndarray]
    """Each queue's length at the start of every day of the window (every ``monitor_h``)."""
    inflow: dict[str, int]
    """Requests made inside the window, by pool."""
    served: dict[str, int] = field(default_factory=dict)
    """Of those, the requests that got a worker (the CEO: letters finished) by the end."""
    counters: dict[str, float] = field(default_factory=dict)
    untracked: int = 0
    """Bit mask of the channels on which the policy keeps no tickets."""
    paid_h: dict[str, float] = field(default_factory=dict)
    """Paid worker-hours in the window by pool (the schedule's; the CEO's complaint hours)."""
    end_h: float = 0.0
    """The end of the run (horizon plus drain): where unresolved complaints are censored."""
    contacts: pd.DataFrame | None = None
    """One row per contact that arrived in the window (:mod:`.contact_log`), if asked for."""


class Model:
    """The wiring of one run.

    ``staff_counts``: each pool's schedule or constant head count (the experiment layer's
    staffing when the scenario scales staff with volume); by default as configured.
    ``records=False`` keeps no complaint rows: closed complaints are handed, a chunk at
    a time, to ``fold`` (the analysis layer's streaming summary). ``on_day(days)`` is
    called after every simulated day (for a progress bar; it must not touch the model).
    ``contact_log=True`` also records one row per contact arriving in the window
    (:mod:`.contact_log`; nothing of it runs otherwise).
    """

    def __init__(
        self,
        scenario: ScenarioConfig,
        policy: Levers,
        population: Population | Iterable[Population],
        rngs: dict[str, np.random.Generator],
        horizon_h: float,
        warmup_h: float,
        replication: int = 0,
        drain_h: float = 0.0,
        records: bool = True,
        fold: Callable[[dict[str, np.ndarray]], None] | None = None,
        staff_counts: dict[str, Schedule | int] | None = None,
        on_day: Callable[[float], None] | None = None,
        monitor_h: float = 24.0,
        contact_log: bool = False,
    ) -> None:
        if staff_counts is None:
            if scenario.staff.scale_with_volume:
                raise ValueError(
                    "scenario.staff.scale_with_volume needs staff_counts "
                    "(escalationsim.experiment.staffing.head_counts)"
                )
            staff_counts = dict(configured_schedules(scenario))
        self.scenario = scenario
        self.policy = policy
        self.horizon_h = horizon_h
        self.warmup_h = warmup_h
        self.drain_h = drain_h
        self.replication = replication
        self.monitor_h = monitor_h  # between snapshots of the queues (a day; finer in a pilot)
        self.env = env = simpy.Environment()
        self.staff_window = (warmup_h, horizon_h)
        self.staff = build_staff(env, scenario, staff_counts, self.staff_window)
        self.draws = CustomerDraws(rngs["journey"])
        samplers = {
            name: Sampler(ht.mean_min, ht.cv, getattr(ht.dist, "value", ht.dist))
            for name, ht in vars(scenario.handle_times).items()
        }
        bo = scenario.backoffice
        samplers[LEAD_TIME] = Sampler(bo.lead_time_mean_h * 60.0, bo.lead_time_cv, "lognormal")
        b = scenario.behaviour
        # open complaints by id: the customer and their journey (closed when the run ends)
        self.active: dict[int, tuple[Customer, Generator[Any, Any, None]]] = {}
        self.ctx = ctx = RunContext(
            env,
            PrivateDraws(rngs["overflow"], samplers),
            self.staff,
            policy,
            routine_fix_prob=b.routine_fix_prob,
            max_retries=b.max_retries,
            retry_delay_h=b.retry_delay_mean_h,
            escalate_delay_h=b.escalate_delay_mean_h,
            finish=self.finish,
        )
        ctx.routes = {
            kind: (self.staff[route.pool], route.priority * PRIORITY_CLASS, route.reserve)
            for kind, route in vars(scenario.staff.work).items()
        }
        self.channels = [
            cls(ctx, scenario, policy.tracks(cls)) for cls in channels.channel_classes()
        ]
        ctx.channels = {ch.name: ch for ch in self.channels}
        ctx.contact = [ch.contact for ch in self.channels]
        ctx.retryable = [ch.retryable for ch in self.channels]
        ctx.tracked = [ch.tracked for ch in self.channels]
        ctx.ladder = [(1 << cls.code, cls.code, cls.requires) for cls in channels.ladder()]
        ctx.alternative = [
            channels.code(ch.alternative) if ch.alternative else -1 for ch in self.channels
        ]
        ctx.work_of = [ch.work for ch in self.channels]
        ctx.switch_prob = b.switch_prob
        ctx.roulette_prob = b.roulette_prob
        ctx.max_roulette = b.max_roulette
        ctx.lost_prob = scenario.follow_ups.lost_prob_untracked
        # the mechanisms the scenario switches on (back office, judgement, customer base,
        # publicity, a plugin's): each on ctx under its name
        self.mechanisms = mechanisms.build_all(ctx, scenario, rngs)
        self.base: CustomerBase | None = ctx.base
        ctx.end_h = horizon_h + drain_h
        self.untracked = sum(ch.bit for ch in self.channels if not ch.tracked)
        for bind in hooks(policy.levers(), "bind"):
            bind(ctx)
        self._closed = hooks(policy.levers(), "closed")
        if self._closed or self.base is not None:
            ctx.finish = self._finish_and_tell
        # The customer table, as blocks read one after another during the run.
        self.blocks = [population] if isinstance(population, Population) else population
        # complaints whose fix was promised before the run (their customers' rows follow
        # the backlog's and the open work's): row -> hours the work has been under way
        self.promised: dict[int, float] = {}
        arr = getattr(scenario, "arrivals", None)
        if arr is not None and arr.initial_promised.ages():
            first = arr.initial_complaints + sum(arr.initial_open.counts().values())
            ages = arr.initial_promised.ages()
            self.promised = {first + i: age for i, (_, age) in enumerate(ages)}
        self.log: ComplaintLog | ComplaintTally
        if records:
            self.log = ComplaintLog()
        else:
            if fold is None:
                raise ValueError("records=False needs a fold for the closed complaints")
            self.log = ComplaintTally(fold)
        self._snapshots: dict[str, list[int]] = {k: [] for k in self.staff}
        self.on_day = on_day
        self.contacts = (
            ContactLog(ctx, [ch.name for ch in self.channels], warmup_h, horizon_h)
            if contact_log
            else None
        )

    def finish(self, c: Customer, status: int) -> None:
        """Close a complaint: record it (if inside the window)."""
        c.status = status
        self.active.pop(c.idx, None)
        log = self.log
        if c.idx >= log.start:  # log.record(c), inlined: it runs once per complaint
            log.add(c)

    def _finish_and_tell(self, c: Customer, status: int) -> None:
        """:meth:`finish`, telling the levers' close hooks and the customer base first
        (used instead of it when there are any: one check fewer per complaint)."""
        c.status = status
        self.active.pop(c.idx, None)
        now = self.env.now
        for closed in self._closed:
            closed(c, now)
        if self.base is not None:
            self.base.closed(c, now)
        self.log.record(c)

    def _monitor(self) -> Generator[Any, Any, None]:
        """A snapshot of every queue's length every ``monitor_h`` hours (a day) over the
        window."""
        env = self.env
        if self.warmup_h > 0:
            yield env.timeout(self.warmup_h)
        while env.now < self.horizon_h:
            for k, q in self.staff.items():
                self._snapshots[k].append(q.queue_length)
            yield env.timeout(self.monitor_h)

    def _ticker(self, end: float) -> Generator[Any, Any, None]:
        """Report each simulated day to ``on_day`` (changes nothing in the model)."""
        env = self.env
        while env.now < end:
            yield env.timeout(min(24.0, end - env.now))
            self.on_day(env.now / 24.0)

    def run(self) -> RunResult:
        """Simulate to the horizon, let measured complaints finish for the drain period
        (no new arrivals), and collect the results."""
        arriving = arrivals(self)
        LightProcess(arriving)
        self.env.process(self._monitor())
        end = self.horizon_h + self.drain_h
        if self.on_day is not None:
            LightProcess(self._ticker(end))
        ceo = self.staff["ceo"]
        with fewer_collections():
            run_until(self.env, self.horizon_h)
            ceo_owed = ceo.hours_owed()
            ceo_letters = ceo.queue_length
            if end > self.horizon_h:
                run_until(self.env, end)
        # arrivals still waiting (a customer table reaching past the end) stop here, and
        # hand the recorder the complaints of the block they were in
        arriving.close()
        closers = [
            ch for ch in self.channels if type(ch).close_open is not channels.Channel.close_open
        ]
        for c, journey in list(self.active.values()):
            for ch in closers:
                ch.close_open(c, end)
            # a fix promised but not done by the end (back-office work under way) is no
            # resolution yet; what was granted stays promised
            c.resolved_by = ROLE_NONE
            self.log.record(c)
            # Memory: a journey waiting for an event is in a reference cycle with it (the
            # event calls the journey back), which only the cyclic collector would free;
            # closed now, its customer is freed as soon as the queues are (see
            # docs/performance.md: a full collection would cost a second at 10^6).
            journey.close()
        self.active.clear()
        self.log.finalise()
        reported = [
            (f"lever {type(lever).__name__}", lever.counters(self.warmup_h, self.horizon_h))
            for lever in self.policy.levers()
            if lever.overrides("counters")
        ]
        for name, mechanism in self.mechanisms.items():
            reported.append((f"mechanism {name}", mechanism.counters()))
        for ch in self.channels:
            reported.append((f"channel {ch.name}", ch.counters()))
        reported.append(
            (
                "model",
                {
                    "ceo_available_h": ceo.available_h(self.warmup_h, self.horizon_h),
                    "ceo_hours_owed": ceo_owed,
                    "ceo_letters_at_horizon": ceo_letters,
                },
            )
        )
        counters = run_counters.collect(reported)
        return RunResult(
            policy=self.policy.name,
            replication=self.replication,
            log=self.log,
            window_h=(self.warmup_h, self.horizon_h),
            utilisation={k: q.utilisation() for k, q in self.staff.items()},
            busy_h={k: q.busy_h for k, q in self.staff.items()},
            staff_count={
                k: q.schedule.peak if hasattr(q, "schedule") else 1 for k, q in self.staff.items()
            },
            backlog={k: np.asarray(v, dtype=np.int64) for k, v in self._snapshots.items()},
            inflow={k: q.inflow for k, q in self.staff.items()},
            served={k: q.served for k, q in self.staff.items()},
            counters=counters,
            untracked=self.untracked,
            paid_h={
                k: q.paid_h() if hasattr(q, "paid_h") else q.available_h(*self.staff_window)
                for k, q in self.staff.items()
            },
            end_h=end,
            contacts=None if self.contacts is None else self.contacts.frame(),
        )


__all__ = ["Model", "RunResult"]
