"""Run a job: every selected policy over every replication, on common random numbers.

:func:`simulate` is the one function a notebook needs: it takes a :class:`SimConfig` and
returns the complaint rows, one KPI row per (policy, replication) and the summary across
replications. Replications can run in worker processes; each is seeded by its own index,
so results do not depend on the number of workers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import pandas as pd

from escalationsim.analysis.aggregate import paired_differences, summarise
from escalationsim.analysis.complaints import ComplaintTable, StreamingSummary
from escalationsim.analysis.metrics import daily_series, run_kpis
from escalationsim.config.queue_only import QueueOnlyScenario, to_scenario
from escalationsim.engine.model import Model
from escalationsim.engine.population import population_blocks
from escalationsim.engine.recorder import ComplaintLog
from escalationsim.experiment.job import SimConfig, validate
from escalationsim.experiment.staffing import head_counts
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


def run_one(
    cfg: SimConfig, policy: PolicyConfig, replication: int, keep_records: bool = True
) -> tuple[dict, pd.DataFrame | None, pd.DataFrame]:
    """Simulate one policy in one replication; return its KPI row, complaint frame (None
    without records) and daily series. Without records the customer table is read and
    the complaints are summarised a block at a time, in memory that does not grow with
    the horizon."""
    horizon_h = cfg.run.horizon_days * 24.0
    warmup_h = cfg.run.warmup_days * 24.0
    queue = isinstance(cfg.scenario, QueueOnlyScenario)
    scenario = to_scenario(cfg.scenario) if queue else cfg.scenario
    rngs = streams(cfg.run.seed, replication)
    blocks = population_blocks(scenario, horizon_h, rngs["arrivals"], rngs["population"])
    drain_h = cfg.run.drain_days * 24.0
    first_day = int(warmup_h // 24)
    n_days = math.ceil(horizon_h / 24) - first_day
    summary = None if keep_records else StreamingSummary(scenario, first_day, n_days)
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
        staff_counts=head_counts(scenario),
    )
    if summary is not None:
        summary.untracked = model.untracked
    result = model.run()
    table = None
    if summary is None:
        assert isinstance(result.log, ComplaintLog)
        table = ComplaintTable(result.log.columns, scenario, result.untracked)
    source = table if table is not None else summary
    row = run_kpis(result, scenario, source.stats(), queue_only=queue)
    daily = daily_series(result, source.day_counts(first_day, n_days))
    if table is None:
        return row, None, daily
    df = table.frame()
    df.insert(0, "replication", replication)
    df.insert(0, "policy", policy.name)
    return row, df, daily


Part = tuple[dict, pd.DataFrame | None, pd.DataFrame]


def run_replication(cfg: SimConfig, replication: int) -> list[Part]:
    """Every selected policy on the same customers of one replication."""
    out = []
    for name in cfg.run.policies:
        policy = replace(cfg.policies[name], name=name)
        out.append(run_one(cfg, policy, replication, cfg.run.records))
    return out


def simulate(cfg: SimConfig, progress: Callable[[int, int], None] | None = None) -> Results:
    """Validate ``cfg``, run all policies x replications, and return the results.

    ``progress(done, total)`` is called after each replication, if given.
    """
    validate(cfg)
    reps = list(range(cfg.run.replications))
    workers = min(cfg.run.workers, len(reps), os.cpu_count() or 1)
    parts: list[list[Part]] = []
    if workers <= 1:
        for i, r in enumerate(reps):
            parts.append(run_replication(cfg, r))
            if progress:
                progress(i + 1, len(reps))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_replication, cfg, r) for r in reps]
            for i, fut in enumerate(futures):
                parts.append(fut.result())
                if progress:
                    progress(i + 1, len(reps))
    rows = [row for part in parts for row, _, _ in part]
    frames = [df for part in parts for _, df, _ in part if df is not None]
    daily = pd.concat([d for part in parts for _, _, d in part], ignore_index=True)
    kpis = pd.DataFrame(rows)
    order = {name: i for i, name in enumerate(cfg.run.policies)}
    kpis = kpis.sort_values(
        ["policy", "replication"], key=lambda s: s.map(order) if s.name == "policy" else s
    ).reset_index(drop=True)
    complaints = pd.concat(frames, ignore_index=True) if frames else None
    if complaints is not None:
        complaints["policy"] = pd.Categorical(complaints["policy"], categories=cfg.run.policies)
    return Results(
        complaints=complaints,
        kpis=kpis,
        summary=summarise(kpis, cfg.run.policies),
        paired=paired_differences(kpis, cfg.run.policies[0]),
        daily=daily,
    )
