"""Human-readable tables from the summary: the KPI table printed at the end of a run."""

from __future__ import annotations

import math

import pandas as pd

from escalationsim.analysis import kpis as kpi_registry
from escalationsim.analysis.aggregate import MIN_REPLICATIONS

NOT_REACHED = "not reached"
"""How a Kaplan-Meier quantile that the estimate never reaches is shown (survival
analysis's convention), never as a number."""


def headline_kpis() -> list[kpi_registry.Kpi]:
    """The KPIs of the headline table, from the KPI registry's ``headline`` view."""
    return kpi_registry.view("headline")


def fmt_value(fmt: str, x: float | None, censored: bool = False) -> str:
    """``x`` in ``fmt``; "n/a" for a missing value, "not reached" for an infinite
    Kaplan-Meier quantile (``censored``), "unbounded" for another infinity."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and math.isinf(x):
        return NOT_REACHED if censored else ("unbounded" if x > 0 else "-unbounded")
    return fmt.format(x)


QUEUE_NAMES = {
    "ceo": ("the CEO's inbox", "letters"),
    "exec_office": ("the executive office's queue", "cases"),
    "reps": ("the reps' queue", "calls, emails and posts"),
    "social": ("the social team's queue", "posts"),
    "managers": ("the managers' queue", "requests"),
}
"""Each pool's queue in words, and what waits in it."""


def unstable_queue(idx: pd.DataFrame, policy: str, k: kpi_registry.Kpi) -> str | None:
    """Why ``k`` is not shown as a number for ``policy``: "unstable: ..." when a queue it
    measures the wait of (``k.queues``) grew without bound in most replications (its
    value would depend on how long the run drained), else None. ``idx``: summary.csv
    indexed by (policy, kpi)."""

    def mean(kpi: str) -> float:
        return float(idx.loc[(policy, kpi), "mean"]) if (policy, kpi) in idx.index else math.nan

    for pool in k.queues:
        share = mean(f"unstable_{pool}")
        if share >= 0.5:
            growth = mean(f"backlog_growth_per_week_{pool}")
            unserved = mean(f"unserved_share_{pool}")
            where, what = QUEUE_NAMES.get(pool, (f"the {pool} queue", "requests"))
            text = f"unstable: {where} grows by {fmt_value('{:,.0f}', growth)} {what} a week"
            if unserved >= 0.005:
                text += f", {unserved:.0%} of the window's never served"
            elif not math.isnan(unserved):
                text += " (the window's served only as the run drained)"
            if share < 1.0:
                text += f" (in {share:.0%} of runs)"
            return text
    return None


def _why_imprecise(k: kpi_registry.Kpi, n: int) -> str:
    """Why a summary was flagged imprecise (analysis.aggregate.summarise)."""
    if n < MIN_REPLICATIONS:
        return f"{n} replication{'s' if n != 1 else ''}"
    lo, hi = k.bounds
    if (lo, hi) == (0.0, 1.0):
        return "its interval leaves 0-100%"
    if lo == 0.0:
        return "its interval goes below 0"
    return f"its interval leaves [{lo:g}, {hi:g}]"


def summary_cell(k: kpi_registry.Kpi, idx: pd.DataFrame, policy: str) -> str:
    """'mean [ci_low, ci_high]' of ``k`` for ``policy`` from summary.csv (indexed by
    policy and kpi), in ``k``'s format; what makes it no number, else."""
    if (policy, k.name) not in idx.index:
        return "n/a"
    unstable = unstable_queue(idx, policy, k)
    if unstable:
        return unstable
    r = idx.loc[(policy, k.name)]
    cell = fmt_value(k.fmt, r["mean"], k.censored)
    if bool(r.get("imprecise", False)) and math.isfinite(r["mean"]):
        return cell + f" (too imprecise: {_why_imprecise(k, int(r['n']))})"
    if not math.isnan(r["ci_low"]):
        cell += f" [{fmt_value(k.fmt, r['ci_low'])}, {fmt_value(k.fmt, r['ci_high'])}]"
    return cell


def _active(idx: pd.DataFrame, policies: list[str], k: kpi_registry.Kpi) -> bool:
    """Whether a KPI of the ``when_active`` view has a finite, non-zero mean for some
    policy (a lever that acted in the run: root-cause fixes)."""
    for p in policies:
        if (p, k.name) in idx.index:
            mean = idx.loc[(p, k.name), "mean"]
            if isinstance(mean, int | float) and math.isfinite(mean) and mean != 0:
                return True
    return False


def headline_table(summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """KPIs as rows, policies as columns; each cell 'mean [ci_low, ci_high]'. The
    ``when_active`` view's KPIs follow, those that some policy's lever made non-zero."""
    idx = summary.set_index(["policy", "kpi"])
    rows = []
    shown = headline_kpis()
    shown += [k for k in kpi_registry.view("when_active") if _active(idx, policies, k)]
    for k in shown:
        row = {"KPI": k.label}
        for p in policies:
            row[p] = summary_cell(k, idx, p)
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
