"""Human-readable tables from the summary: the KPI table printed at the end of a run."""

from __future__ import annotations

import math

import pandas as pd

from escalationsim.analysis import kpis as kpi_registry


def headline_kpis() -> list[tuple[str, str, str]]:
    """(KPI, label, format) of the headline table, from the KPI registry's ``headline``
    view."""
    return [(k.name, k.label, k.fmt) for k in kpi_registry.view("headline")]


def _fmt(fmt: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return fmt.format(x)


def headline_table(summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """KPIs as rows, policies as columns; each cell 'mean [ci_low, ci_high]'."""
    idx = summary.set_index(["policy", "kpi"])
    rows = []
    for key, label, fmt in headline_kpis():
        row = {"KPI": label}
        for p in policies:
            if (p, key) not in idx.index:
                row[p] = "n/a"
                continue
            r = idx.loc[(p, key)]
            cell = _fmt(fmt, r["mean"])
            if not math.isnan(r["ci_low"]):
                cell += f" [{_fmt(fmt, r['ci_low'])}, {_fmt(fmt, r['ci_high'])}]"
            row[p] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def render(table: pd.DataFrame) -> str:
    """Plain-text rendering for the terminal."""
    return table.to_string(index=False)


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    cols = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"
