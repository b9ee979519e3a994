"""A robustness study (``escalationsim experiment=robustness``): its jobs, and the
study's files once they have all run.

The study is a Hydra sweep over ``robustness.scenario`` (0 .. ``robustness.scenarios``
- 1), so it runs on every launcher (joblib, Ray, SLURM) and resumes like any sweep. Each
job composes the usual configuration, then :func:`apply_scenario` sets every uncertain
key to the values of its scenario (:mod:`escalationsim.experiment.uncertainty`, drawn
from ``run.seed``), so the job's recorded configuration, its hash and its results are
those of that world; it runs every policy of ``run.policies`` on it with common random
numbers and writes the values it ran with to ``uncertain.csv``.

When the sweep ends, :func:`study_report` (called by the sweep's report) reads every
job's KPIs and values and writes, into the sweep's folder: ``robustness.csv``,
``ranking.csv``, ``sensitivity.csv``, ``discovery.md`` and the study's plots (analysis in
:mod:`escalationsim.analysis.robustness`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from omegaconf import DictConfig, OmegaConf

from escalationsim.analysis import kpis as kpi_registry
from escalationsim.analysis import robustness as rb
from escalationsim.analysis.aggregate import mean_ci
from escalationsim.app.tables import to_markdown
from escalationsim.config.fields import ConfigError, is_int, is_real
from escalationsim.experiment.studies import analyse
from escalationsim.experiment.uncertainty import Dist, Uncertainty, point

if TYPE_CHECKING:
    from escalationsim.app.schema import AppConfig

SENS_SHOWN = ("parameter", "label", "pawn", "delta", "delta_conf", "S1", "S1_conf", "rank")
UNCERTAIN_FILE = "uncertain.csv"
"""A study job's scenario number and the values it ran with."""
_ABSENT = object()


def apply_scenario(cfg: DictConfig) -> dict[str, float] | None:
    """For a job of a study (``robustness.scenario`` >= 0): set each uncertain key of
    ``cfg`` to its scenario's value, in place, and return the values by uncertainty name;
    None for any other job. Only the study's own sections are typed here (the whole
    configuration is typed once, after); a ConfigError names a bad declaration, a key
    that is not in the configuration or one that is not a number."""
    from escalationsim.app.schema import typed
    from escalationsim.experiment.uncertainty import RobustnessConfig, validate

    node = cfg.get("robustness")
    if node is None or not is_int(node.get("scenario", -1)) or node.get("scenario", -1) < 0:
        return None
    seed = OmegaConf.select(cfg, "run.seed", default=None)
    if not is_int(seed) or seed < 0:
        return None  # refused, by name, when the whole configuration is typed
    study: RobustnessConfig = typed(RobustnessConfig, node, "robustness")
    declared = cfg.get("uncertainty") or {}
    uncertainties = {
        str(name): typed(Uncertainty, u, f"uncertainty.{name}") for name, u in declared.items()
    }
    validate(uncertainties, study)
    values = point(uncertainties, study, int(seed))
    for name, value in values.items():
        u = uncertainties[name]
        for key in u.keys:
            current = OmegaConf.select(cfg, key, default=_ABSENT)
            where = f"uncertainty.{name}.keys: {key}"
            if current is _ABSENT:
                raise ConfigError(f"{where} is not a key of the configuration")
            if current is None:
                raise ConfigError(f"{where} is null: an uncertain key must hold a number")
            if not is_real(current):
                raise ConfigError(f"{where} is {current!r}: an uncertain key must be a number")
            # a whole number only where the spread says so (the YAML may write 600 for 600.0)
            new = round(value) if u.dist == Dist.integer else value
            OmegaConf.update(cfg, key, new, merge=False)
    return values


def uncertain_row(app: AppConfig, values: dict[str, float]) -> pd.DataFrame:
    """The one-row table of ``uncertain.csv``."""
    return pd.DataFrame([{"scenario": app.robustness.scenario, **values}])


# --------------------------------------------------------------------------- the study


@dataclass
class StudyReport:
    """What a study adds to its sweep's report: tables to write, report.md lines, the
    sentences of report.html's answer, its tables, and the plots drawn."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    html_tables: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    """Plots by PNG file name (matplotlib figures, saved by the sweep's report)."""
    discovery: str = "# Scenario discovery\n\nOne policy only: nothing to compare.\n"
    sensitive: dict[str, str] = field(default_factory=dict)
    """Uncertain configuration key -> its range and sensitivity rank (report.html)."""


def is_study(jobs: list[Path]) -> bool:
    """Whether the jobs are those of a robustness study (they wrote uncertain.csv)."""
    return any((j / UNCERTAIN_FILE).exists() for j in jobs)


def _declared(jobs: list[Path]) -> tuple[dict[str, Uncertainty], dict[str, Any]]:
    """The study's uncertainties and settings, as its first readable job recorded them."""
    from escalationsim.app.schema import typed

    for job in jobs:
        path = job / ".hydra" / "config.yaml"
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text()) or {}
        unc = {
            str(name): typed(Uncertainty, d, f"uncertainty.{name}")
            for name, d in (data.get("uncertainty") or {}).items()
        }
        return unc, data.get("robustness") or {}
    return {}, {}


def read_values(jobs: list[Path]) -> pd.DataFrame:
    """Every job's scenario number and values (uncertain.csv), with its job folder."""
    frames = []
    for job in jobs:
        path = job / UNCERTAIN_FILE
        if path.exists():
            frames.append(pd.read_csv(path).assign(_job=job))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _label(name: str, u: Uncertainty | None) -> str:
    """An uncertain parameter's words for plots and tables, with its unit."""
    if u is None:
        return name
    text = u.describe(name)
    return f"{text} ({u.unit})" if u.unit else text


def study_report(kpis: pd.DataFrame, root: Path, jobs: list[Path], plots: bool) -> StudyReport:
    """The study's tables, sentences and plots from the KPI rows of its jobs (``kpis``,
    with the ``job`` column naming each row's folder relative to ``root``)."""
    values = read_values(jobs)
    uncertainties, settings = _declared(jobs)
    cost_kpi = str(settings.get("cost_kpi", "cost_per_complaint"))
    fairness = list(settings.get("fairness_kpis") or [])
    names = [c for c in values.columns if c not in ("scenario", "_job")]
    rel = {
        str(j.relative_to(root)) if j != root else ".": s
        for j, s in zip(values["_job"], values["scenario"], strict=True)
    }
    data = kpis.assign(scenario=kpis["job"].map(rel)).dropna(subset=["scenario"])
    data["scenario"] = data["scenario"].astype(int)
    params = values.drop(columns="_job").drop_duplicates("scenario").set_index("scenario")
    params = params.sort_index()[names]
    n = len(params)
    rep = StudyReport()

    reg = kpi_registry.by_name()
    st = analyse(data, params, cost_kpi, fairness)
    rep.tables["robustness.csv"] = st.robustness
    rank = st.ranking
    policies = list(dict.fromkeys(data["policy"]))
    rep.tables["ranking.csv"] = rank
    unit = reg[cost_kpi].unit if cost_kpi in reg else ""
    labels = {nm: _label(nm, uncertainties.get(nm)) for nm in names}

    lines = ["", f"## Robustness across {n} scenarios", ""]
    lines.append(
        f"Each scenario is a world sampled from the declared uncertainties "
        f"({settings.get('sampler', 'lhs')} design); every policy ran on it with the same "
        f"customers. Best = lowest mean {cost_kpi} over the replications of that scenario. "
        "Shares are shares of the sampled design (its ranges and spreads), not "
        "probabilities of the world."
    )
    if "scenarios_some_meet_targets" in rank:
        some = int(rank["scenarios_some_meet_targets"].iloc[0])
        lines.append(
            f'\n"Best meeting targets" counts the {some} worlds in which at least one '
            f"policy meets the service targets (in most of its replications); in {n - some} "
            "none does."
        )
    lines += ["", to_markdown(_rank_view(rank))]
    leader, runner = st.leader, st.runner
    lead = rank.set_index("policy").loc[leader]
    cost = st.cost
    what = re.sub(r"\s*\([^)]*\)$", "", reg[cost_kpi].label) if cost_kpi in reg else cost_kpi
    sentence = (
        f"Across {n} sampled worlds, `{leader}` has the lowest mean regret: it is the "
        f"cheapest policy in {lead['best_cost_share']:.0%} of them (95% CI "
        f"{lead['best_cost_ci_low']:.0%}-{lead['best_cost_ci_high']:.0%}), and its {what} "
        f"is on average {lead['regret_mean']:.3g} {unit} above that of the cheapest policy "
        f"of each world (90th percentile {lead['regret_p90']:.3g} {unit})."
    )
    if st.difference is not None:
        m, lo, hi = mean_ci(st.difference.to_numpy())
        told = "lower than" if hi < 0 else "higher than" if lo > 0 else "not told apart from"
        sentence += (
            f" Its mean cost is {told} that of `{runner}`, the runner-up (difference "
            f"{m:+.3g} {unit}, 95% CI {lo:+.3g} to {hi:+.3g}, paired over the worlds)."
        )
    minimax = rank.sort_values(["regret_max", "policy"]).iloc[0]
    if minimax["policy"] != leader:
        sentence += (
            f" The policy whose worst world costs least against the best is "
            f"`{minimax['policy']}` (largest regret {minimax['regret_max']:.3g} {unit}, "
            f"against {lead['regret_max']:.3g} for `{leader}`)."
        )

    rep.answer.append(sentence.replace("`", ""))
    lines += ["", sentence]
    if runner is not None:
        sens = st.sensitivity.copy()
        sens.insert(1, "label", sens["parameter"].map(labels))
        sens["keys"] = sens["parameter"].map(
            lambda p: " ".join(uncertainties[p].keys) if p in uncertainties else ""
        )
        sens["source"] = sens["parameter"].map(
            lambda p: uncertainties[p].source if p in uncertainties else ""
        )
        sens.insert(0, "of", f"{cost_kpi}: {leader} minus {runner}")
        rep.tables["sensitivity.csv"] = sens
        above = sens[sens["pawn"] > sens["noise_floor"]]
        top = above["parameter"].head(3).tolist()
        lines += [
            "",
            f"### What the difference `{leader}` minus `{runner}` hinges on",
            "",
            "PAWN indices from the study's own sample (SALib, given data; 0 = no "
            "influence), with the index of a dummy parameter as the noise floor "
            f"({sens['noise_floor'].iloc[0]:.3f}); Borgonovo's delta and first-order Sobol' "
            "indices with 95% bootstrap half-widths from 40 scenarios on:",
            "",
            to_markdown(sens[[*SENS_SHOWN]].round(3)),
        ]
        if top:
            hinge = (
                f"The cost difference between {leader} and {runner} hinges most on "
                + ", ".join(labels[p] for p in top)
                + " (sensitivity indices: sensitivity.csv)."
            )
        else:
            hinge = (
                f"No uncertain parameter's influence on the cost difference between {leader} "
                f"and {runner} stands out from noise with {n} scenarios."
            )
        rep.answer.append(hinge)
        lines += ["", hinge]
        for _, r in sens.iterrows():
            u = uncertainties.get(r["parameter"])
            if u is not None:
                for key in u.keys:
                    rep.sensitive[key] = (
                        f"uncertain: {u.low:g} to {u.high:g} ({Dist(u.dist).value}); "
                        "sensitivity rank "
                        f"{int(r['rank'])} of {len(sens)}"
                    )
        words = {
            nm: (uncertainties[nm].describe(nm), uncertainties[nm].unit)
            if nm in uncertainties
            else (nm, "")
            for nm in names
        }
        parts = [flip_text(leader, rival, box, words, cost_kpi) for rival, box in st.flips.items()]
        rep.discovery = discovery_md(leader, parts, n, cost_kpi)
        lines += ["", "### When the ranking flips", "", *[p + "\n" for p in parts]]
        rep.answer.append(parts[0].split("\n")[0].replace("`", "").replace("**", ""))
        if plots:
            rep.figures = _study_figures(cost, params, sens, labels, policies, unit, leader, runner)
    rep.lines = lines
    rep.html_tables.append(_html_table(_rank_view(rank), "Ranking across scenarios"))
    if "sensitivity.csv" in rep.tables:
        s = rep.tables["sensitivity.csv"][[*SENS_SHOWN[1:]]]
        rep.html_tables.append(
            _html_table(s.round(3), "Sensitivity of the leading pair's cost difference")
        )
    return rep


def discovery_md(leader: str, parts: list[str], n: int, kpi: str) -> str:
    """``discovery.md``: for the leader against each rival (the runner-up first), the
    conditions under which the leader costs more."""
    return (
        "# Scenario discovery\n\n"
        f"When does `{leader}`, the policy with the lowest mean regret, cost more than each "
        f"other policy? Each box is a node of a classification tree of depth 2 "
        f"(scikit-learn) fitted to the {n} scenarios on {kpi}; coverage is the share of the "
        "scenarios where it costs more that are in the box, density the share of the "
        "scenarios in the box where it costs more.\n\n" + "\n\n".join(parts) + "\n"
    )


def flip_text(
    leader: str, rival: str, box: rb.Box, words: dict[str, tuple[str, str]], kpi: str
) -> str:
    """The conditions under which ``leader`` costs more than ``rival``, in plain words
    (``words``: each parameter's label and unit)."""
    if box.hits == 0:
        return f"`{leader}` costs less than `{rival}` in all {box.total} scenarios."
    if box.hits == box.total:
        return f"`{leader}` costs more than `{rival}` in all {box.total} scenarios."
    if not box.conditions:
        return (
            f"`{leader}` costs more than `{rival}` in {box.hits} of {box.total} scenarios, "
            "spread so that no simple box of conditions holds most of them."
        )
    conds = []
    for c in box.conditions:
        label, unit = words.get(c.parameter, (c.parameter, ""))

        def v(x: float, unit: str = unit) -> str:
            return f"{rb.fmt(x)} {unit}".strip()

        if c.above is not None and c.at_most is not None:
            conds.append(f"{label} is between {v(c.above)} and {v(c.at_most)}")
        elif c.above is not None:
            conds.append(f"{label} > {v(c.above)}")
        else:
            conds.append(f"{label} <= {v(c.at_most)}")
    return (
        f"**`{leader}` costs more than `{rival}` when {' and '.join(conds)}** "
        f"(coverage {box.coverage:.0%}: {box.hits_inside} of the {box.hits} scenarios where "
        f"it costs more are in this box; density {box.density:.0%}: it costs more in "
        f"{box.hits_inside} of the {box.inside} scenarios in the box; outside it, in "
        f"{box.hits - box.hits_inside} of {box.total - box.inside})."
    )


def _rank_view(rank: pd.DataFrame) -> pd.DataFrame:
    """The ranking as the report shows it (shares in %, intervals in brackets)."""

    def share(r: pd.Series, p: str) -> str:
        if f"{p}_share" not in r or pd.isna(r[f"{p}_share"]):
            return "n/a"
        return f"{r[f'{p}_share']:.0%} [{r[f'{p}_ci_low']:.0%}, {r[f'{p}_ci_high']:.0%}]"

    rows = []
    for _, r in rank.iterrows():
        row = {"policy": r["policy"], "best on cost": share(r, "best_cost")}
        if "best_meeting_targets_share" in r:
            row["best meeting targets"] = share(r, "best_meeting_targets")
        for col in r.index:
            if (
                col.startswith("best_")
                and col.endswith("_share")
                and col
                not in (
                    "best_cost_share",
                    "best_meeting_targets_share",
                )
            ):
                row[f"fairest ({col[5:-6]})"] = share(r, col[:-6])
        for col, words in (("regret_mean", "mean regret"), ("regret_p90", "p90 regret")):
            row[words] = f"{r[col]:.3g} [{r[col + '_ci_low']:.3g}, {r[col + '_ci_high']:.3g}]"
        rows.append(row)
    return pd.DataFrame(rows)


def _html_table(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """A table as report.html's template takes it (every cell as text)."""
    return {
        "title": title,
        "columns": list(df.columns),
        "rows": [[str(v) for v in row] for row in df.itertuples(index=False)],
    }


def _study_figures(
    cost: pd.DataFrame,
    params: pd.DataFrame,
    sens: pd.DataFrame,
    labels: dict[str, str],
    policies: list[str],
    unit: str,
    leader: str,
    runner: str,
) -> dict[str, Any]:
    """Regret box plots, the sensitivity tornado, and the scenarios on the two most
    influential parameters marked with their cheapest policy."""
    from escalationsim.app.plots import plot_regret, plot_sensitivity, plot_winners

    figs = {
        "regret.png": plot_regret(rb.regret(cost), unit),
        "sensitivity.png": plot_sensitivity(
            sens, labels, f"What the cost difference {leader} minus {runner} hinges on"
        ),
    }
    top = sens["parameter"].tolist()
    if len(top) >= 2:
        winner = cost.idxmin(axis=1).reindex(params.index)
        figs["winners.png"] = plot_winners(params, winner, top[0], top[1], labels, policies)
    return figs
