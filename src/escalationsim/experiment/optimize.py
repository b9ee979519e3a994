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
best feasible trials are re-run with ``confirm_replications`` fresh replications (another
seed than the search's, the same for all candidates) and those still meeting every
constraint are compared with paired t-tests against the best mean, Holm-corrected
(:func:`escalationsim.analysis.ranking.best_policy`): one is declared best with 95%
confidence, or the candidates it cannot be told from are named.
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

from escalationsim.analysis.aggregate import mean_ci
from escalationsim.analysis.ranking import BestPolicy, best_policy, lower_is_better
from escalationsim.config.fields import (
    ConfigError,
    check,
    int_in,
    int_min,
    is_num,
    one_of,
    param,
    validate_tree,
)
from escalationsim.experiment.job import SimConfig
from escalationsim.experiment.parameter import Parameter
from escalationsim.experiment.runner import simulate

log = logging.getLogger("escalationsim")

STUDY_NAME = "escalationsim"


class LeverKind(str, Enum):
    """How a lever's values are searched."""

    float = "float"
    int = "int"
    log = "log"  # a positive number searched on a log scale


@dataclass
class Lever(Parameter):
    """A decision variable (a :class:`~.parameter.Parameter`: the configuration keys it
    sets, several keys taking the same value, and its range), with how it is searched."""

    kind: LeverKind = param(LeverKind.float, one_of(LeverKind))

    @property
    def log_scale(self) -> bool:
        return self.kind == LeverKind.log

    @property
    def whole(self) -> bool:
        return self.kind == LeverKind.int

    @property
    def spread(self) -> str:
        return f"kind {LeverKind(self.kind).value}"


@dataclass
class OptimizeConfig:
    """An optimisation (``experiment=optimize``): the ``levers`` of policy ``policy`` that
    minimise ``objective`` (a KPI, mean over replications; maximise it if more of it is
    better) subject to ``constraints`` (KPI -> the most its mean may be) and ``floors``
    (KPI -> the least its mean may be, e.g. ``meets_targets: 1``)."""

    policy: str = "empowered_rep"
    levers: dict[str, Lever] = field(default_factory=dict)
    objective: str = "cost_per_complaint"
    constraints: dict[str, float] = field(default_factory=dict)
    floors: dict[str, float] = field(default_factory=dict)
    trials: int = param(30, int_in(1, 100_000))
    replications: int = param(2, int_min(1))
    confirm_top: int = param(3, int_min(1))
    confirm_replications: int = param(10, int_min(2))
    startup_trials: int = param(8, int_min(1))
    """Trials proposed at random before TPE models the history."""

    def check_rules(self, prefix: str) -> None:
        for group in ("constraints", "floors"):
            for name, bound in getattr(self, group).items():
                check(f"{prefix}.{group}.{name}", bound, is_num(bound), "a finite number")

    def limits(self) -> list[tuple[str, float, float]]:
        """Every constraint as (KPI, bound, sign): the trial is feasible when
        ``sign * (mean - bound) <= 0`` for each."""
        return [(k, b, 1.0) for k, b in self.constraints.items()] + [
            (k, b, -1.0) for k, b in self.floors.items()
        ]


def validate(opt: OptimizeConfig, policies: list[str]) -> None:
    """The optimisation's settings in range, its policy defined, its objective and
    constrained KPIs KPIs of kpis.csv, at least one lever, a key set by one lever only;
    a ConfigError naming the key otherwise."""
    from escalationsim.analysis.ranking import rankable

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
    allowed = rankable()
    named = [("optimize.objective", opt.objective)]
    named += [(f"optimize.constraints.{k}", k) for k in opt.constraints]
    named += [(f"optimize.floors.{k}", k) for k in opt.floors]
    for key, kpi in named:
        if kpi not in allowed:
            raise ConfigError(
                f"{key}: {kpi!r} is not allowed: must be a numeric KPI of kpis.csv, e.g. "
                "cost_per_complaint, phone_abandon_rate, ttr_p90_h_resolved, meets_targets "
                "(docs/metrics.md lists them)"
            )
    from escalationsim.analysis.kpis import by_name

    objective = by_name().get(opt.objective)
    if objective is not None and objective.direction == "closer":
        raise ConfigError(
            f"optimize.objective: {opt.objective!r} is not allowed: it is better the closer "
            f"it is to {objective.target:g}, not lower or higher; bound it on both sides "
            "instead (optimize.constraints and optimize.floors) and minimise another KPI"
        )
    seen: dict[str, str] = {}
    for name, lever in opt.levers.items():
        for key in lever.keys:
            if key in seen:
                raise ConfigError(
                    f"optimize.levers.{name}.keys: {key} is already set by lever {seen[key]}"
                )
            seen[key] = name


Evaluate = Callable[[dict[str, float], int, int], pd.DataFrame]
"""Simulate the policy with these lever values, this many replications and this seed
(the same for every trial: common random numbers); return its kpis rows."""


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
    """The trial's value of one lever, as Optuna proposes it for the lever's kind."""
    if lever.kind == LeverKind.int:
        return float(trial.suggest_int(name, int(lever.low), int(lever.high)))
    return float(trial.suggest_float(name, lever.low, lever.high, log=lever.kind == LeverKind.log))


def confirm_seed(seed: int) -> int:
    """The confirmation's seed: other replications than the search's (which chose the
    candidates on theirs), the same for every candidate."""
    return int(np.random.SeedSequence([seed, CONFIRM_KEY]).generate_state(1)[0])


CONFIRM_KEY = 0xC0F1
"""Mixed with ``run.seed`` into the confirmation's seed."""


def run(opt: OptimizeConfig, seed: int, evaluate: Evaluate, storage: Path) -> Outcome:
    """Run (or resume) the study stored in ``storage``, then confirm its best trials."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sign = 1.0 if lower_is_better(opt.objective) else -1.0
    limits = opt.limits()

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
        means = evaluate(values, opt.replications, seed).mean(numeric_only=True)
        cons = []
        for kpi, bound, direction in limits:
            c = direction * (float(means.get(kpi, math.nan)) - bound)
            cons.append(c if math.isfinite(c) else math.inf)  # no value: not feasible
            trial.set_constraint(kpi, c if math.isfinite(c) else 1e300)  # feasible: <= 0
        trial.set_user_attr("constraints", cons)
        trial.set_user_attr("kpis", {k: float(means.get(k, math.nan)) for k, _, _ in limits})
        value = float(means.get(opt.objective, math.nan))
        return sign * value if math.isfinite(value) else math.inf

    while (done := complete_trials(study)) < opt.trials:
        study.sampler = sampler(done)
        study.optimize(objective, n_trials=1)
        log.info("trial %d of %d done", done + 1, opt.trials)
    trials = trial_table(study, opt, sign)
    confirm, best, verdict = _confirm(opt, trials, evaluate, seed)
    return Outcome(trials, confirm, best, verdict, opt.objective)


def complete_trials(study: Any) -> int:
    """How many trials of the Optuna ``study`` are complete."""
    import optuna

    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def trial_table(study: Any, opt: OptimizeConfig, sign: float = 1.0) -> pd.DataFrame:
    """``trials.csv``: one row per complete trial, numbered in the order they completed
    (``order``: the same whether or not the study was interrupted, unlike Optuna's own
    numbers, which count failed trials too): its lever values, objective (mean over its
    replications), each constrained KPI and whether every constraint holds."""
    import optuna

    rows = []
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    for order, t in enumerate(done, 1):
        row: dict[str, Any] = {"order": order}
        row.update({name: t.params[name] for name in opt.levers})
        row[opt.objective] = sign * t.value if t.value is not None else math.nan
        row.update(t.user_attrs.get("kpis", {}))
        cons = t.user_attrs.get("constraints", [])
        row["feasible"] = bool(all(c <= 0 for c in cons))
        rows.append(row)
    return pd.DataFrame(rows)


def _confirm(
    opt: OptimizeConfig, trials: pd.DataFrame, evaluate: Evaluate, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, BestPolicy | None]:
    """Re-run the best feasible trials with more, fresh replications and compare those
    that still meet every constraint."""
    if trials.empty or not trials["feasible"].any():
        return pd.DataFrame(), pd.DataFrame(), None
    feasible = trials[trials["feasible"]]
    ascending = lower_is_better(opt.objective)
    top = feasible.sort_values([opt.objective, "order"], ascending=[ascending, True])
    top = top.drop_duplicates(subset=list(opt.levers)).head(opt.confirm_top)
    frames = []
    for _, row in top.iterrows():
        values = {name: float(row[name]) for name in opt.levers}
        kpis = evaluate(values, opt.confirm_replications, confirm_seed(seed)).copy()
        kpis["policy"] = f"trial_{int(row['order'])}"
        frames.append(kpis)
    confirm = pd.concat(frames, ignore_index=True)
    ok = _feasible_confirmed(opt, confirm)
    kept = confirm[confirm["policy"].isin([p for p, good in ok.items() if good])]
    lower = lower_is_better(opt.objective)
    verdict = best_policy(kept, opt.objective, lower) if kept["policy"].nunique() > 1 else None
    best = _best_table(opt, top, confirm, ok, verdict)
    order = list(best["candidate"])  # the confirmed best first, in the tables and report
    confirm["policy"] = pd.Categorical(confirm["policy"], order, ordered=True)
    confirm = confirm.sort_values(["policy", "replication"]).reset_index(drop=True)
    confirm["policy"] = confirm["policy"].astype(str)
    return confirm, best, verdict


def _feasible_confirmed(opt: OptimizeConfig, confirm: pd.DataFrame) -> dict[str, bool]:
    """Candidate -> whether its confirmation means meet every constraint."""
    out = {}
    for label, runs in confirm.groupby("policy", sort=False):
        means = runs.mean(numeric_only=True)
        out[str(label)] = all(
            math.isfinite(m := float(means.get(k, math.nan))) and d * (m - b) <= 0
            for k, b, d in opt.limits()
        )
    return out


VERDICTS = {
    "best": "best with 95% confidence",
    "tied": "best mean, not told apart from another",
    "not_told": "not told apart from the best",
    "worse": "worse than the best",
    "alone": "best: the only candidate meeting every constraint on confirmation",
    "missed": "misses a constraint on confirmation",
}
"""The ``verdict`` column of best.csv."""


def _best_table(
    opt: OptimizeConfig,
    top: pd.DataFrame,
    confirm: pd.DataFrame,
    ok: dict[str, bool],
    verdict: BestPolicy | None,
) -> pd.DataFrame:
    """``best.csv``: each confirmed candidate with its lever values, the objective's and
    each constrained KPI's mean over the confirmation replications (95% t interval for
    the objective), whether the constraints hold there too, and the verdict
    (:data:`VERDICTS`); the best first, then by confirmed mean."""
    rows = []
    for _, t in top.iterrows():
        label = f"trial_{int(t['order'])}"
        runs = confirm[confirm["policy"] == label]
        x = runs[opt.objective].astype(float).to_numpy()
        mean, low, high = mean_ci(x)
        row: dict[str, Any] = {"candidate": label, "order": int(t["order"])}
        row.update({name: t[name] for name in opt.levers})
        row.update(
            {
                opt.objective: mean,
                f"{opt.objective}_ci_low": low,
                f"{opt.objective}_ci_high": high,
                "replications": len(x),
            }
        )
        for kpi, _, _ in opt.limits():
            row[kpi] = float(runs[kpi].astype(float).mean()) if kpi in runs else math.nan
        row["feasible_confirmed"] = ok[label]
        if not ok[label]:
            row["verdict"] = VERDICTS["missed"]
        elif verdict is None:
            row["verdict"] = VERDICTS["alone"]
        elif label == verdict.best:
            row["verdict"] = VERDICTS["best"] if verdict.clear else VERDICTS["tied"]
        elif label in verdict.tied:
            row["verdict"] = VERDICTS["not_told"]
        else:
            row["verdict"] = VERDICTS["worse"]
        rows.append(row)
    table = pd.DataFrame(rows)
    first = table["verdict"].isin([VERDICTS["best"], VERDICTS["tied"], VERDICTS["alone"]])
    table = table.assign(_first=~first).sort_values(
        ["_first", opt.objective], ascending=[True, lower_is_better(opt.objective)]
    )
    return table.drop(columns="_first").reset_index(drop=True)


def apply(values: Mapping[str, float], levers: Mapping[str, Lever]) -> dict[str, float]:
    """Key -> value for every key the levers set (an int lever's values as whole
    numbers)."""
    out: dict[str, float] = {}
    for name, value in values.items():
        out.update(levers[name].settings(value))
    return out


def simulate_policy(cfg: SimConfig, policy: str, replications: int, seed: int) -> pd.DataFrame:
    """The policy's kpis rows for ``replications`` replications of ``seed``."""
    from dataclasses import replace

    precision = replace(cfg.run.precision, kpi="")  # the optimiser chooses replications
    run = replace(
        cfg.run,
        policies=[policy],
        replications=replications,
        seed=seed,
        records=False,
        precision=precision,
    )
    return simulate(replace(cfg, run=run)).kpis
