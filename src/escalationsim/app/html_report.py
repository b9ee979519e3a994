"""``report.html``: one self-contained page per run or sweep, for a leadership reader.

In the reader's order: the answer (sentences generated from the results, no number
written by hand), the comparison (the headline table with confidence intervals, and the
plots), the assumptions (every scenario parameter with its value and the source or
"assumption" written next to its default in the shipped configuration), and the method
(replications, warm-up, common random numbers, validation, the command that reproduces
the run, and the validation table against Erlang C/A when one is found:
:func:`find_validation`). Styles are inline and plots are inline SVG (a PNG found in the
folder that this report did not draw is embedded as a data URI), so the file needs no
network, stays sharp when zoomed or printed to PDF, and its plots' text can be searched.
Rendered with Jinja2 (autoescaped).
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from escalationsim.analysis import kpis as kpi_registry
from escalationsim.analysis.aggregate import MIN_REPLICATIONS, paired_differences, summarise
from escalationsim.analysis.breakeven import PRICING, whatif
from escalationsim.analysis.fairness import TIERS
from escalationsim.analysis.ranking import COVERS, best_policy, verdict
from escalationsim.app import manifest
from escalationsim.app.files import write_text
from escalationsim.app.tables import fmt_value, summary_cell
from escalationsim.config.queue_only import QueueOnlyScenario

if TYPE_CHECKING:
    from escalationsim.app.study import StudyReport

CONF = Path(__file__).resolve().parents[1] / "conf"
REFERENCE_VALIDATION = Path(__file__).resolve().parents[3] / "results" / "validation"
"""The validation committed with the source (``make results``): there in a checkout of the
repository (and with an editable install), not in an installed wheel."""


_fmt = fmt_value


def _kpi(name: str) -> kpi_registry.Kpi | None:
    return kpi_registry.by_name().get(name)


def _mean(summary: pd.DataFrame, policy: str, kpi: str) -> float:
    row = summary[(summary["policy"] == policy) & (summary["kpi"] == kpi)]
    return float(row["mean"].iloc[0]) if len(row) else math.nan


def _show(kpi: str, value: float) -> str:
    k = _kpi(kpi)
    return _fmt(k.fmt if k else "{:.4g}", value, k is not None and k.censored)


def answer(
    kpis: pd.DataFrame,
    summary: pd.DataFrame,
    policies: list[str],
    groups: pd.DataFrame | None = None,
) -> list[str]:
    """The executive summary of one comparison, as sentences built from the numbers
    (``groups``: the run's outcomes by group, for fairness on social media)."""
    if not policies:
        return ["No policy produced results."]
    costs = {p: _mean(summary, p, "cost_per_complaint") for p in policies}
    ranked = sorted((p for p in policies if not math.isnan(costs[p])), key=costs.get)
    out: list[str] = []
    if not ranked:
        return ["No cost could be computed (no complaint was measured)."]
    best = ranked[0]
    cost = _show("cost_per_complaint", costs[best])
    sentence = f"{best} is the cheapest policy: {cost} USD per complaint"
    if len(ranked) > 1 and len(kpis):
        second = ranked[1]
        diff = paired_differences(kpis.drop(columns=["job"], errors="ignore"), best)
        row = (
            diff[(diff["policy"] == second) & (diff["kpi"] == "cost_per_complaint")]
            if len(diff)
            else diff
        )
        if len(row):
            d, lo, hi = (float(row[c].iloc[0]) for c in ("diff", "paired_ci_low", "paired_ci_high"))
            sentence += (
                f", {_show('cost_per_complaint', d)} USD less than the next, {second} "
                f"(paired 95% interval {_show('cost_per_complaint', lo)} to "
                f"{_show('cost_per_complaint', hi)} USD"
            )
            if math.isnan(lo):
                sentence += "; one replication gives no interval"
            elif lo > 0:
                sentence += "; the difference is clear at this confidence"
            else:
                sentence += "; the replications cannot tell the two apart"
            sentence += f"; {COVERS})"
        else:
            sentence += f" ({COVERS})"
    else:
        sentence += f" ({COVERS})"
    out.append(sentence + ".")
    if len(kpis) and ("job" not in kpis.columns or kpis["job"].nunique() <= 1):
        b = best_policy(kpis, "cost_per_complaint")
        if b is not None and b.replications >= 2 and len(b.table) > 1:
            out.append(verdict(b))  # against every other policy at once
    if len(ranked) > 1:
        out += tradeoffs(summary, ranked[0], ranked[1])
        out += precision(kpis, ranked[0], ranked[1])
    out += stationarity(summary, policies)
    base = policies[0]
    if best != base:
        parts = []
        for kpi, what in (
            ("escalation_rate_ceo", "escalations to the CEO"),
            ("escalation_rate_social", "escalations to social media"),
            ("churn_rate", "churn"),
        ):
            a, b = _mean(summary, base, kpi), _mean(summary, best, kpi)
            parts.append(f"{what} from {_show(kpi, a)} to {_show(kpi, b)}")
        out.append(f"Against {base}, {best} changes " + ", ".join(parts) + ".")
    gaps = [
        f"{p} {_show('follower_resolution_gap', _mean(summary, p, 'follower_resolution_gap'))}"
        for p in policies
    ]
    out.append(
        "Fairness by followers (share resolved, top 1% of customers by followers minus the "
        "rest; 0 is equal treatment): " + ", ".join(gaps) + "."
    )
    social = social_fairness(groups, policies, ranked)
    if social:
        out.append(social)
    missing = [p for p in policies if _mean(summary, p, "meets_targets") < 0.5]
    for p in missing:
        out.append(
            f"{p} misses its service targets in "
            f"{_show('meets_targets', 1 - _mean(summary, p, 'meets_targets'))} of the runs "
            f"(CEO busy {_show('util_ceo', _mean(summary, p, 'util_ceo'))} of the complaint "
            f"hours; letter writers answered past the deadline "
            f"{_show('deadline_breach_rate', _mean(summary, p, 'deadline_breach_rate'))})."
        )
    if not missing:
        out.append("Every policy meets its service targets in most runs.")
    return out


def _points(x: float) -> str:
    """A difference of shares in percentage points, signed."""
    return "n/a" if math.isnan(x) else f"{100 * x:+.1f} points"


def _more_often(gap: float) -> str:
    """A gap in resolution rates in words."""
    if math.isnan(gap):
        return "(no figure)"
    if abs(gap) < 0.0005:
        return "as often"
    return f"{100 * abs(gap):.1f} points {'more' if gap > 0 else 'less'} often"


def tradeoffs(summary: pd.DataFrame, best: str, second: str) -> list[str]:
    """What the cheapest policy gives up and what the next one buys with its extra cost:
    resolution, churn and fairness by followers, one sentence each."""

    def m(p: str, kpi: str) -> float:
        return _mean(summary, p, kpi)

    extra = m(second, "cost_per_complaint") - m(best, "cost_per_complaint")
    res = m(second, "resolution_rate") - m(best, "resolution_rate")
    churn = m(second, "churn_rate") - m(best, "churn_rate")
    gap = "follower_resolution_gap"
    first = (
        f"What {best} gives up for its lower cost: it resolves "
        f"{_show('resolution_rate', m(best, 'resolution_rate'))} of complaints and loses "
        f"{_show('churn_rate', m(best, 'churn_rate'))} of complainants to churn, and the top "
        f"1% of customers by followers are resolved {_more_often(m(best, gap))} than the rest."
    )
    then = (
        f"What {second} buys for {_show('cost_per_complaint', extra)} USD more per complaint: "
        f"resolution {_show('resolution_rate', m(second, 'resolution_rate'))} "
        f"({_points(res)}), churn {_show('churn_rate', m(second, 'churn_rate'))} "
        f"({_points(churn)}), follower gap {_points(m(second, gap))}."
    )
    return [first, then]


def precision(kpis: pd.DataFrame, best: str, second: str) -> list[str]:
    """Whether the replications are enough to tell the two cheapest policies apart on
    cost, and about how many would be (the paired interval narrows with the square root
    of the replications)."""
    if not len(kpis) or ("job" in kpis.columns and kpis["job"].nunique() > 1):
        return []
    n = int(kpis["replication"].nunique())
    if n < MIN_REPLICATIONS:
        return [
            f"Precision: {n} replication{'s' if n != 1 else ''} only; every interval of this "
            f"report is too imprecise to compare policies (run at least {MIN_REPLICATIONS})."
        ]
    diff = paired_differences(kpis.drop(columns=["job"], errors="ignore"), best)
    row = diff[(diff["policy"] == second) & (diff["kpi"] == "cost_per_complaint")]
    if not len(row):
        return []
    d, lo, hi = (float(row[c].iloc[0]) for c in ("diff", "paired_ci_low", "paired_ci_high"))
    half = (hi - lo) / 2
    if not (math.isfinite(half) and d):
        return []
    if half < abs(d):
        return [
            f"Precision: the {n} replications are enough to tell {best} from {second} on "
            f"cost (paired 95% half-width {_show('cost_per_complaint', half)} USD against a "
            f"difference of {_show('cost_per_complaint', abs(d))})."
        ]
    # replications for 80% power at 5% (two-sided) if the difference is what it looks:
    # the half-width must shrink to |d| z_0.975 / (z_0.975 + z_0.8); it shrinks as 1/sqrt(n)
    need = math.ceil(n * (half / abs(d) * (1.96 + 0.84) / 1.96) ** 2)
    return [
        f"Precision: {n} replications are not enough to tell {best} from {second} on cost "
        f"(paired 95% half-width {_show('cost_per_complaint', half)} USD against a "
        f"difference of {_show('cost_per_complaint', abs(d))}); about {need} would tell them "
        "apart with 80% power if the difference is as large as it looks "
        "(run.precision.kpi=cost_per_complaint adds replications until each policy's "
        "difference from the first one is that precise)."
    ]


def stationarity(summary: pd.DataFrame, policies: list[str]) -> list[str]:
    """Whether each policy's measured window looks stationary (MSER on its daily series,
    then a trend test on what is kept: analysis.mser)."""
    share = {p: _mean(summary, p, "window_stationary") for p in policies}
    if all(math.isnan(v) for v in share.values()):
        return [
            "Run adequacy: the measured window is too short to say whether it is stationary "
            "(MSER needs at least four batches of the daily series: four weeks under a "
            "weekly arrival profile, twenty days otherwise)."
        ]
    unsteady = [p for p, v in share.items() if not math.isnan(v) and v < 1.0]
    if not unsteady:
        cut = max(_mean(summary, p, "mser_truncation_days") for p in policies)
        return [
            "Run adequacy: the measured window looks stationary for every policy (MSER on "
            "the daily series of complaints, their cost and every queue, in batches of a "
            "week under a weekly arrival profile, then a test for a trend left; MSER would "
            f"still cut at most {cut:.0f} days of it as warm-up)."
        ]
    parts = [f"{p} in {_share(1 - share[p])} of its runs" for p in unsteady]
    return [
        "Run adequacy: the measured window does not look stationary for "
        + "; ".join(parts)
        + " (a queue grows without bound, or a daily series still trends after MSER's "
        "truncation): those figures depend on how long the run is, not only on the policy."
    ]


def _share(x: float) -> str:
    return _fmt("{:.0%}", x)


def _wait(hours: float) -> str:
    if hours is None or math.isnan(hours):
        return "n/a"
    if hours < 1 / 60:
        return f"{hours * 3600:.0f} s"
    return f"{hours * 60:.1f} min" if hours < 1 else f"{hours:.1f} h"


def social_fairness(
    groups: pd.DataFrame | None, policies: list[str], ranked: list[str]
) -> str | None:
    """Fairness by followers where it arises, on social media: for the status quo (the
    first policy), then every other policy from the cheapest up (``ranked``: by cost),
    the share of public posts answered and the median wait for the answer to the first
    post, top follower tier against the bottom one (means over replications of
    ``groups``' ``follower_tier_on_social`` rows). None without them."""
    need = {"policy", "grouping", "group", "posts_answered_share", "first_post_wait_median_h"}
    if groups is None or not need <= set(groups.columns):
        return None
    social = groups[groups["grouping"] == "follower_tier_on_social"]
    if social.empty:
        return None
    (_, _, bottom), (_, _, top) = TIERS[0], TIERS[-1]

    def mean(policy: str, tier: str, col: str) -> float:
        values = social.loc[(social["policy"] == policy) & (social["group"] == tier), col]
        values = pd.to_numeric(values, errors="coerce").dropna()  # a damaged cell: no value
        return float(values.mean()) if len(values) else math.nan

    base = policies[0]
    best = ranked[0] if ranked else None
    roles = {base: "the status quo and the cheapest" if best == base else "the status quo"}
    if best is not None and best != base:
        roles[best] = "the cheapest"
    shown = [base] + [p for p in ranked if p != base]
    parts = []
    for i, p in enumerate(shown):
        role = f" ({roles[p]})" if p in roles else ""
        answered = [mean(p, t, "posts_answered_share") for t in (top, bottom)]
        waits = [mean(p, t, "first_post_wait_median_h") for t in (top, bottom)]
        if i == 0:
            parts.append(
                f"under {p}{role}, {_share(answered[0])} of the public posts of the "
                f"{top} of customers by followers were answered against {_share(answered[1])} "
                f"for the {bottom} (median wait for the answer to the first post "
                f"{_wait(waits[0])} against {_wait(waits[1])})"
            )
        else:
            parts.append(
                f"under {p}{role}, {_share(answered[0])} against {_share(answered[1])} "
                f"({_wait(waits[0])} against {_wait(waits[1])})"
            )
    return (
        "On social media, where the effect of followers arises (mean over replications): "
        + "; ".join(parts)
        + "."
    )


def _table(summary: pd.DataFrame, policies: list[str], title: str = "") -> dict[str, Any]:
    idx = summary.set_index(["policy", "kpi"])
    rows = []
    for k in kpi_registry.view("headline"):
        cells = []
        for p in policies:
            if (p, k.name) not in idx.index:
                cells.append({"policy": p, "mean": "", "text": "n/a"})
                continue
            r = idx.loc[(p, k.name)]
            text = summary_cell(k, idx, p)
            cells.append({"policy": p, "mean": repr(float(r["mean"])), "text": text})
        rows.append({"kpi": k.name, "label": k.label, "cells": cells})
    return {"title": title, "policies": policies, "rows": rows}


def _sources(path: Path, prefix: str) -> dict[str, str]:
    """Dotted key -> the comment written after it in a YAML file of the configuration."""
    out: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in path.read_text().splitlines():
        m = re.match(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):(.*)$", line)
        if not m:
            continue
        indent, key, rest = len(m.group(1)), m.group(2), m.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        dotted = ".".join([prefix, *(k for _, k in stack), key])
        value, _, comment = rest.partition("#")
        if comment.strip():
            out[dotted] = comment.strip()
        if not value.strip():
            stack.append((indent, key))
    return out


def _flatten(d: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(d, dict):
        return [kv for k, v in d.items() for kv in _flatten(v, f"{prefix}.{k}")]
    return [(prefix, d)]


def assumptions(
    config: dict[str, Any],
    uncertain: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """Every scenario parameter with its value and its source (from the shipped file of
    its scenario kind); for a robustness study, the uncertain ones with their range and
    how much the conclusions hinge on them (``uncertain``, by key) instead of a value;
    for a run with a study beside it, that note after the value (``notes``)."""
    uncertain = uncertain or {}
    notes = notes or {}
    scenario = config.get("scenario") or {}
    kind = scenario.get("kind", "escalation")
    if kind == "queue_only":
        sources = _sources(CONF / "scenario" / "queue_only.yaml", "")
        sources = {k.lstrip("."): v for k, v in sources.items()}
    else:
        sources = _sources(CONF / "scenario" / "default.yaml", "scenario")
    rows = []
    for key, value in _flatten(scenario, "scenario"):
        if key.endswith((".kind", ".name")):
            continue
        rows.append(
            {
                "key": key,
                "value": uncertain.get(key)
                or (f"{value} ({notes[key]})" if key in notes else str(value)),
                "source": sources.get(key, "(not in the shipped file)"),
            }
        )
    return rows


def method(
    config: dict[str, Any],
    validation: dict[str, Any] | None = None,
    kpis: pd.DataFrame | None = None,
) -> list[str]:
    run = config.get("run") or {}
    days = run.get("horizon_days")
    warmup = f"the first {run.get('warmup_days')} days not measured (queues start empty)"
    if run.get("warmup_days") == "auto" and kpis is not None and "warmup_days" in kpis:
        used = sorted({round(float(w), 4) for w in kpis["warmup_days"].dropna()})
        warmup = (
            f"the first {' or '.join(f'{w:g}' for w in used)} days not measured (queues start "
            "empty; chosen by MSER from pilot runs: run.warmup_days=auto)"
        )
    return [
        f"Each policy ({', '.join(run.get('policies', []))}) was simulated in "
        f"{run.get('replications')} independent replications of {days} days, "
        f"{warmup}, then "
        f"{run.get('drain_days')} more days without new arrivals so that measured "
        "complaints can finish; random seed "
        f"{run.get('seed')}.",
        "Common random numbers: within a replication every policy sees the same customers, "
        "and each customer's own random numbers decide their patience, handling times and "
        "choices, so differences between policies are paired (the intervals of "
        "differences above are paired intervals).",
        "Model: a discrete-event simulation (SimPy) of customers who complain by phone, "
        "email, social media or to the CEO, and escalate after a failure; staff pools, a "
        "CEO with limited hours, and policies made of levers (docs/model.md).",
        validation["sentence"]
        if validation
        else "The engine is checked against queueing theory: configured as one queue it "
        "agrees with Erlang C and Erlang A within the confidence intervals "
        "(`escalationsim experiment=validation`).",
    ]


VALIDATION_METRICS: tuple[tuple[str, str], ...] = (
    ("p_wait", "P(wait)"),
    ("mean_wait_min", "mean wait (min)"),
    ("p_abandon", "P(abandon)"),
    ("occupancy", "occupancy"),
    ("service_level_20s", "answered within 20 s"),
)


def find_validation(root: Path) -> tuple[Path, str] | None:
    """The validation run shown in the method section, and how to name it: a folder
    ``validation`` beside the report's folder (how ``results/`` is laid out), else the
    reference validation committed with the source (:data:`REFERENCE_VALIDATION`). The
    validation checks the engine, not the scenario, so any run of it by this code is
    the one that applies. Only a complete run whose validation.csv still matches its
    manifest counts; None if there is none (the method section then names the command)."""
    reference = REFERENCE_VALIDATION.resolve()
    seen = set()
    for folder in (Path(root).resolve().parent / "validation", reference):
        if folder in seen:
            continue
        seen.add(folder)
        try:
            m = manifest.read(folder)
        except manifest.FolderError:
            continue
        path = folder / "validation.csv"
        if m is None or not m.complete or "validation.csv" not in m.files or not path.exists():
            continue
        if manifest.record(path)["sha256"] != m.files["validation.csv"]["sha256"]:
            continue
        when = m.finished[:10] or "an unrecorded date"
        if folder == reference:
            return path, f"the reference validation kept with the source code, run on {when}"
        return path, f"the validation run in ../validation beside this folder, run on {when}"
    return None


def find_study(root: Path, config: dict[str, Any]) -> dict[str, Any] | None:
    """A robustness study of this run's scenario, for the answer and the assumptions: a
    folder ``robustness`` beside the report's folder (how ``results/`` is laid out) with
    the study's files, whose scenario (``multirun.yaml``) is the run's once the
    uncertain keys are set aside. None if there is none, or if it studied another
    scenario (its verdict would not be this run's)."""
    folder = Path(root).resolve().parent / "robustness"
    need = ("ranking.csv", "discovery.md", "sensitivity.csv", "multirun.yaml")
    if folder == Path(root).resolve() or not all((folder / n).exists() for n in need):
        return None
    from escalationsim.app.manifest import report_files_intact

    if not report_files_intact(folder, need):  # edited or replaced since the study wrote them
        return None
    try:
        study = yaml.safe_load((folder / "multirun.yaml").read_text()) or {}
        rank = pd.read_csv(folder / "ranking.csv")
        sens = pd.read_csv(folder / "sensitivity.csv")
    except (yaml.YAMLError, ValueError, pd.errors.ParserError, OSError):
        return None
    uncertain = {k for u in (study.get("uncertainty") or {}).values() for k in u.get("keys", [])}
    if not uncertain or not {"policy", "regret_mean", "best_cost_share"} <= set(rank.columns):
        return None

    def base(cfg: dict[str, Any]) -> dict[str, Any]:
        flat = dict(_flatten(cfg.get("scenario") or {}, "scenario"))
        return {k: v for k, v in flat.items() if k not in uncertain}

    if base(study) != base(config):
        return None
    lead = rank.sort_values(["regret_mean", "policy"]).iloc[0]
    try:  # an impossible figure (a share outside 0-1, an interval without it) is not quoted
        share, lo, hi = (
            float(lead[c]) for c in ("best_cost_share", "best_cost_ci_low", "best_cost_ci_high")
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not (0.0 <= lo <= share <= hi <= 1.0):
        return None
    n = int(lead["scenarios"]) if "scenarios" in rank else len(rank)
    sentences = [
        f"Robustness (a study of this scenario's uncertainties in ../robustness, {n} sampled "
        f"worlds, {len(rank)} policies): {lead['policy']} has the lowest mean regret and is "
        f"the cheapest policy in {lead['best_cost_share']:.0%} of the worlds (95% CI "
        f"{lead['best_cost_ci_low']:.0%}-{lead['best_cost_ci_high']:.0%})."
    ]
    text = (folder / "discovery.md").read_text()
    flips = [ln for ln in text.splitlines() if ln.startswith("**")]
    if flips:
        first = flips[0].replace("**", "").replace("`", "")
        sentences.append(f"When it flips: {first.split(' (coverage')[0]}.")
    notes = {}
    for _, row in sens.iterrows():
        for key in str(row.get("keys", "")).split():
            notes[key] = f"uncertain; sensitivity rank {int(row['rank'])} of {len(sens)}"
    return {"sentences": sentences, "notes": notes}


def calibration_sentences(config: dict[str, Any]) -> list[str]:
    """What the answer says of a calibrated scenario (``scenario.calibration``, the
    folder ``experiment=calibrate`` wrote): its backtest's verdicts, that it was not
    backtested, or that its folder is not found; nothing for a scenario not calibrated."""
    folder = str((config.get("scenario") or {}).get("calibration") or "")
    if not folder:
        return []
    where = Path(folder)
    page = f"{where / 'calibration.html'}"
    if not where.is_dir():
        return [
            f"Calibration: this scenario was fitted to a contact log in {folder}, which is "
            "not found here, so its backtest cannot be quoted."
        ]
    path = where / "backtest.csv"
    if not path.is_file():
        return [
            f"Calibration: this scenario was fitted to a contact log ({page}) but not "
            "backtested (calibrate.backtest_days=0): nothing yet shows it reproduces "
            "days it was not fitted on."
        ]
    table = pd.read_csv(path, keep_default_na=False)
    judged = table[table["verdict"].isin(["PASS", "FAIL"])]
    fails = judged[judged["verdict"] == "FAIL"]
    text = (
        f"Calibration: this scenario was fitted to a contact log and backtested on days it "
        f"was not fitted on: {len(judged) - len(fails)} of {len(judged)} checks pass"
    )
    if len(fails):
        named = sorted(
            {f"{r['kpi']}{' ' + str(r['channel']) if r['channel'] else ''} ({r['mode']})"
             for _, r in fails.iterrows()}
        )  # fmt: skip
        text += f"; failing: {', '.join(named)}"
    return [f"{text} (details: {page})."]


def _case(spec: dict[str, Any] | None) -> str:
    """A validation case in words, from its configuration (empty if unknown)."""
    if not isinstance(spec, dict):
        return ""
    text = (
        f"{spec.get('arrivals_per_hour', '?')} arrivals/h, {spec.get('servers', '?')} "
        f"servers, {spec.get('service_dist', 'exponential')} service of "
        f"{spec.get('service_minutes', '?')} min"
    )
    if spec.get("service_dist", "exponential") == "lognormal":
        text += f" (cv {spec.get('service_cv', 1.0)})"
    if spec.get("patience_minutes") is not None:
        text += (
            f", {spec.get('patience_dist', 'exponential')} patience of "
            f"{spec['patience_minutes']} min"
        )
        if spec.get("patience_dist") == "lognormal":
            text += f" (cv {spec.get('patience_cv', 1.0)})"
    return text


def validation_table(root: Path) -> dict[str, Any] | None:
    """The validation against Erlang C/A (and Ciw) for the method section: one row per
    case, per metric the simulated mean, the value it is checked against and whether the
    check passes; None if no validation is found (:func:`find_validation`) or it cannot
    be read."""
    found = find_validation(root)
    if found is None:
        return None
    path, source = found
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None
    if not {"case", "metric", "simulated", "analytic", "within_ci"} <= set(df.columns):
        return None
    for col in ("reference", "agrees"):
        if col not in df:
            df[col] = math.nan
    config = _config(path.parent, [])
    cases = (config.get("validation") or {}).get("cases") or {}
    level = (config.get("validation") or {}).get("level")
    rows, passed, checked = [], 0, 0
    for case, sub in df.groupby("case", sort=False):
        by_metric = {r["metric"]: r for _, r in sub.iterrows()}
        exact, abandon = by_metric.get("p_wait"), by_metric.get("p_abandon")
        if exact is not None and pd.notna(exact["analytic"]):
            erlang_c = abandon is not None and abandon["analytic"] == 0
            against = "Erlang C" if erlang_c else "Erlang A"
        else:
            against = "Ciw (no exact formula)"
        cells = []
        for metric, _ in VALIDATION_METRICS:
            r = by_metric.get(metric)
            if r is None:
                cells.append({"metric": metric, "simulated": "", "text": "n/a"})
                continue
            if pd.notna(r["analytic"]):
                value, ok = float(r["analytic"]), r["within_ci"]
            elif pd.notna(r["reference"]):
                value, ok = float(r["reference"]), r["agrees"]
            else:
                value, ok = math.nan, math.nan
            text = f"{float(r['simulated']):.3g}"
            if not math.isnan(value):
                text += f" ({value:.3g})"
            if not math.isnan(value) and pd.notna(ok):
                ok = str(ok).strip().lower() == "true"
                checked += 1
                passed += ok
                text += " \u2713" if ok else " \u2717 fails"
            cells.append({"metric": metric, "simulated": repr(float(r["simulated"])), "text": text})
        rows.append(
            {"case": case, "about": _case(cases.get(case)), "against": against, "cells": cells}
        )
    interval = f"{level:.0%} " if isinstance(level, int | float) else ""
    sentence = (
        "The engine is checked against queueing theory: configured as one queue, it is "
        "compared with Erlang C and Erlang A where they are exact, and with a second "
        f"simulator (Ciw) where no formula is. {passed} of {checked} comparisons pass "
        f"(table below: {source}; `escalationsim experiment=validation` runs it again)."
    )
    return {
        "sentence": sentence,
        "metrics": [label for _, label in VALIDATION_METRICS],
        "rows": rows,
        "note": (
            "Each cell: the simulated mean, in brackets the exact value (Erlang C or A, or "
            "what holds whatever the distributions) or, where there is none, Ciw's "
            f"estimate. \u2713: the exact value lies in the simulation's {interval}"
            "confidence interval, or the interval of the difference with Ciw contains 0."
        ),
        "passed": passed,
        "checked": checked,
    }


def inline_svg(svg: str, prefix: str, caption: str) -> Markup:
    """An SVG document from matplotlib made into an element of the page: no XML prolog;
    its stylesheet (which matches every element, ``*``) left to the page's, which scopes
    it to the plots; the ids that something refers to (clip paths, markers, hatches)
    prefixed so that they stay unique among the page's plots, the others dropped; a
    title for screen readers."""
    body = svg[svg.index("<svg") :]
    body = re.sub(r"<style[^>]*>.*?</style>", "", body, count=1, flags=re.S)
    used = set(re.findall(r"url\(#([^)]+)\)", body)) | set(re.findall(r'href="#([^"]+)"', body))
    body = re.sub(
        r'(\s)id="([^"]*)"',
        lambda m: f'{m.group(1)}id="{prefix}{m.group(2)}"' if m.group(2) in used else "",
        body,
    )
    body = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", body)
    body = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', body)
    body = body.replace(
        "<svg ", f'<svg class="plot" role="img" aria-labelledby="{prefix}title" ', 1
    )
    head, _, rest = body.partition(">")
    title = f'<title id="{prefix}title">{html.escape(caption)}</title>'
    return Markup(f"{head}>\n {title}{rest}")


def _figures(out: Path, svgs: dict[str, str]) -> list[dict[str, Any]]:
    """Every PNG plot in ``out``, in name order: as inline SVG when this report drew it
    (``svgs``, by PNG file name), else the PNG as a data URI."""
    from escalationsim.app.plots import caption as plot_caption

    figs = []
    for i, png in enumerate(sorted(out.glob("*.png"))):
        caption = plot_caption(png.name)
        if png.name in svgs:
            figs.append(
                {"svg": inline_svg(svgs[png.name], f"fig{i}-", caption), "caption": caption}
            )
            continue
        data = base64.b64encode(png.read_bytes()).decode()
        figs.append({"uri": f"data:image/png;base64,{data}", "caption": caption})
    return figs


def _config(root: Path, jobs: list[Path]) -> dict[str, Any]:
    for folder in [root, *jobs]:
        path = folder / ".hydra" / "config.yaml"
        if path.exists():
            try:
                data = yaml.safe_load(path.read_text())
            except yaml.YAMLError:
                continue
            if isinstance(data, dict):
                return data
    return {}


def _command(root: Path) -> str:
    path = root / ".hydra" / "overrides.yaml"
    if path.exists():
        items = yaml.safe_load(path.read_text()) or []
        return "escalationsim " + " ".join(str(i) for i in items)
    path = root / "multirun.yaml"
    if path.exists():
        data = yaml.safe_load(path.read_text()) or {}
        task = (data.get("hydra") or {}).get("overrides", {}).get("task", [])
        return "escalationsim --multirun " + " ".join(str(i) for i in task)
    return ""


MATTERS = 5.0
"""A break-even value "matters" to the answer when it is within this factor of the
parameter's current value (the others are listed in breakeven.csv)."""


def _num(v: float) -> str:
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def breakeven_sentences(path: Path) -> list[str]:
    """What would change the answer: for the cheapest policy against the runner-up, each
    pricing parameter whose break-even value (``breakeven.csv``) is within
    :data:`MATTERS` times its current value, in one sentence; none if the file is absent
    or unreadable."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError):
        return []
    if table.empty:
        return []
    value = pd.to_numeric(table["breakeven"], errors="coerce")
    table = table.assign(value=value)
    a = str(table["policy_a"].iloc[0])
    b = str(table["policy_b"].iloc[0])  # the runner-up: the file lists it first
    rows = table[(table["policy_b"] == b) & table["value"].notna()]
    near = rows[
        (rows["value"] > 0)
        & (rows["current"] > 0)
        & (rows["value"] <= MATTERS * rows["current"])
        & (rows["value"] >= rows["current"] / MATTERS)
    ]
    words = {p.key: p.label for p in PRICING}
    parts = []
    for _, r in near.iterrows():
        way = "exceeds" if r["value"] > r["current"] else "falls below"
        interval = (
            f"95% interval {_num(r['ci_low'])} to {_num(r['ci_high'])}; "
            if pd.notna(r["ci_low"])
            else ""
        )
        parts.append(
            f"the {words.get(r['parameter'], r['parameter'])} {way} {_num(r['value'])} "
            f"{r['unit']} ({interval}now {_num(r['current'])})"
        )
    tail = f"no other pricing parameter within {MATTERS:g} times its current value does"
    if not parts:
        return [f"What would change the answer (breakeven.csv): {tail}."]
    return [
        f"What would change the answer (breakeven.csv): {a} stops being cheaper than {b} "
        f"if {' or '.join(parts)}; {tail}."
    ]


def whatif_panel(job: Path, kpis: pd.DataFrame) -> dict[str, Any] | None:
    """The what-if panel's data for a run (:func:`escalationsim.analysis.breakeven.whatif`,
    priced in the run's own scenario, read from its recorded configuration); None for a
    queue-only run, a run of one policy or a configuration this version cannot read."""
    path = job / ".hydra" / "config.yaml"
    if not path.exists():
        return None
    try:
        from omegaconf import OmegaConf

        from escalationsim.app.schema import to_sim_config

        sim, _ = to_sim_config(OmegaConf.load(path))
    except Exception:  # an older or edited configuration: the page goes without the panel
        return None
    if isinstance(sim.scenario, QueueOnlyScenario):
        return None
    return whatif(kpis.drop(columns=["job"], errors="ignore"), sim.scenario)


def write_html_report(
    root: Path,
    out: Path,
    kpis: pd.DataFrame,
    summary: pd.DataFrame,
    keys: list[str],
    jobs: list[Path],
    svgs: dict[str, str] | None = None,
    groups: pd.DataFrame | None = None,
    study: StudyReport | None = None,
) -> Path:
    """Write ``out/report.html`` for the run or sweep in ``root`` (see the module doc).
    ``svgs``: the SVG of each plot drawn for this report, by its PNG's file name;
    ``groups``: a run's outcomes by group (its groups.csv), for the answer; ``study``: a
    robustness study's verdict, tables and sensitivities (its worlds are then shown
    pooled, not one by one)."""
    policies = list(dict.fromkeys(kpis["policy"]))
    sentences: list[str] = []
    tables = []
    panel = None
    note = "Mean over replications, with the 95% confidence interval in brackets."
    if study is not None:
        sentences = list(study.answer)
        pooled = summarise(kpis.drop(columns=["job", *keys]), policies)
        tables.append(_table(pooled, policies, "Every scenario pooled"))
        note = (
            "Mean over every scenario and replication, with the 95% confidence interval "
            "in brackets (it includes the spread between scenarios)."
        )
    elif keys:
        for key, sub in summary.groupby(keys, dropna=False, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            title = ", ".join(f"{c} = {v}" for c, v in zip(keys, key, strict=True))
            mask = pd.Series(True, index=kpis.index)
            for c, v in zip(keys, key, strict=True):
                mask &= (kpis[c] == v) | (kpis[c].isna() & pd.isna(v))
            pols = list(dict.fromkeys(sub["policy"]))
            sentences += [f"At {title}: {s}" for s in answer(kpis[mask], sub, pols)[:1]]
            tables.append(_table(sub, pols, title))
    else:
        sentences = answer(kpis, summary, policies, groups)
        if len(jobs) == 1:
            sentences += breakeven_sentences(jobs[0] / "breakeven.csv")
            panel = whatif_panel(jobs[0], kpis)
        tables.append(_table(summary, policies))
    config = _config(root, jobs)
    sentences += calibration_sentences(config)
    validation = validation_table(root)
    beside = find_study(root, config) if study is None and not keys else None
    if beside is not None:
        sentences += beside["sentences"]
    env = Environment(
        loader=PackageLoader("escalationsim.app", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    html = env.get_template("report.html.j2").render(
        title=f"Complaint policies compared: {root.resolve().name}",
        subtitle=(f"{len(jobs)} run(s); swept: {', '.join(keys)}" if keys else "one run")
        + f"; policies: {', '.join(policies)}",
        answer=sentences,
        whatif=panel,
        tables=tables,
        table_note=note,
        study_tables=study.html_tables if study is not None else [],
        figures=_figures(out, svgs or {}),
        assumptions=assumptions(
            config,
            study.sensitive if study is not None else None,
            beside["notes"] if beside is not None else None,
        ),
        method=method(config, validation, kpis),
        validation=validation,
        command=_command(root),
    )
    return write_text(html, out / "report.html")
