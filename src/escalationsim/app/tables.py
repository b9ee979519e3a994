"""Human-readable tables from the summary: the KPI table printed at the end of a run."""

from __future__ import annotations

import math

import pandas as pd

HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("cost_per_complaint", "cost per complaint (USD)", "{:,.1f}"),
    ("resolution_rate", "resolution rate", "{:.1%}"),
    ("first_contact_resolution", "first-contact resolution", "{:.1%}"),
    ("ttr_median_h", "median time to resolution (h)", "{:,.2f}"),
    ("ttr_p90_h", "P90 time to resolution (h)", "{:,.1f}"),
    ("escalation_rate_social", "escalated to social", "{:.2%}"),
    ("escalation_rate_ceo", "escalated to CEO", "{:.2%}"),
    ("ceo_channel_share", "reached the CEO", "{:.2%}"),
    ("ceo_wait_mean_h", "wait for a CEO-channel answer (h)", "{:,.1f}"),
    ("deadline_breach_rate", "CEO letters past the deadline", "{:.1%}"),
    ("util_ceo", "CEO utilisation", "{:.0%}"),
    ("stable", "queues stable (share of runs)", "{:.0%}"),
    ("meets_targets", "meets service targets (share of runs)", "{:.0%}"),
    ("follower_ttr_ratio", "TTR top 1% / rest (median)", "{:.2f}"),
    ("follower_resolution_gap", "resolution rate, top 1% minus rest", "{:+.1%}"),
    ("gini_ttr", "Gini of TTR", "{:.2f}"),
    ("audit_coverage", "audit-trail coverage", "{:.0%}"),
    ("churn_rate", "churn rate", "{:.1%}"),
)


def _fmt(fmt: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return fmt.format(x)


def headline_table(summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """KPIs as rows, policies as columns; each cell 'mean [ci_low, ci_high]'."""
    idx = summary.set_index(["policy", "kpi"])
    rows = []
    for key, label, fmt in HEADLINE:
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
