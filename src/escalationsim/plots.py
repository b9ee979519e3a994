"""Comparison plots of a job's results (matplotlib, non-interactive backend).

Each ``plot_*`` function takes tidy results and returns a Figure; :func:`write_plots`
saves them as PNG. Error bars are 95% confidence intervals across replications.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from escalationsim.aggregate import mean_ci  # noqa: E402
from escalationsim.files import save_figure  # noqa: E402

COST_PARTS: tuple[tuple[str, str], ...] = (
    ("cost_staff_reps", "reps"),
    ("cost_staff_social", "social team"),
    ("cost_staff_managers", "managers"),
    ("cost_staff_exec_office", "executive office"),
    ("cost_ceo", "CEO time"),
    ("cost_compensation", "compensation"),
    ("cost_publicity", "publicity"),
    ("cost_penalty", "deadline fines"),
    ("cost_churn", "churned value"),
    ("cost_fix", "root-cause fixes"),
)

TIERS: tuple[tuple[float, float, str], ...] = (
    (0.0, 0.5, "bottom 50%"),
    (0.5, 0.9, "50-90%"),
    (0.9, 0.99, "90-99%"),
    (0.99, 1.0, "top 1%"),
)


def _per_complaint(kpis: pd.DataFrame, policies: list[str], col: str) -> np.ndarray:
    return np.array(
        [
            (kpis.loc[kpis.policy == p, col] / kpis.loc[kpis.policy == p, "complaints"]).mean()
            for p in policies
        ]
    )


def _stacked(ax, kpis: pd.DataFrame, policies: list[str], parts, total_col: str | None) -> None:
    x = np.arange(len(policies))
    bottom = np.zeros(len(policies))
    colors = dict(zip([c for c, _ in COST_PARTS], plt.get_cmap("tab10").colors, strict=False))
    for col, label in parts:
        vals = _per_complaint(kpis, policies, col)
        if np.allclose(vals, 0):
            continue
        ax.bar(x, vals, bottom=bottom, label=label, color=colors[col], width=0.6)
        bottom += vals
    for i, p in enumerate(policies):
        if total_col is None:
            m = bottom[i]
        else:
            m, lo, hi = mean_ci(kpis.loc[kpis.policy == p, total_col].to_numpy())
            if np.isfinite(lo):
                ax.errorbar(i, m, yerr=[[m - lo], [hi - m]], color="black", capsize=4, lw=1)
        ax.annotate(
            f"{m:,.1f}", (i, m), xytext=(0, 6), textcoords="offset points", ha="center", fontsize=9
        )
    ax.set_xticks(x, policies)
    ax.set_ylabel("USD per complaint")


def plot_cost_breakdown(kpis: pd.DataFrame, policies: list[str]) -> Figure:
    """Operating cost per complaint by component, and the total including churned value."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    operating = [p for p in COST_PARTS if p[0] not in ("cost_churn",)]
    _stacked(ax1, kpis, policies, operating, None)
    ax1.set_title("Operating cost: staff, CEO time, compensation, publicity, fines")
    _stacked(ax2, kpis, policies, COST_PARTS, "cost_per_complaint")
    ax2.set_title("Total including churned customer value (bar: 95% CI)")
    handles, labels = [], []
    for ax in (ax1, ax2):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(
        handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False
    )
    fig.suptitle("Cost per complaint by policy (mean over replications)")
    fig.tight_layout()
    return fig


def _tier_labels(followers: pd.Series) -> pd.Series:
    """Follower tier of each complaint, by rank within its own run."""
    rank = followers.rank(method="first", pct=True)
    out = pd.Series(TIERS[-1][2], index=followers.index, dtype=object)
    for lo, hi, label in TIERS:
        out[(rank > lo) & (rank <= hi)] = label
    return out


def _group_panels(
    df: pd.DataFrame, by: str, order: list[str], policies: list[str], title: str, xlabel: str
) -> Figure:
    """Median TTR of resolved complaints and share resolved, per group and policy."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    width = 0.8 / max(len(policies), 1)
    x = np.arange(len(order))
    for k, p in enumerate(policies):
        sub = df[df.policy == p]
        per_rep = sub.groupby(["replication", by], observed=True)
        med = per_rep["time_to_resolution_h"].median().unstack(by)
        res = per_rep["resolved"].mean().unstack(by)
        m1, e1, m2, e2 = [], [], [], []
        for g in order:
            a = mean_ci(med[g].to_numpy()) if g in med else (np.nan,) * 3
            b = mean_ci(res[g].to_numpy()) if g in res else (np.nan,) * 3
            m1.append(a[0])
            e1.append(a[0] - a[1] if np.isfinite(a[1]) else 0)
            m2.append(b[0])
            e2.append(b[0] - b[1] if np.isfinite(b[1]) else 0)
        off = (k - (len(policies) - 1) / 2) * width
        ax1.bar(x + off, m1, width, yerr=e1, capsize=2, label=p)
        ax2.bar(x + off, m2, width, yerr=e2, capsize=2, label=p)
    ax1.set_yscale("log")
    ax1.set_ylabel("median time to resolution, resolved complaints (h, log)")
    ax2.set_ylabel("share of complaints resolved")
    ax2.set_ylim(0, 1)
    for ax in (ax1, ax2):
        ax.set_xticks(x, order)
        ax.set_xlabel(xlabel)
    ax2.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title + " (mean of replications; bars: 95% CI)")
    fig.tight_layout()
    return fig


def plot_ttr_by_follower_tier(complaints: pd.DataFrame, policies: list[str]) -> Figure:
    df = complaints[["policy", "replication", "followers", "time_to_resolution_h", "resolved"]]
    df = df.copy()
    df["tier"] = df.groupby(["policy", "replication"], observed=True)["followers"].transform(
        _tier_labels
    )
    return _group_panels(
        df,
        "tier",
        [t[2] for t in TIERS],
        policies,
        "Time to resolution by follower tier",
        "follower tier (rank within run)",
    )


def plot_ttr_by_channel(complaints: pd.DataFrame, policies: list[str]) -> Figure:
    order = [
        c for c in ("phone", "email", "social", "ceo") if (complaints.first_channel == c).any()
    ]
    df = complaints[["policy", "replication", "first_channel", "time_to_resolution_h", "resolved"]]
    return _group_panels(
        df,
        "first_channel",
        order,
        policies,
        "Time to resolution by first channel",
        "first channel contacted",
    )


def write_plots(
    outdir: Path, kpis: pd.DataFrame, complaints: pd.DataFrame | None, policies: list[str]
) -> list[Path]:
    """Write every plot the data allows into ``outdir``; return their paths."""
    outdir = Path(outdir)
    figs = {"cost_breakdown.png": plot_cost_breakdown(kpis, policies)}
    if complaints is not None and len(complaints):
        figs["ttr_by_follower_tier.png"] = plot_ttr_by_follower_tier(complaints, policies)
        figs["ttr_by_channel.png"] = plot_ttr_by_channel(complaints, policies)
    paths = []
    for name, fig in figs.items():
        paths.append(save_figure(fig, outdir / name))
        plt.close(fig)
    return paths
