"""Studies from Python: a comparison, a sweep, a robustness study and an optimisation,
each a function of typed configuration that returns DataFrames.

The command line runs the same studies as Hydra sweeps (one job per world or per swept
value, on any launcher, resumable) and aggregates them with the same functions
(:func:`analyse` for a robustness study); from a notebook they run in process::

    from escalationsim import compose, robustness, uncertainties

    sim = compose(["run.horizon_days=40", "run.warmup_days=10", "run.replications=2"])
    study = robustness(sim, uncertainties("default"), scenarios=8)
    study.ranking            # one row per policy: best-on-cost share, regret, ...

Every (policy, replication) pair of a world runs on ``run.workers`` processes, as
:func:`~escalationsim.experiment.runner.simulate` does; worlds and swept values run one
after the other, so the results are those of the same jobs on the command line, to the
byte (the study's worlds are sampled from ``run.seed`` as its sweep samples them).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from escalationsim.analysis import kpis as kpi_registry
from escalationsim.analysis import robustness as rb
from escalationsim.config.fields import ConfigError, closest, is_int, is_real
from escalationsim.experiment import optimize
from escalationsim.experiment.inert import idle_everywhere, inert_reason, inert_settings
from escalationsim.experiment.job import SimConfig, validate
from escalationsim.experiment.runner import Results, simulate
from escalationsim.experiment.uncertainty import (
    RobustnessConfig,
    Sampler,
    Uncertainty,
    sample,
)
from escalationsim.experiment.uncertainty import validate as validate_study


def _walk(root: Any, key: str) -> tuple[Any, str]:
    """The object holding the last part of dotted ``key`` under ``root`` (a SimConfig:
    ``scenario.`` and ``policies.<name>.``; a number picks a list's item), and that
    part; a ConfigError if the path does not exist, naming the key probably meant."""
    parts = key.split(".")
    node: Any = root
    holder: Any = root
    for i, part in enumerate(parts):
        holder = node
        options: list[str] = []
        if isinstance(node, dict):
            options = [str(k) for k in node]
            node = node.get(part)
        elif isinstance(node, list):  # a list item by its position: shifts.0.count
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif dataclasses.is_dataclass(node):
            options = [f.name for f in dataclasses.fields(node)]
            node = getattr(node, part, None)
        else:
            node = None
        if node is None:
            near = closest(part, options)
            hint = f" (did you mean {'.'.join([*parts[:i], near])!r}?)" if near else ""
            raise ConfigError(f"{key} is not a key of the configuration{hint}")
    return holder, parts[-1]


def refuse_inert(
    jobs: Sequence[tuple[SimConfig, Iterable[str]]], study: bool = False, what: str = ""
) -> None:
    """A ConfigError for a key that cannot act in any of the ``jobs`` that set it (each
    job's config and the keys it sets; ``study``: jobs of a robustness study), as the
    command line refuses it (:mod:`escalationsim.experiment.inert`): a key swept over
    jobs where it acts in some is allowed."""
    verdicts: dict[str, list[str | None]] = {}
    for sim, keys in jobs:
        inert = inert_settings(sim, study=study)
        for key in keys:
            verdicts.setdefault(key, []).append(inert_reason(key, inert))
    idle = idle_everywhere(verdicts)
    if idle is not None:
        key, why = idle
        where = what or ("any job of this study" if len(verdicts[key]) > 1 else "this job")
        raise ConfigError(f"{key} cannot act in {where}: {why}")


def with_values(
    sim: SimConfig, values: Mapping[str, float], *, check_inert: bool = True
) -> SimConfig:
    """A copy of ``sim`` with each dotted key set to its value (typed as the key's
    current value), checked as any job is; a ConfigError names a key that does not exist,
    does not hold a number, or cannot act in the job (a policy's lever when the policy is
    not compared: ``check_inert=False`` leaves that check to the caller, as a sweep does
    over all its jobs)."""
    out = copy.deepcopy(sim)
    for key, value in values.items():
        node, last = _walk(out, key)
        current = (
            node[int(last)]
            if isinstance(node, list)
            else node[last]
            if isinstance(node, dict)
            else getattr(node, last)
        )
        if not is_real(current):
            raise ConfigError(f"{key} is {current!r}: a parameter must set a number")
        if not is_real(value):
            raise ConfigError(f"{key} = {value!r} is not allowed: must be a number")
        if is_int(current) and not float(value).is_integer():
            raise ConfigError(f"{key} = {value!r} is not allowed: must be a whole number")
        new = int(value) if is_int(current) else float(value)
        if isinstance(node, list):
            node[int(last)] = new
        elif isinstance(node, dict):
            node[last] = new
        else:
            setattr(node, last, new)
    validate(out)
    if check_inert:
        refuse_inert([(out, values)])
    return out


# --------------------------------------------------------------------------- compare, sweep


def compare(sim: SimConfig) -> Results:
    """Every policy of ``run.policies`` on the scenario, with common random numbers: the
    command line's default job (``escalationsim``) without its files."""
    return simulate(sim)


def sweep(sim: SimConfig, grid: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Every combination of the values in ``grid`` (dotted key -> values, like a Hydra
    sweep's ``key=a,b,c``), each a comparison of ``run.policies``: their KPI rows, one
    column per swept key first. Every combination is checked before any runs."""
    if not isinstance(grid, Mapping) or not grid:
        raise ConfigError(f"grid = {grid!r} is not allowed: must map keys to lists of values")
    for key, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise ConfigError(
                f"grid[{key!r}] = {values!r} is not allowed: must be a non-empty list of values"
            )
    keys = list(grid)
    combos = [dict(zip(keys, vs, strict=True)) for vs in itertools.product(*grid.values())]
    jobs = [(combo, with_values(sim, combo, check_inert=False)) for combo in combos]
    refuse_inert([(cfg, combo) for combo, cfg in jobs], what="any job of this sweep")
    frames = []
    for combo, cfg in jobs:
        k = simulate(cfg).kpis
        for i, key in enumerate(keys):
            k.insert(i, key, combo[key])
        frames.append(k)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- robustness


@dataclass
class RobustnessStudy:
    """A robustness study's results: the sampled worlds (``values``: one row per scenario,
    one column per uncertainty), every run's KPIs (``kpis``, with ``scenario``), the
    per-world means over replications (``means``), ``ranking`` (ranking.csv),
    ``robustness`` (robustness.csv: the study's KPIs beside each world's values), the
    leading policy and the runner-up (lowest mean regret), the sensitivity of their cost
    difference to each uncertainty (``sensitivity``: SALib's PAWN, delta and S1; empty
    with one policy), and for each rival the box of worlds where the leader costs more
    (``flips``)."""

    cost_kpi: str
    values: pd.DataFrame
    kpis: pd.DataFrame
    means: pd.DataFrame
    ranking: pd.DataFrame
    robustness: pd.DataFrame
    leader: str
    runner: str | None
    cost: pd.DataFrame
    """Each world's mean cost KPI, one column per policy."""
    difference: pd.Series | None = None
    """The leader's cost minus the runner-up's, by world."""
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    flips: dict[str, rb.Box] = field(default_factory=dict)
    idle: dict[str, str] = field(default_factory=dict)
    """The uncertainties that can act in no world of the study (each with the reason):
    their sensitivity is nil by construction."""


def analyse(
    kpis: pd.DataFrame,
    values: pd.DataFrame,
    cost_kpi: str = "cost_per_complaint",
    fairness_kpis: Sequence[str] = (),
) -> RobustnessStudy:
    """A study's results from its runs' KPI rows (with ``scenario``) and its worlds'
    values (indexed by ``scenario``): what the command line's sweep writes into its
    folder, and what :func:`robustness` returns."""
    params = values.sort_index()
    # the study's own KPIs and those the report's differences show (the paired view):
    # every KPI would make robustness.csv three times larger, each row repeating its
    # world's values; the runs' KPI rows keep them all
    shown = [k.name for k in kpi_registry.view("paired")]
    wanted = list(dict.fromkeys([cost_kpi, "meets_targets", *fairness_kpis, *shown]))
    long = rb.long_table(kpis, params, wanted)
    means = rb.scenario_means(kpis, wanted)
    rank = rb.ranking(means, cost_kpi, list(fairness_kpis))
    leader, runner = rb.leading_pair(rank)
    cost = rb.wide(means, cost_kpi)
    study = RobustnessStudy(cost_kpi, params, kpis, means, rank, long, leader, runner, cost)
    if runner is None:
        return study
    diff = (cost[leader] - cost[runner]).reindex(params.index)
    study.difference = diff
    study.sensitivity = rb.sensitivity(params, diff.to_numpy())
    rivals = [runner] + [
        p
        for p in rank.sort_values(["regret_mean", "policy"])["policy"]
        if p not in (leader, runner)
    ]
    for rival in rivals:
        loses = (cost[leader] - cost[rival]).reindex(params.index).to_numpy() > 0
        study.flips[rival] = rb.discover(params, loses)
    return study


def robustness(
    sim: SimConfig,
    uncertainties: Mapping[str, Uncertainty],
    study: RobustnessConfig | None = None,
    *,
    scenarios: int | None = None,
    sampler: Sampler | str | None = None,
) -> RobustnessStudy:
    """Which policy of ``run.policies`` wins across worlds sampled from ``uncertainties``
    (``study.scenarios`` of them, from ``run.seed``), by how much it can lose, what the
    answer hinges on and when it flips; every world is checked before any runs.
    ``scenarios`` and ``sampler`` override ``study``'s."""
    study = study or RobustnessConfig()
    changes: dict[str, Any] = {"scenario": -1}
    if scenarios is not None:
        changes["scenarios"] = scenarios
    if sampler is not None:
        allowed = [s.value for s in Sampler]
        if str(getattr(sampler, "value", sampler)) not in allowed:
            raise ConfigError(f"sampler = {sampler!r} is not allowed: must be one of {allowed}")
        changes["sampler"] = Sampler(sampler)
    study = replace(study, **changes)
    if not isinstance(uncertainties, Mapping) or not all(
        isinstance(u, Uncertainty) for u in uncertainties.values()
    ):
        raise ConfigError(
            "uncertainties is not allowed: must map names to Uncertainty declarations, e.g. "
            "escalationsim.uncertainties('default')"
        )
    if not uncertainties:
        raise ConfigError(
            "uncertainty is empty: a robustness study needs at least one uncertain "
            "parameter (e.g. escalationsim.uncertainties('default'))"
        )
    validate_study(dict(uncertainties), study)
    for name, u in uncertainties.items():  # every key, and both ends of each range, first
        for end in ("low", "high"):
            try:
                with_values(sim, u.settings(getattr(u, end)), check_inert=False)
            except ConfigError as err:
                raise ConfigError(f"uncertainty.{name} at its {end} end: {err}") from None
    table = sample(uncertainties, study.scenarios, sim.run.seed, study.sampler)
    worlds = []
    for scenario, row in table.iterrows():
        keyed: dict[str, float] = {}
        for name, value in row.items():
            keyed.update(uncertainties[str(name)].settings(value))
        try:
            worlds.append((scenario, with_values(sim, keyed, check_inert=False)))
        except ConfigError as err:
            raise ConfigError(f"robustness scenario {scenario}: {err}") from None
    # An uncertainty that can act in no world (word of mouth when no compared policy's
    # CEO is seen) changes nothing: kept, as the command line keeps a shipped one, and
    # reported in the result (``idle``) rather than read as "no effect" by accident.
    inert = [inert_settings(cfg, study=True) for _, cfg in worlds]
    idle = {}
    for name, u in uncertainties.items():
        why = [inert_reason(k, job) for job in inert for k in u.keys]
        if u.keys and all(why):
            idle[name] = f"{u.keys[0]} cannot act in any world of this study: {why[0]}"
    frames = [simulate(cfg).kpis.assign(scenario=int(s)) for s, cfg in worlds]
    kpis = pd.concat(frames, ignore_index=True)
    result = analyse(kpis, table, study.cost_kpi, study.fairness_kpis)
    result.idle = idle
    return result


# --------------------------------------------------------------------------- one at a time


@dataclass
class Screen:
    """A one-at-a-time screen: the two policies cheapest on the default world
    (``policy_a`` the cheaper), the paired difference of their cost KPI there
    (``base``: mean and 95% interval over replications), and ``table``: for each
    uncertainty at its low and its high end, all else default, the same difference
    (tornado.csv; ``flips``: its sign is the other way from the default's, the interval
    excluding 0; ``idle``: why the uncertainty cannot act on these two policies, its
    difference then the default's without a run), sorted by swing (the largest first)."""

    cost_kpi: str
    policy_a: str
    policy_b: str
    base: tuple[float, float, float]
    table: pd.DataFrame
    default_costs: pd.Series
    """Each policy's mean cost KPI on the default world."""


def _paired(kpis: pd.DataFrame, cost_kpi: str, a: str, b: str) -> tuple[float, float, float]:
    """Mean and 95% interval of ``a``'s cost KPI minus ``b``'s, paired by replication."""
    from escalationsim.analysis.aggregate import mean_ci

    wide = kpis.pivot_table(index="replication", columns="policy", values=cost_kpi)
    return mean_ci((wide[a] - wide[b]).to_numpy())


def screen(
    sim: SimConfig,
    uncertainties: Mapping[str, Uncertainty],
    cost_kpi: str = "cost_per_complaint",
    progress: Any = None,
) -> Screen:
    """Each uncertainty at its low and its high end, every other setting at the job's
    own value: how far the cost difference between the two policies of ``run.policies``
    cheapest on the job's own world moves, and whether it changes sign (a tornado,
    beside the robustness study's global view; Saltelli et al. 2008 on one-at-a-time
    screens: they miss interactions, which the global study's sensitivity keeps).
    Every end is checked before anything runs; ``progress(name, end)`` is called after
    each run."""
    if len(sim.run.policies) < 2:
        raise ConfigError("run.policies: a screen compares policies: give at least two")
    if not uncertainties:
        raise ConfigError("uncertainty is empty: a screen needs at least one uncertainty")
    ends = {}
    for name, u in uncertainties.items():
        for end in ("low", "high"):
            try:
                ends[name, end] = u.settings(getattr(u, end))
                with_values(sim, ends[name, end], check_inert=False)
            except ConfigError as err:
                raise ConfigError(f"uncertainty.{name} at its {end} end: {err}") from None
    default = simulate(sim).kpis
    costs = default.groupby("policy")[cost_kpi].mean().sort_values(kind="stable")
    a, b = str(costs.index[0]), str(costs.index[1])
    pair = replace(sim, run=replace(sim.run, policies=[a, b]))
    base = _paired(default, cost_kpi, a, b)
    inert = inert_settings(pair, study=True)
    rows = []
    for (name, end), values in ends.items():
        u = uncertainties[name]
        why = [inert_reason(k, inert) for k in u.keys]
        # the reason of a key of one of the two policies, if any, rather than "not run"
        own = [
            w for w in why if w and not w.endswith("(or, for the optimiser, set optimize.policy)")
        ]
        idle = (own or why)[0] if u.keys and all(why) else ""
        if idle:  # it cannot act on these two policies: their difference is the default's
            mean, lo, hi = base
        else:
            kpis = simulate(with_values(pair, values, check_inert=False)).kpis
            mean, lo, hi = _paired(kpis, cost_kpi, a, b)
        rows.append(
            {
                "uncertainty": name,
                "label": u.describe(name),
                "unit": u.unit,
                "end": end,
                "value": float(next(iter(values.values()))),
                "difference": mean,
                "ci_low": lo,
                "ci_high": hi,
                "flips": bool(lo > 0) if base[0] < 0 else bool(hi < 0),
                "idle": idle,
            }
        )
        if progress is not None:
            progress(name, end)
    table = pd.DataFrame(rows)
    swing = table.groupby("uncertainty")["difference"].agg(lambda d: d.max() - d.min())
    order = swing.sort_values(ascending=False, kind="stable").index
    table["swing"] = table["uncertainty"].map(swing)
    table["rank"] = table["uncertainty"].map({n: i + 1 for i, n in enumerate(order)})
    table = table.sort_values(["rank", "end"], ascending=[True, False], kind="stable")
    return Screen(cost_kpi, a, b, base, table.reset_index(drop=True), costs)


# --------------------------------------------------------------------------- optimisation


def optimise(
    sim: SimConfig, opt: optimize.OptimizeConfig, storage: Path | None = None
) -> optimize.Outcome:
    """Lever values of ``opt.policy`` that minimise (or maximise) ``opt.objective`` under
    its constraints (Optuna's TPE, then the best candidates confirmed on fresh
    replications): trials, the confirmed best and the confirmation runs' KPI rows.
    ``storage``: an SQLite file to keep (and resume) the Optuna study in; a temporary
    one by default."""
    import tempfile

    optimize.validate(opt, list(sim.policies))
    inert = inert_settings(sim, job="optimize", compared=[opt.policy])
    for name, lever in opt.levers.items():  # trials of a lever no key of which acts: refused
        why = [inert_reason(key, inert) for key in lever.keys]
        if lever.keys and all(why):
            raise ConfigError(
                f"optimize.levers.{name}.keys: {lever.keys[0]} cannot act in this "
                f"configuration, so the values tried would change nothing: {why[0]}"
            )

    def evaluate(values: dict[str, float], replications: int, seed: int) -> pd.DataFrame:
        trial = with_values(sim, optimize.apply(values, opt.levers), check_inert=False)
        return optimize.simulate_policy(trial, opt.policy, replications, seed)

    if storage is not None:
        return optimize.run(opt, sim.run.seed, evaluate, storage)
    with tempfile.TemporaryDirectory() as tmp:
        return optimize.run(opt, sim.run.seed, evaluate, Path(tmp) / "optuna.db")


__all__ = [
    "RobustnessStudy",
    "Screen",
    "refuse_inert",
    "analyse",
    "compare",
    "optimise",
    "robustness",
    "screen",
    "sweep",
    "with_values",
]
