"""Simulation against theory: queue-only runs compared with Erlang C and Erlang A, and,
where no formula is exact, with an approximation and with a second simulator (Ciw).

Each case is a queue-only scenario. M/M/c (Erlang C) and M/M/c+M (Erlang A) have exact
answers: the engine simulates the case over independent replications, each metric's mean
gets a Student-t confidence interval, and the metric passes (``within_ci``) when the
analytic value lies inside it. With lognormal or constant service, or lognormal patience
(M/G/c+G), there is no exact formula for most metrics (``analytic`` is NaN and
``within_ci`` empty, not a pass); what is exact whatever the distributions is still
checked (without patience nobody abandons and the occupancy is the offered load per
server). Without patience the Allen-Cunneen approximation is shown beside the simulation
(``approximation``: P(wait) and mean wait), as a guide, not a test. And the case is
simulated again in Ciw, with its own replications (``reference`` and its interval); the
metric passes (``agrees``) when the Welch interval of the difference of the two means
contains 0 (``difference_ci_low``, ``difference_ci_high``: engine minus Ciw).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from escalationsim.analysis.aggregate import mean_ci, welch_ci
from escalationsim.analysis.analytic import allen_cunneen, erlang_a, erlang_c
from escalationsim.analysis.reductions import SERVICE_LEVEL_S
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
from escalationsim.experiment import ciw_reference
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
    ciw_reference: bool = True
    """Simulate every case that has no exact formula in Ciw too (the ``bench`` extra)."""


COLUMNS: tuple[str, ...] = (
    "case",
    "metric",
    "simulated",
    "ci_low",
    "ci_high",
    "analytic",
    "within_ci",
    "approximation",
    "reference",
    "reference_ci_low",
    "reference_ci_high",
    "difference_ci_low",
    "difference_ci_high",
    "agrees",
)
"""The columns of validation.csv; the first seven are those of the M/M/c validation."""


def analytic_values(q: QueueOnlyScenario) -> dict[str, float]:
    """Exact theory for a queue-only case: Erlang C without patience, Erlang A with it.

    For a case with non-exponential service or patience, only what holds whatever the
    distributions: without patience P(abandon) = 0 and occupancy = offered load / servers;
    every other metric (and every metric with patience) is NaN.
    """
    lam = q.arrivals_per_hour
    mu = 60.0 / q.service_minutes
    t = SERVICE_LEVEL_S / 3600.0
    if not q.markovian():
        exact = dict.fromkeys(METRICS, math.nan)
        if q.patience_minutes is None:
            exact.update(p_abandon=0.0, occupancy=lam / mu / q.servers)
        return exact
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


def approximate_values(q: QueueOnlyScenario) -> dict[str, float]:
    """The Allen-Cunneen approximation (without patience; NaN with patience): P(wait) as
    in Erlang C, the mean wait scaled by (1 + cs^2) / 2. Other metrics are NaN."""
    approx = dict.fromkeys(METRICS, math.nan)
    if q.patience_minutes is None:
        ac = allen_cunneen(
            q.arrivals_per_hour, 60.0 / q.service_minutes, q.servers, q.service_scv()
        )
        approx.update(p_wait=ac.p_wait, mean_wait_min=ac.mean_wait * 60.0)
    return approx


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


def simulate_reference(cfg: ValidationConfig, q: QueueOnlyScenario) -> pd.DataFrame:
    """The queue KPIs of every Ciw replication of one case (same count, horizon and
    warm-up as the engine's; Ciw's own generator, seeded from ``cfg.seed``)."""
    return ciw_reference.simulate_reference(
        q, cfg.replications, cfg.horizon_days, cfg.warmup_days, cfg.seed, cfg.workers
    )


def _inside(lo: float, x: float, hi: float) -> bool:
    return bool(lo - 1e-12 <= x <= hi + 1e-12)


def compare_case(
    name: str,
    q: QueueOnlyScenario,
    cfg: ValidationConfig,
    theory: QueueOnlyScenario | None = None,
    reference: QueueOnlyScenario | None = None,
) -> pd.DataFrame:
    """Rows of validation.csv (:data:`COLUMNS`) for one case, one per metric.

    ``theory`` is the queue whose analytic values and approximation are compared
    (default: ``q`` itself); ``reference`` the queue Ciw simulates (default: ``q`` itself
    if ``cfg.ciw_reference`` and ``q`` has no exact formula; otherwise no Ciw run).
    Giving a different queue shows whether a wrong model would be caught.
    """
    kpis = simulate_case(cfg, q)
    theory = theory or q
    exact, approx = analytic_values(theory), approximate_values(theory)
    if reference is None and cfg.ciw_reference and not q.markovian():
        reference = q
    ref = None if reference is None else simulate_reference(cfg, reference)
    rows = []
    for metric in METRICS:
        sim = kpis[metric].to_numpy(dtype=float)
        m, lo, hi = mean_ci(sim, cfg.level)
        row: dict[str, object] = {
            "case": name,
            "metric": metric,
            "simulated": m,
            "ci_low": lo,
            "ci_high": hi,
            "analytic": exact[metric],
            "within_ci": pd.NA if math.isnan(exact[metric]) else _inside(lo, exact[metric], hi),
            "approximation": approx[metric],
            "reference": math.nan,
            "reference_ci_low": math.nan,
            "reference_ci_high": math.nan,
            "difference_ci_low": math.nan,
            "difference_ci_high": math.nan,
            "agrees": pd.NA,
        }
        if ref is not None:
            other = ref[metric].to_numpy(dtype=float)
            r, rlo, rhi = mean_ci(other, cfg.level)
            _, dlo, dhi = welch_ci(sim, other, cfg.level)
            row.update(
                reference=r,
                reference_ci_low=rlo,
                reference_ci_high=rhi,
                difference_ci_low=dlo,
                difference_ci_high=dhi,
                agrees=_inside(dlo, 0.0, dhi),
            )
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.astype({"within_ci": "boolean", "agrees": "boolean"})


def validate_validation(cfg: ValidationConfig, require_cases: bool = True) -> None:
    """Raise ConfigError naming the key if the validation settings or a case are out of
    range, or a case has no steady state: all before any case is simulated.

    ``require_cases``: the validation job is the one to run, so it needs at least one case
    and, if a case is to be compared with Ciw, Ciw installed."""
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
    needs_ciw = [n for n, q in cfg.cases.items() if not q.markovian()]
    if require_cases and cfg.ciw_reference and needs_ciw and not ciw_reference.ciw_available():
        check(
            "validation.ciw_reference",
            True,
            False,
            f"false when Ciw is not installed ({ciw_reference.INSTALL_HINT}): the cases "
            f"{needs_ciw} have no exact formula and are compared with Ciw",
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
