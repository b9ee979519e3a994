"""Simulation against theory: queue-only runs compared with Erlang C and Erlang A.

Each case is an M/M/c queue (Erlang C) or, with a patience, M/M/c+M (Erlang A). The
engine simulates it over independent replications; each metric's mean gets a Student-t
confidence interval, and the case passes when the analytic value lies inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from escalationsim.analysis.aggregate import mean_ci
from escalationsim.analysis.analytic import erlang_a, erlang_c
from escalationsim.analysis.stats import SERVICE_LEVEL_S
from escalationsim.config.fields import (
    Check,
    ConfigError,
    check,
    is_int,
    is_num,
    param,
    validate_tree,
)
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.experiment.job import RunConfig, SimConfig, validate
from escalationsim.experiment.runner import simulate
from escalationsim.policy.policy import PolicyConfig

METRICS: tuple[str, ...] = (
    "p_wait",
    "mean_wait_min",
    "p_abandon",
    "occupancy",
    "service_level_20s",
)


@dataclass
class ValidationConfig:
    """The cases and the sampling effort of a validation run."""

    cases: dict[str, QueueOnlyScenario] = field(default_factory=dict)
    replications: int = param(
        10,
        Check(
            lambda v: is_int(v) and v >= 2,
            "an integer >= 2 (a confidence interval needs two replications)",
        ),
    )
    horizon_days: float = 4.0
    warmup_days: float = 0.5
    level: float = param(0.99, Check(lambda v: is_num(v) and 0 < v < 1, "in (0, 1)"))
    seed: int = 20261122
    workers: int = 1


def analytic_values(q: QueueOnlyScenario) -> dict[str, float]:
    """Theory for a queue-only case: Erlang C without patience, Erlang A with it."""
    lam = q.arrivals_per_hour
    mu = 60.0 / q.service_minutes
    t = SERVICE_LEVEL_S / 3600.0
    if q.patience_minutes is None:
        r = erlang_c(lam, mu, q.servers)
        return {
            "p_wait": r.p_wait,
            "mean_wait_min": r.mean_wait * 60.0,
            "p_abandon": 0.0,
            "occupancy": r.occupancy,
            "service_level_20s": r.service_level(t),
        }
    a = erlang_a(lam, mu, q.servers, 60.0 / q.patience_minutes)
    return {
        "p_wait": a.p_wait,
        "mean_wait_min": a.mean_wait * 60.0,
        "p_abandon": a.p_abandon,
        "occupancy": a.occupancy,
        "service_level_20s": a.service_level(t),
    }


def _run_config(cfg: ValidationConfig) -> RunConfig:
    """The run settings of every case: one (irrelevant) policy, no per-complaint rows."""
    return RunConfig(
        policies=["queue"],
        replications=cfg.replications,
        horizon_days=cfg.horizon_days,
        warmup_days=cfg.warmup_days,
        seed=cfg.seed,
        workers=cfg.workers,
        records=False,
    )


def simulate_case(cfg: ValidationConfig, q: QueueOnlyScenario) -> pd.DataFrame:
    """The queue KPIs of every replication of one case."""
    sim = SimConfig(
        scenario=q, policies={"queue": PolicyConfig(name="queue")}, run=_run_config(cfg)
    )
    return simulate(sim).kpis


def compare_case(
    name: str, q: QueueOnlyScenario, cfg: ValidationConfig, theory: QueueOnlyScenario | None = None
) -> pd.DataFrame:
    """Rows (case, metric, simulated, ci_low, ci_high, analytic, within_ci) for one case.

    ``theory`` is the queue whose analytic values are compared (default: ``q`` itself);
    giving a different one shows whether a wrong model would be caught.
    """
    kpis = simulate_case(cfg, q)
    expected = analytic_values(theory or q)
    rows = []
    for metric in METRICS:
        m, lo, hi = mean_ci(kpis[metric].to_numpy(), cfg.level)
        exact = expected[metric]
        rows.append(
            {
                "case": name,
                "metric": metric,
                "simulated": m,
                "ci_low": lo,
                "ci_high": hi,
                "analytic": exact,
                "within_ci": bool(lo - 1e-12 <= exact <= hi + 1e-12),
            }
        )
    return pd.DataFrame(rows)


def validate_validation(cfg: ValidationConfig, require_cases: bool = True) -> None:
    """Raise ConfigError naming the key if the validation settings or a case are out of
    range, or a case has no steady state: all before any case is simulated."""
    if require_cases and not cfg.cases:
        raise ConfigError("validation.cases is empty: must name at least one queue-only case")
    validate_tree(cfg, "validation")
    validate_tree(_run_config(cfg), "validation")
    for name, q in cfg.cases.items():
        check("validation.cases", name, isinstance(q, QueueOnlyScenario), "queue-only cases")
        validate_tree(q, f"validation.cases.{name}")
        try:  # the job each case runs, with its work bounds
            validate(
                SimConfig(
                    scenario=q, policies={"queue": PolicyConfig(name="queue")}, run=_run_config(cfg)
                )
            )
        except ConfigError as err:
            raise ConfigError(f"validation.cases.{name}: {err}") from None
        load = q.arrivals_per_hour * q.service_minutes / 60.0
        if load >= q.servers and q.patience_minutes is None:
            raise ConfigError(
                f"validation.cases.{name}: offered load {load:g} >= servers ({q.servers}) has "
                "no steady state without patience: must be < servers"
            )


def run_validation(
    cfg: ValidationConfig, progress: Callable[[str], None] | None = None
) -> pd.DataFrame:
    """Compare every case of ``cfg``; one row per (case, metric)."""
    validate_validation(cfg)
    frames = []
    for name, case in cfg.cases.items():
        frames.append(compare_case(name, replace(case, name=name), cfg))
        if progress:
            progress(name)
    return pd.concat(frames, ignore_index=True)
