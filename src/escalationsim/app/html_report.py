"""``report.html``: one self-contained page per run or sweep, for a leadership reader.

In the reader's order: the answer (sentences generated from the results, no number
written by hand), the comparison (the headline table with confidence intervals, and the
plots), the assumptions (every scenario parameter with its value and the source or
"assumption" written next to its default in the shipped configuration), and the method
(replications, warm-up, common random numbers, validation, the command that reproduces
the run). Styles are inline and plots are inline SVG (a PNG found in the
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
from typing import Any

import pandas as pd
import yaml
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from escalationsim.analysis import kpis as kpi_registry
from escalationsim.analysis.aggregate import paired_differences
from escalationsim.app.files import write_text

CONF = Path(__file__).resolve().parents[1] / "conf"


def _fmt(fmt: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return fmt.format(x)


def _kpi(name: str) -> kpi_registry.Kpi | None:
    return kpi_registry.by_name().get(name)


def _mean(summary: pd.DataFrame, policy: str, kpi: str) -> float:
    row = summary[(summary["policy"] == policy) & (summary["kpi"] == kpi)]
    return float(row["mean"].iloc[0]) if len(row) else math.nan


def _show(kpi: str, value: float) -> str:
    k = _kpi(kpi)
    return _fmt(k.fmt if k else "{:.4g}", value)


def answer(kpis: pd.DataFrame, summary: pd.DataFrame, policies: list[str]) -> list[str]:
    """The executive summary of one comparison, as sentences built from the numbers."""
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
                sentence += "; one replication gives no interval)"
            elif lo > 0:
                sentence += "; the difference is clear at this confidence)"
            else:
                sentence += "; the replications cannot tell the two apart)"
    out.append(sentence + ".")
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
    missing = [p for p in policies if _mean(summary, p, "meets_targets") < 0.5]
    for p in missing:
        out.append(
            f"{p} misses its service targets in "
            f"{_show('meets_targets', 1 - _mean(summary, p, 'meets_targets'))} of the runs "
            f"(CEO busy {_show('util_ceo', _mean(summary, p, 'util_ceo'))} of the complaint "
            f"hours; CEO letters past the deadline "
            f"{_show('deadline_breach_rate', _mean(summary, p, 'deadline_breach_rate'))})."
        )
    if not missing:
        out.append("Every policy meets its service targets in most runs.")
    return out


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
            text = _fmt(k.fmt, r["mean"])
            if not math.isnan(r["ci_low"]):
                text += f" [{_fmt(k.fmt, r['ci_low'])}, {_fmt(k.fmt, r['ci_high'])}]"
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


def assumptions(config: dict[str, Any]) -> list[dict[str, str]]:
    """Every scenario parameter with its value and its source (from the shipped file of
    its scenario kind)."""
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
                "value": str(value),
                "source": sources.get(key, "(not in the shipped file)"),
            }
        )
    return rows


def method(config: dict[str, Any]) -> list[str]:
    run = config.get("run") or {}
    days = run.get("horizon_days")
    return [
        f"Each policy ({', '.join(run.get('policies', []))}) was simulated in "
        f"{run.get('replications')} independent replications of {days} days, the first "
        f"{run.get('warmup_days')} days not measured (queues start empty), then "
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
        "The engine is checked against queueing theory: configured as one queue it agrees "
        "with Erlang C and Erlang A within the confidence intervals "
        "(`escalationsim experiment=validation`).",
    ]


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
    figs = []
    for i, png in enumerate(sorted(out.glob("*.png"))):
        caption = png.stem.replace("_", " ")
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


def write_html_report(
    root: Path,
    out: Path,
    kpis: pd.DataFrame,
    summary: pd.DataFrame,
    keys: list[str],
    jobs: list[Path],
    svgs: dict[str, str] | None = None,
) -> Path:
    """Write ``out/report.html`` for the run or sweep in ``root`` (see the module doc).
    ``svgs``: the SVG of each plot drawn for this report, by its PNG's file name."""
    policies = list(dict.fromkeys(kpis["policy"]))
    sentences: list[str] = []
    tables = []
    if keys:
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
        sentences = answer(kpis, summary, policies)
        tables.append(_table(summary, policies))
    config = _config(root, jobs)
    env = Environment(
        loader=PackageLoader("escalationsim.app", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    html = env.get_template("report.html.j2").render(
        title=f"Complaint policies compared: {root.resolve().name}",
        subtitle=(f"{len(jobs)} run(s); swept: {', '.join(keys)}" if keys else "one run")
        + f"; policies: {', '.join(policies)}",
        answer=sentences,
        tables=tables,
        figures=_figures(out, svgs or {}),
        assumptions=assumptions(config),
        method=method(config),
        command=_command(root),
    )
    return write_text(html, out / "report.html")
