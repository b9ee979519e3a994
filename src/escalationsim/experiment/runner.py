"""Run a job: every selected policy over every replication, on common random numbers.

:func:`simulate` is the one function a notebook needs: it takes a :class:`SimConfig` and
returns the complaint rows, one KPI row per (policy, replication) and the summary across
replications. (Policy, replication) pairs can run in worker processes; each pair draws its
customers from its replication's own streams, so results do not depend on the number of
workers.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from escalationsim.analysis.aggregate import paired_differences, summarise
from escalationsim.analysis.complaints import ComplaintTable, StreamingSummary
from escalationsim.analysis.metrics import daily_series, run_kpis
from escalationsim.config.fields import ConfigError
from escalationsim.config.queue_only import QueueOnlyScenario, to_scenario
from escalationsim.engine.model import Model
from escalationsim.engine.population import Replay, population_blocks
from escalationsim.engine.recorder import ComplaintLog
from escalationsim.experiment.job import SimConfig, validate
from escalationsim.experiment.plugins import load_plugins
from escalationsim.experiment.staffing import staffing
from escalationsim.experiment.warmup import AUTO, with_auto_warmup
from escalationsim.kernel.rng import streams
from escalationsim.policy.policy import PolicyConfig, build_policy


@dataclass
class Results:
    """What a job produced: tidy complaints (None if records are off), KPIs, summary
    across replications, paired differences against the first policy, and daily series."""

    complaints: pd.DataFrame | None
    kpis: pd.DataFrame
    summary: pd.DataFrame
    paired: pd.DataFrame
    daily: pd.DataFrame
    contacts: pd.DataFrame | None = None
    """One row per contact arriving in the window, in hours, with ``policy`` and
    ``replication`` columns (:mod:`escalationsim.engine.contact_log`): only when
    :func:`simulate` is asked for it (``contacts=True``)."""


def run_one(
    cfg: SimConfig,
    policy: PolicyConfig,
    replication: int,
    keep_records: bool = True,
    on_day: Callable[[float], None] | None = None,
    contacts: bool = False,
    replay: Replay | None = None,
) -> Part:
    """Simulate one policy in one replication; return its KPI row, complaint frame (None
    without records), daily series and contact log (None unless ``contacts``). Without
    records the customer table is read and the complaints are summarised a block at a
    time, in memory that does not grow with the horizon. ``replay``: observed complaints'
    arrival times and first channels instead of drawn ones (a backtest)."""
    horizon_h = cfg.run.horizon_days * 24.0
    warmup_h = cfg.run.warmup_days * 24.0
    queue = isinstance(cfg.scenario, QueueOnlyScenario)
    scenario = to_scenario(cfg.scenario) if queue else cfg.scenario
    rngs = streams(cfg.run.seed, replication)
    blocks = population_blocks(
        scenario,
        horizon_h,
        rngs["arrivals"],
        rngs["population"],
        rngs["customers"],
        rngs["memory"],
        replay=replay,
        busyness=rngs["busyness"],
        ombudsman=rngs["ombudsman"],
    )
    drain_h = cfg.run.drain_days * 24.0
    first_day = int(warmup_h // 24)
    n_days = math.ceil(horizon_h / 24) - first_day
    end_h = horizon_h + drain_h
    summary = None if keep_records else StreamingSummary(scenario, first_day, n_days, end_h)
    model = Model(
        scenario,
        build_policy(policy, scenario),
        blocks,
        rngs,
        horizon_h,
        warmup_h,
        replication,
        drain_h,
        records=keep_records,
        fold=summary,
        staff_counts=dict(staffing(scenario)),
        on_day=on_day,
        contact_log=contacts,
    )
    if summary is not None:
        summary.untracked = model.untracked
    result = model.run()
    # the run's state (staff, the customer base's memory) is no longer needed: the
    # complaint table is built without it
    del model
    table = None
    if summary is None:
        assert isinstance(result.log, ComplaintLog)
        table = ComplaintTable(result.log.columns, scenario, result.untracked, result.end_h)
    source = table if table is not None else summary
    daily = daily_series(result, source.day_counts(first_day, n_days))
    row = run_kpis(result, scenario, source.stats(), queue_only=queue, daily=daily)
    log = result.contacts
    if log is not None:
        log.insert(0, "replication", replication)
        log.insert(0, "policy", policy.name)
    if table is None:
        return row, None, daily, log
    df = table.frame()
    df.insert(0, "replication", replication)
    # a category, not a string per row (10^6 references, then hashed into a category)
    df.insert(0, "policy", pd.Categorical.from_codes(np.zeros(len(df), np.int8), [policy.name]))
    return row, df, daily, log


Part = tuple[dict, pd.DataFrame | None, pd.DataFrame, pd.DataFrame | None]
"""What one (policy, replication) pair gives: its KPI row, complaint frame, daily series
and contact log."""


@dataclass(frozen=True)
class Progress:
    """How far a job has got: simulated days over all (policy, replication) pairs, and
    pairs finished."""

    days_done: float
    days_total: float
    pairs_done: int
    pairs_total: int


def run_pair(
    cfg: SimConfig,
    name: str,
    replication: int,
    report: Callable[[float], None] | Any | None = None,
    contacts: bool = False,
) -> Part:
    """One policy in one replication (its customers drawn from the replication's own
    streams, so the result does not depend on which process runs it). ``report`` gets
    the simulated days done: a callable, or a queue (from a worker process) that is sent
    ``(name, replication, days)``."""
    policy = replace(cfg.policies[name], name=name)
    on_day = report
    if report is not None and not callable(report):
        queue = report

        def on_day(days: float) -> None:
            queue.put((name, replication, days))

    return run_one(cfg, policy, replication, cfg.run.records, on_day, contacts)


def simulate(
    cfg: SimConfig,
    progress: Callable[[Progress], None] | None = None,
    contacts: bool = False,
) -> Results:
    """Validate ``cfg``, run every (policy, replication) pair, and return the results.

    Pairs run in up to ``run.workers`` processes, handed out as workers free up (never
    more than two per worker waiting, so memory does not grow with the number of
    replications); results are the same whatever the number of workers. ``progress`` is
    called as simulated days and pairs complete, if given. ``contacts=True`` also
    returns every run's contact log (``Results.contacts``; ``output.contact_log``).
    """
    validate(cfg)
    if progress is not None and not callable(progress):
        raise ConfigError(
            f"progress = {progress!r} is not allowed: must be None or a function taking a "
            "Progress (escalationsim.experiment.runner.Progress)"
        )
    if cfg.run.warmup_days == AUTO:
        cfg, _ = with_auto_warmup(cfg)
        validate(cfg)
    results: dict[tuple[str, int], Part] = {}
    n = cfg.run.replications
    pairs = _run_batch(cfg, range(n), results, progress, contacts)
    precision = cfg.run.precision
    while precision.kpi and n < precision.max_replications and not _precise(cfg, results):
        more = range(n, min(2 * n, precision.max_replications))  # a batch as large again
        pairs += _run_batch(cfg, more, results, progress, contacts)
        n = more.stop
    parts = [results[pair] for pair in pairs]  # replication-major, policies in run order
    rows = [part[0] for part in parts]
    frames = [part[1] for part in parts if part[1] is not None]
    daily = pd.concat([part[2] for part in parts], ignore_index=True)
    logs = [part[3] for part in parts if part[3] is not None]
    kpis = pd.DataFrame(rows)
    order = {name: i for i, name in enumerate(cfg.run.policies)}
    kpis = kpis.sort_values(
        ["policy", "replication"], key=lambda s: s.map(order) if s.name == "policy" else s
    ).reset_index(drop=True)
    # one frame (a policy, a replication) is used as it is: a concatenation would copy
    # every column at the run's peak of memory
    complaints = (
        frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True) if frames else None
    )
    if complaints is not None:
        codes = np.concatenate(
            [
                np.full(len(df), cfg.run.policies.index(df["policy"].cat.categories[0]))
                for df in frames
            ]
        )
        complaints["policy"] = pd.Categorical.from_codes(codes, categories=cfg.run.policies)
    return Results(
        complaints=complaints,
        kpis=kpis,
        summary=summarise(kpis, cfg.run.policies),
        paired=paired_differences(kpis, cfg.run.policies[0]),
        daily=daily,
        contacts=_contacts(logs, cfg.run.policies) if logs else None,
    )


def _contacts(logs: list[pd.DataFrame], policies: list[str]) -> pd.DataFrame:
    """The runs' contact logs as one frame, policies in run order, then replications."""
    df = pd.concat(logs, ignore_index=True)
    df["policy"] = pd.Categorical(df["policy"], categories=policies)
    return df.sort_values(["policy", "replication"], kind="stable").reset_index(drop=True)


def _run_batch(
    cfg: SimConfig,
    replications: range,
    results: dict[tuple[str, int], Part],
    progress: Callable[[Progress], None] | None,
    contacts: bool = False,
) -> list[tuple[str, int]]:
    """Run every policy in ``replications`` into ``results``; return the pairs run."""
    pairs = [(name, r) for r in replications for name in cfg.run.policies]
    days_each = cfg.run.horizon_days + cfg.run.drain_days
    tracker = _Tracker(progress, len(pairs), days_each)
    workers = min(cfg.run.workers, len(pairs), os.cpu_count() or 1)
    if workers <= 1:
        for name, r in pairs:
            day = tracker.day(name, r) if progress else None
            results[name, r] = run_pair(cfg, name, r, day, contacts)
            tracker.finished(name, r)
    else:
        _run_in_workers(cfg, pairs, workers, results, tracker if progress else None, contacts)
    return pairs


def _precise(cfg: SimConfig, results: dict[tuple[str, int], Part]) -> bool:
    """Whether every policy's paired difference on ``run.precision.kpi`` is as precise
    as asked (NaN half-widths, e.g. from a KPI that is NaN, never are)."""
    pr = cfg.run.precision
    kpis = pd.DataFrame([part[0] for part in results.values()])
    diff = paired_differences(kpis, cfg.run.policies[0])
    rows = diff[diff["kpi"] == pr.kpi]
    if rows.empty:
        return False
    half = 0.5 * (rows["paired_ci_high"] - rows["paired_ci_low"])
    target = pr.half_width * rows["diff"].abs() if pr.relative else pr.half_width
    return bool((half <= target).all())


class _Tracker:
    """Adds up simulated days per pair and tells ``progress``."""

    def __init__(
        self, progress: Callable[[Progress], None] | None, pairs: int, days_each: float
    ) -> None:
        self.progress = progress
        self.pairs = pairs
        self.days_each = days_each
        self.days: dict[tuple[str, int], float] = {}
        self.done = 0

    def day(self, name: str, replication: int) -> Callable[[float], None]:
        return lambda days: self.update(name, replication, days)

    def update(self, name: str, replication: int, days: float) -> None:
        self.days[name, replication] = days
        self._tell()

    def finished(self, name: str, replication: int) -> None:
        self.days[name, replication] = self.days_each
        self.done += 1
        self._tell()

    def _tell(self) -> None:
        if self.progress is not None:
            total = self.pairs * self.days_each
            self.progress(Progress(sum(self.days.values()), total, self.done, self.pairs))


def _run_in_workers(
    cfg: SimConfig,
    pairs: list[tuple[str, int]],
    workers: int,
    results: dict[tuple[str, int], Part],
    tracker: _Tracker | None,
    contacts: bool = False,
) -> None:
    """Run ``pairs`` in a pool of ``workers`` processes, submitting as workers free up."""
    manager = multiprocessing.Manager() if tracker is not None else None
    queue = manager.Queue() if manager is not None else None
    todo = iter(pairs)
    running: dict[Future, tuple[str, int]] = {}
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=load_plugins) as pool:

            def submit_more() -> None:
                while len(running) < 2 * workers:
                    pair = next(todo, None)
                    if pair is None:
                        return
                    running[pool.submit(run_pair, cfg, *pair, queue, contacts)] = pair

            submit_more()
            while running:
                finished, _ = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
                while queue is not None and not queue.empty():
                    tracker.update(*queue.get())
                for fut in finished:
                    pair = running.pop(fut)
                    results[pair] = fut.result()
                    if tracker is not None:
                        tracker.finished(*pair)
                submit_more()
    finally:
        if manager is not None:
            manager.shutdown()
