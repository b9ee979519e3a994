"""Simulation-optimisation of a policy's levers: the values (head counts, budgets, audit
shares, the CEO's hours...) that minimise a KPI subject to service targets, with common
random numbers, and a confirmation of the best few before one is declared best.

Optuna (used directly: the Hydra Optuna sweeper pins optuna < 3) proposes lever values
with its TPE sampler and its constraint handling (``Trial.set_constraint``: a trial is
feasible when every constraint value is <= 0, and TPE learns from infeasible trials
too). Each trial simulates the policy with ``replications`` replications of the same
seeds as every other trial, so trials are compared on the same customers and a
difference between trials is the levers', not the dice's. The study lives in an SQLite
file and resumes: a rerun continues from the trials already complete.

Reproducible across interruptions: the sampler is seeded afresh before each trial from
``run.seed`` and the number of trials complete so far, so the proposals depend only on
the history of complete trials (the same whether or not the run was interrupted), never
on how many proposals a sampler object made before.

The noisy best of many trials is optimistic (a winner's curse), so the ``confirm_top``
best feasible trials are re-run with ``confirm_replications`` replications (again the
same seeds for all) and compared with paired t-tests against the best mean, Holm-
corrected (:func:`escalationsim.analysis.ranking.best_policy`): one is declared best with
95% confidence, or the candidates it cannot be told from are named.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalationsim.analysis.ranking import BestPolicy, best_policy, lower_is_better
from escalationsim.config.fields import (
    ConfigError,
    check,
    int_min,
    is_num,
    one_of,
    param,
    validate_tree,
)
from escalationsim.experiment.job import SimConfig
from escalationsim.experiment.runner import simulate

log = logging.getLogger("escalationsim")

STUDY_NAME = "escalationsim"


class LeverKind(str, Enum):
    """How a lever's values are searched."""

    float = "float"
    int = "int"
    log = "log"  # a positive number searched on a log scale


@dataclass
class Lever:
    """A decision variable: the configuration keys it sets (several keys take the same
    value) and its range."""

    keys: list[str] = field(default_factory=list)
    low: float = 0.0
    high: float = 1.0
    kind: LeverKind = param(LeverKind.float, one_of(LeverKind))

    def check_rules(self, prefix: str) -> None:
        check(f"{prefix}.keys", self.keys, len(self.keys) > 0, "at least one configuration key")
        for key in self.keys:
            check(
                f"{prefix}.keys",
                key,
                key.split(".", 1)[0] in ("scenario", "policies") and "." in key,
                "a key under scenario. or policies.",
            )
        check(f"{prefix}.low", self.low, is_num(self.low), "a finite number")
        check(
            f"{prefix}.high",
            self.high,
            is_num(self.high) and self.high > self.low,
            f"a number greater than low ({self.low:g})",
        )
        if self.kind == LeverKind.log:
            check(f"{prefix}.low", self.low, self.low > 0, "> 0 for kind log")
        if self.kind == LeverKind.int:
            for end in ("low", "high"):
                v = getattr(self, end)
                check(f"{prefix}.{end}", v, float(v).is_integer(), "a whole number for kind int")


@dataclass
class OptimizeConfig:
    """An optimisation (``experiment=optimize``): the ``levers`` of policy ``policy`` that
    minimise ``objective`` (a KPI, mean over replications) subject to ``constraints``
    (KPI -> the most its mean may be)."""

    policy: str = "empowered_rep"
    levers: dict[str, Lever] = field(default_factory=dict)
    objective: str = "cost_per_complaint"
    constraints: dict[str, float] = field(default_factory=dict)
    trials: int = param(30, int_min(1))
    replications: int = param(2, int_min(1))
    confirm_top: int = param(3, int_min(1))
    confirm_replications: int = param(10, int_min(2))
    startup_trials: int = param(8, int_min(1))
    """Trials proposed at random before TPE models the history."""

    def check_rules(self, prefix: str) -> None:
        for name, bound in self.constraints.items():
            check(f"{prefix}.constraints.{name}", bound, is_num(bound), "a finite number")


def validate(opt: OptimizeConfig, policies: list[str]) -> None:
    """The optimisation's settings in range, its policy defined, at least one lever, a
    key set by one lever only; a ConfigError naming the key otherwise."""
    validate_tree(opt, "optimize")
    for name, lever in opt.levers.items():
        validate_tree(lever, f"optimize.levers.{name}")
    if not opt.levers:
        raise ConfigError("optimize.levers is empty: must name at least one lever to optimise")
    if opt.policy not in policies:
        raise ConfigError(
            f"optimize.policy = {opt.policy!r} is not allowed: must be one of the policies "
            f"defined ({', '.join(policies)})"
        )
    seen: dict[str, str] = {}
    for name, lever in opt.levers.items():
        for key in lever.keys:
            if key in seen:
                raise ConfigError(
                    f"optimize.levers.{name}.keys: {key} is already set by lever {seen[key]}"
                )
            seen[key] = name


Evaluate = Callable[[dict[str, float], int], pd.DataFrame]
"""Simulate the policy with these lever values and this many replications (the same
seeds every time); return its kpis rows (one per replication)."""


@dataclass
class Outcome:
    """What an optimisation produced: every trial, the confirmation runs' KPI rows
    (``policy`` = the candidate's label), the candidates and the verdict."""

    trials: pd.DataFrame
    confirm: pd.DataFrame
    best: pd.DataFrame
    verdict: BestPolicy | None
    objective: str


def _suggest(trial: Any, name: str, lever: Lever) -> float:
    if lever.kind == LeverKind.int:
        return float(trial.suggest_int(name, int(lever.low), int(lever.high)))
    return float(trial.suggest_float(name, lever.low, lever.high, log=lever.kind == LeverKind.log))


def run(opt: OptimizeConfig, seed: int, evaluate: Evaluate, storage: Path) -> Outcome:
    """Run (or resume) the study stored in ``storage``, then confirm its best trials."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sign = 1.0 if lower_is_better(opt.objective) else -1.0
    constraints = list(opt.constraints.items())

    def sampler(done: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.TPESampler(
            seed=int(np.random.SeedSequence([seed, done]).generate_state(1)[0]),
            n_startup_trials=opt.startup_trials,
        )

    study = optuna.create_study(
        study_name=STUDY_NAME,
        storage=f"sqlite:///{Path(storage).resolve()}",
        load_if_exists=True,
        direction="minimize",
    )
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)  # interrupted: not history

    def objective(trial: optuna.Trial) -> float:
        values = {name: _suggest(trial, name, lever) for name, lever in opt.levers.items()}
        kpis = evaluate(values, opt.replications)
        means = kpis.mean(numeric_only=True)
        cons = [float(means.get(kpi, math.nan)) - bound for kpi, bound in constraints]
        cons = [c if math.isfinite(c) else math.inf for c in cons]
        trial.set_user_attr("constraints", cons)
        for (kpi, _), c in zip(constraints, cons, strict=True):
            trial.set_constraint(kpi, c if math.isfinite(c) else 1e300)  # feasible: <= 0
        trial.set_user_attr("kpis", {k: float(means[k]) for k, _ in constraints})
        value = float(means.get(opt.objective, math.nan))
        return sign * value if math.isfinite(value) else math.inf

    while (done := _complete(study)) < opt.trials:
        study.sampler = sampler(done)
        study.optimize(objective, n_trials=1)
        log.info("trial %d of %d done", done + 1, opt.trials)
    trials = trial_table(study, opt, sign)
    confirm, best, verdict = _confirm(opt, trials, evaluate)
    return Outcome(trials, confirm, best, verdict, opt.objective)


def _complete(study: Any) -> int:
    import optuna

    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def trial_table(study: Any, opt: OptimizeConfig, sign: float = 1.0) -> pd.DataFrame:
    """``trials.csv``: one row per complete trial, in the order run: its lever values,
    objective (mean over its replications), each constrained KPI and whether every
    constraint holds."""
    import optuna

    rows = []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        row: dict[str, Any] = {"trial": t.number}
        row.update({name: t.params[name] for name in opt.levers})
        row[opt.objective] = sign * t.value if t.value is not None else math.nan
        row.update(t.user_attrs.get("kpis", {}))
        cons = t.user_attrs.get("constraints", [])
        row["feasible"] = bool(all(c <= 0 for c in cons))
        rows.append(row)
    table = pd.DataFrame(rows)
    table.insert(0, "order", range(1, len(table) + 1))
    return table


def _confirm(
    opt: OptimizeConfig, trials: pd.DataFrame, evaluate: Evaluate
) -> tuple[pd.DataFrame, pd.DataFrame, BestPolicy | None]:
    """Re-run the best feasible trials with more replications and compare them."""
    feasible = trials[trials["feasible"]]
    if feasible.empty:
        return pd.DataFrame(), pd.DataFrame(), None
    ascending = lower_is_better(opt.objective)
    top = feasible.sort_values([opt.objective, "trial"], ascending=[ascending, True])
    top = top.drop_duplicates(subset=list(opt.levers)).head(opt.confirm_top)
    frames = []
    for _, row in top.iterrows():
        values = {name: float(row[name]) for name in opt.levers}
        kpis = evaluate(values, opt.confirm_replications).copy()
        kpis["policy"] = f"trial_{int(row['trial'])}"
        frames.append(kpis)
    confirm = pd.concat(frames, ignore_index=True)
    lower = lower_is_better(opt.objective)
    verdict = best_policy(confirm, opt.objective, lower) if len(frames) > 1 else None
    best = _best_table(opt, top, confirm, verdict)
    return confirm, best, verdict


def _best_table(
    opt: OptimizeConfig, top: pd.DataFrame, confirm: pd.DataFrame, verdict: BestPolicy | None
) -> pd.DataFrame:
    """``best.csv``: each confirmed candidate with its lever values, the objective's and
    each constrained KPI's mean over the confirmation replications (95% t interval for
    the objective), whether the constraints hold there too, and the verdict; the best
    confirmed mean first."""
    from scipy import stats

    rows = []
    for _, t in top.iterrows():
        label = f"trial_{int(t['trial'])}"
        runs = confirm[confirm["policy"] == label]
        x = runs[opt.objective].astype(float).to_numpy()
        n = len(x)
        half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        row: dict[str, Any] = {"candidate": label, "trial": int(t["trial"])}
        row.update({name: t[name] for name in opt.levers})
        row.update(
            {
                opt.objective: x.mean(),
                f"{opt.objective}_ci_low": x.mean() - half,
                f"{opt.objective}_ci_high": x.mean() + half,
                "replications": n,
            }
        )
        ok = True
        for kpi, bound in opt.constraints.items():
            m = float(runs[kpi].astype(float).mean()) if kpi in runs else math.nan
            row[kpi] = m
            ok &= bool(m <= bound)
        row["feasible_confirmed"] = ok
        if verdict is None:
            row["verdict"] = "best (the only feasible candidate)"
        elif label == verdict.best:
            row["verdict"] = "best" if verdict.clear else "best mean, not told apart"
        elif label in verdict.tied:
            row["verdict"] = "not told apart from the best"
        else:
            row["verdict"] = "worse than the best"
        rows.append(row)
    table = pd.DataFrame(rows)
    ascending = lower_is_better(opt.objective)  # the confirmed best first
    return table.sort_values([opt.objective, "trial"], ascending=[ascending, True]).reset_index(
        drop=True
    )


def apply(values: Mapping[str, float], levers: Mapping[str, Lever]) -> dict[str, float]:
    """Key -> value for every key the levers set (an int lever's values as whole
    numbers)."""
    out: dict[str, float] = {}
    for name, value in values.items():
        lever = levers[name]
        for key in lever.keys:
            out[key] = int(round(value)) if lever.kind == LeverKind.int else float(value)
    return out


def simulate_policy(cfg: SimConfig, policy: str, replications: int) -> pd.DataFrame:
    """The policy's kpis rows for ``replications`` replications of ``cfg``'s seed."""
    from dataclasses import replace

    precision = replace(cfg.run.precision, kpi="")  # the optimiser chooses replications
    run = replace(
        cfg.run, policies=[policy], replications=replications, records=False, precision=precision
    )
    return simulate(replace(cfg, run=run)).kpis
