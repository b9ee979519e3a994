"""The plots of ``calibration.html``: each fit beside its data, and the backtest's bands.

Each ``plot_*`` function takes what :mod:`escalationsim.calibration` computed (the fits
table, the log's handle times and waits, the backtest's periods) and returns a Figure, or
None when the log has nothing to show for it. Styles follow :mod:`.plots`: the Okabe-Ito
palette with a marker or line style per series, units on every axis, shares in %.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from escalationsim.app.plots import OKABE_ITO, _percent, _tight
from escalationsim.calibration import handling
from escalationsim.calibration.backtest import SHARES
from escalationsim.calibration.simfit import SimFit

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

JOURNEY_SHARES: tuple[tuple[str, str], ...] = (
    ("abandon_rate", "calls abandoned"),
    ("switch_prob", "switched channel after a failed first contact"),
    ("recontact_prob", "contacted again"),
    ("escalation_prob_social", "went public on social media"),
    ("escalation_prob_ceo", "wrote to the CEO"),
    ("resolution_prob", "resolved"),
    ("repeat_complaint_prob", "complained again"),
)
"""The journey shares plotted, with their words, in the order a complaint meets them."""

BACKTEST_LABELS: dict[str, str] = {
    "complaints": "complaints opened",
    "volume": "contacts",
    "answer_time_mean_s": "mean answer time (s)",
    "abandon_rate": "calls abandoned (%)",
    "service_level_20s": "answered within 20 s (%)",
    "escalation_rate": "escalated (%)",
    "resolution_rate": "resolved (%)",
    "backlog": "open complaints at day's end",
}


def _grid(n: int, cols: int, width: float = 11.0, height: float = 2.6) -> tuple[Figure, list]:
    rows = max(math.ceil(n / cols), 1)
    fig = Figure(figsize=(width, height * rows))
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(rows * cols)]
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def plot_arrivals(fits: pd.DataFrame) -> Figure | None:
    """Contacts per hour through the week, per channel: the mean over the log's weeks
    with its 95% interval, and the channel's dispersion test in the title."""
    rates = fits[fits["quantity"] == "arrival_rate_per_hour"]
    if rates.empty:
        return None
    channels = sorted(rates["channel"].unique())
    fig, axes = _grid(len(channels), 1, height=2.2)
    for ax, channel in zip(axes, channels, strict=True):
        r = rates[rates["channel"] == channel].sort_values(["day", "hour"])
        x = r["day"].to_numpy(dtype=float) * 24 + r["hour"].to_numpy(dtype=float)
        ax.fill_between(x, r["ci_low"], r["ci_high"], step="mid", color="#cfe0f1", lw=0)
        ax.step(x, r["estimate"], where="mid", color=OKABE_ITO[4], lw=1.2)
        disp = fits[(fits["quantity"] == "arrival_dispersion") & (fits["channel"] == channel)]
        test = ""
        if len(disp):
            d = disp.iloc[0]
            test = f"; dispersion {d['estimate']:.2f} (Poisson: 1; p = {d['p_value']:.2g})"
        ax.set_title(f"{channel}{test}", fontsize=9, loc="left")
        ax.set_ylabel("contacts / hour")
        ax.set_xticks(np.arange(7) * 24 + 12, DAYS)
        ax.set_xlim(-0.5, 167.5)
        for d in range(1, 7):
            ax.axvline(d * 24 - 0.5, color="#bbb", lw=0.5)
    fig.suptitle("Arrivals by hour of the week: mean over the log's weeks (band: 95% interval)")
    _tight(fig)
    return fig


def plot_handle_qq(durations: dict[str, np.ndarray], fits: pd.DataFrame) -> Figure | None:
    """Per channel, the handle times' quantiles against those of the family AIC prefers
    (points on the diagonal: the family fits; a bend at the top: a heavier tail)."""
    cands = fits[fits["quantity"] == "handle_time_candidate"]
    channels = [c for c in sorted(cands["channel"].unique()) if c in durations]
    if not channels:
        return None
    fig, axes = _grid(len(channels), min(len(channels), 3), height=3.4)
    for ax, channel in zip(axes, channels, strict=True):
        best = cands[cands["channel"] == channel].sort_values("aic").iloc[0]
        theory, observed = handling.qq(durations[channel], str(best["dist"]))
        top = float(max(theory.max(), observed.max()))
        ax.plot([0, top], [0, top], color="#999", lw=0.8, ls="--")
        ax.plot(theory, observed, "o", ms=2.5, color=OKABE_ITO[4])
        ax.set_title(f"{channel}: {best['dist']} (KS {best['ks']:.3f})", fontsize=9)
        ax.set_xlabel("fitted quantile (min)")
        ax.set_ylabel("observed quantile (min)")
    fig.suptitle("Handle times: QQ plots against the family AIC prefers")
    _tight(fig)
    return fig


def plot_patience(curves: dict[str, pd.DataFrame], fits: pd.DataFrame) -> Figure | None:
    """Per waiting channel, the share of callers still willing to wait after each wait:
    Kaplan-Meier with its band, the censored fit the scenario uses, and the curve of the
    abandoned callers' waits alone (ignoring the answered ones: too impatient)."""
    if not curves:
        return None
    fig, axes = _grid(len(curves), min(len(curves), 2), width=10.0, height=3.6)
    for ax, (channel, c) in zip(axes, sorted(curves.items()), strict=True):
        cands = fits[(fits["quantity"] == "patience_candidate") & (fits["channel"] == channel)]
        ax.fill_between(c["minutes"], c["km_low"], c["km_high"], step="post", color="#cfe0f1", lw=0)
        ax.step(c["minutes"], c["kaplan_meier"], where="post", color=OKABE_ITO[4], lw=1.4,
                label="Kaplan-Meier (95% band)")  # fmt: skip
        if len(cands):
            best = str(cands.sort_values("aic").iloc[0]["dist"])
            ax.plot(c["minutes"], c[best], color=OKABE_ITO[5], lw=1.4, ls="--",
                    label=f"censored fit: {best}")  # fmt: skip
        ax.plot(c["minutes"], c["naive"], color=OKABE_ITO[7], lw=1.0, ls=":",
                label="abandoned callers only (censoring ignored)")  # fmt: skip
        ax.set_ylim(0, 1.02)
        _percent(ax)
        ax.set_xlabel("wait (min)")
        ax.set_ylabel("still waiting (%)")
        ax.set_title(channel, fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("Patience: survival of callers' willingness to wait")
    _tight(fig)
    return fig


def plot_backoffice(curve: pd.DataFrame | None) -> Figure | None:
    """The share of promised back-office work not yet done after each wait: Kaplan-Meier
    with its band (its floor: the work never done), the fitted lognormal with a share
    never done, and the curve of the work done alone (ignoring the work still open)."""
    if curve is None:
        return None
    fig = Figure(figsize=(8.0, 3.6))
    ax = fig.add_subplot(1, 1, 1)
    h = curve["hours"]
    ax.fill_between(h, curve["km_low"], curve["km_high"], step="post", color="#cfe0f1", lw=0)
    ax.step(h, curve["kaplan_meier"], where="post", color=OKABE_ITO[4], lw=1.4,
            label="Kaplan-Meier (95% band)")  # fmt: skip
    ax.plot(h, curve["fitted"], color=OKABE_ITO[5], lw=1.4, ls="--",
            label="fit: lognormal, with a share never done")  # fmt: skip
    ax.plot(h, curve["done_only"], color=OKABE_ITO[7], lw=1.0, ls=":",
            label="work done only (open work ignored)")  # fmt: skip
    ax.set_ylim(0, 1.02)
    _percent(ax)
    ax.set_xlabel("hours since the promise")
    ax.set_ylabel("not yet done (%)")
    ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("Back office: time from a promised fix to the work done")
    _tight(fig)
    return fig


def plot_journeys(fits: pd.DataFrame) -> Figure | None:
    """The journey shares with their 95% intervals (first-channel shares first)."""
    rows = []
    first = fits[fits["quantity"] == "first_channel_share"].sort_values("channel")
    for _, r in first.iterrows():
        rows.append((f"started on {r['channel']}", r))
    for quantity, words in JOURNEY_SHARES:
        for _, r in fits[fits["quantity"] == quantity].iterrows():
            where = f" ({r['channel']})" if isinstance(r["channel"], str) else ""
            rows.append((words + where, r))
    if not rows:
        return None
    fig = Figure(figsize=(9.0, 0.32 * len(rows) + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(rows))[::-1]
    est = np.array([float(r["estimate"]) for _, r in rows])
    lo = np.array([float(r["ci_low"]) for _, r in rows])
    hi = np.array([float(r["ci_high"]) for _, r in rows])
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color=OKABE_ITO[4], ms=4,
                capsize=2, lw=1)  # fmt: skip
    ax.set_yticks(y, [label for label, _ in rows], fontsize=8)
    ax.set_xlim(0, 1)
    _percent(ax, "x")
    ax.set_xlabel("share of complaints or contacts (%; bars: 95% interval)")
    ax.grid(axis="x", color="#eee")
    fig.suptitle("Journeys: what complaints did")
    _tight(fig)
    return fig


def plot_simfit(found: SimFit) -> Figure | None:
    """Each trial's distance against each unknown's value (one panel per unknown), the
    plausible trials filled, the best one marked."""
    trials = found.trials[np.isfinite(found.trials["distance"].astype(float))]
    if trials.empty:
        return None
    names = list(found.unknowns["setting"])
    fig, axes = _grid(len(names), min(len(names), 2), width=10.0, height=3.0)
    plausible = trials["plausible"].astype(bool)
    for ax, name in zip(axes, names, strict=True):
        u = found.unknowns[found.unknowns["setting"] == name].iloc[0]
        ax.axvspan(u["low"], u["high"], color="#e8f1e8", lw=0)
        ax.plot(trials.loc[~plausible, name], trials.loc[~plausible, "distance"], "o",
                mfc="none", color="#888", ms=4, label="trial")  # fmt: skip
        ax.plot(trials.loc[plausible, name], trials.loc[plausible, "distance"], "o",
                color=OKABE_ITO[2], ms=4, label="plausible")  # fmt: skip
        ax.plot([u["best"]], [trials["distance"].min()], "*", color=OKABE_ITO[5], ms=11,
                label="best")  # fmt: skip
        ax.set_xlim(u["allowed_low"], u["allowed_high"])
        ax.set_yscale("log")
        verdict = "identified" if u["identified"] else "not identified"
        ax.set_title(f"{name.rsplit('.', 1)[-1].replace('_', ' ')}: {verdict}", fontsize=9,
                     loc="left")  # fmt: skip
        ax.set_ylabel("distance (log scale)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Simulation-based fit: distance from the log's journey shares")
    _tight(fig)
    return fig


def plot_backtest(periods: pd.DataFrame, mode: str) -> Figure | None:
    """One mode's daily backtest: each KPI's observed value per day (points) against the
    simulations' mean (line) and 95% prediction interval (band)."""
    daily = periods[(periods["mode"] == mode) & (periods["period"] == "day")]
    if daily.empty:
        return None
    panels = list(daily.groupby(["kpi", "channel"], sort=False))
    fig, axes = _grid(len(panels), 3, width=12.0, height=2.5)
    for ax, ((kpi, channel), part) in zip(axes, panels, strict=True):
        at = pd.to_datetime(part["at"])
        ax.fill_between(at, part["pi_low"], part["pi_high"], color="#cfe0f1", lw=0)
        ax.plot(at, part["simulated_mean"], color=OKABE_ITO[4], lw=1.2)
        ax.plot(at, part["observed"], "o", ms=3, color=OKABE_ITO[5])
        label = BACKTEST_LABELS.get(str(kpi), str(kpi))
        ax.set_title(f"{label}{': ' + channel if channel else ''}", fontsize=9, loc="left")
        if kpi in SHARES:
            _percent(ax)
        ax.tick_params(axis="x", labelsize=7, rotation=30)
    fig.suptitle(
        f"Backtest, {mode}: observed per day (points), simulated mean (line) and 95% "
        "prediction interval (band)"
    )
    _tight(fig)
    return fig


__all__ = [
    "plot_arrivals",
    "plot_backtest",
    "plot_handle_qq",
    "plot_journeys",
    "plot_patience",
    "plot_simfit",
]
