"""Comparison plots of a job's results (matplotlib, non-interactive backend).

Each ``plot_*`` function takes tidy results and returns a Figure; :func:`write_plots`
saves them as PNG (for the folder, ``report.md`` and the README) and :func:`render_svg`
renders one as SVG (for ``report.html``). Error bars are 95% confidence intervals across
replications. Readable without colour: colour-blind-safe palettes (Okabe-Ito for
policies, Paul Tol's "muted" for the parts of a stack), and a marker, line style or hatch
per policy; every axis says its unit (shares are shown in %); names from the
configuration are shown as words (``around_the_clock``: "around the clock"), wrapped so
that tick labels never overlap (:func:`overlapping_labels` checks it); a line plot shows
at most :data:`MAX_LEGEND` lines a panel, in small multiples beyond that; every plot has
a caption saying what it shows (:func:`caption`).
"""

from __future__ import annotations

import io
import re
import textwrap
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from escalationsim.analysis import kpis as kpi_registry  # noqa: E402
from escalationsim.analysis.aggregate import censored, kpi_bounds, mean_ci  # noqa: E402
from escalationsim.analysis.fairness import TIERS, outcomes_by_group  # noqa: E402
from escalationsim.analysis.outcomes.groups import GROUP_MEASURES  # noqa: E402
from escalationsim.app.files import save_figure  # noqa: E402
from escalationsim.engine import channels  # noqa: E402

OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
"""A colour-blind-safe palette (Okabe & Ito, 2008): told apart under the common forms of
colour blindness; parts beyond the eighth also get a hatch."""

TOL_MUTED: tuple[str, ...] = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#000000",
    "#777777",
    "#DDDDDD",
)
"""Paul Tol's "muted" qualitative palette (Tol, SRON technical note, 2021: nine colours
told apart under the common forms of colour blindness), then black, mid and pale grey
(told apart by lightness): twelve fills for the parts of a stack, the cost breakdown's
every part its own (parts beyond the twelfth also get a hatch)."""

HATCHES: tuple[str, ...] = ("", "//", "xx", "\\\\")

MAX_LEGEND = 8
"""Lines a panel of a line plot shows at most (more are small multiples, or the other
parameters are held at a middle value, said in the title)."""


def part_style(i: int) -> dict[str, str]:
    """Fill colour and hatch of the ``i``-th part of a stacked chart."""
    return {"color": TOL_MUTED[i % len(TOL_MUTED)], "hatch": HATCHES[i // len(TOL_MUTED) % 4]}


def words(name: object, width: int = 12) -> str:
    """A name from the configuration as words for a tick label: underscores as spaces,
    wrapped at ``width`` characters (``empowered_rep`` -> "empowered rep";
    ``around_the_clock`` -> "around the\nclock")."""
    return textwrap.fill(str(name).replace("_", " "), width=width, break_long_words=False)


def overlapping_labels(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of tick labels of one axis of ``fig`` whose drawn boxes intersect (by
    matplotlib's renderer, as the PNG would draw them): none for a readable plot."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            shown = [lab for lab in labels if lab.get_visible() and lab.get_text().strip()]
            boxes = [(lab.get_text(), lab.get_window_extent(renderer)) for lab in shown]
            for i, (a, box_a) in enumerate(boxes):
                for b, box_b in boxes[i + 1 :]:
                    if box_a.overlaps(box_b):
                        found.append((a, b))
    return found


def cost_parts() -> list[tuple[str, str]]:
    """(KPI, legend label) of the stacked cost breakdown, from the KPI registry."""
    return [(k.name, k.short) for k in kpi_registry.view("cost_parts")]


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
    styles = {c: part_style(i) for i, (c, _) in enumerate(cost_parts())}
    for col, label in parts:
        vals = _per_complaint(kpis, policies, col)
        if np.allclose(vals, 0):
            continue
        ax.bar(x, vals, bottom=bottom, label=label, width=0.6, edgecolor="white", **styles[col])
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
    ax.set_xticks(x, [words(p) for p in policies])
    ax.set_ylabel("USD per complaint")


def plot_cost_breakdown(kpis: pd.DataFrame, policies: list[str]) -> Figure:
    """Operating cost per complaint by component, and the total including churn."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    operating = [p for p in cost_parts() if p[0] not in ("cost_churn",)]
    _stacked(ax1, kpis, policies, operating, None)
    ax1.set_title("Operating cost: everything but churn")
    _stacked(ax2, kpis, policies, cost_parts(), "cost_per_complaint")
    ax2.set_title("Total including the cost of churn (bar: 95% CI)")
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


POLICY_HATCHES: tuple[str, ...] = ("", "//", "xx", "\\\\", "--", "++", "||")
"""A hatch per policy in grouped bars, so that policies are told apart without colour.
Lines only: a hatch of dots or circles is drawn as hundreds of curves, which made each
plot's SVG in report.html 70 kB larger."""


def policy_style(k: int) -> dict[str, str]:
    """Fill colour and hatch of the ``k``-th policy in grouped bars."""
    return {
        "color": OKABE_ITO[k % len(OKABE_ITO)],
        "hatch": POLICY_HATCHES[k % len(POLICY_HATCHES)],
    }


Panel = tuple[str, str, bool, tuple[float, float] | None]
"""A panel of grouped bars: column, y-axis label (with its unit), log scale, y limits."""


NOT_REACHED_MARK = "n.r."
"""Written where a bar would show a Kaplan-Meier median that is not reached."""


def _bars_by_group(
    per_rep: pd.DataFrame,
    by: str,
    order: list[str],
    policies: list[str],
    panels: list[Panel],
    title: str,
    xlabel: str,
    censored: frozenset[str] = frozenset(),
) -> Figure:
    """Grouped bars, one panel per metric: the mean over replications of each group's
    value (``per_rep``: one row per policy, replication and group), with its 95% CI. A
    column in ``censored`` is a Kaplan-Meier median: where it is not reached (+inf) in
    any replication the bar is left out and marked "n.r." instead."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.5))
    axes = np.atleast_1d(axes)
    width = 0.8 / max(len(policies), 1)
    x = np.arange(len(order))
    marked = False
    for k, p in enumerate(policies):
        sub = per_rep[per_rep.policy == p]
        off = (k - (len(policies) - 1) / 2) * width
        for ax, (col, _, _, ylim) in zip(axes, panels, strict=True):
            wide = sub.pivot_table(index="replication", columns=by, values=col, aggfunc="first")
            # a bar's interval stays within what the value can be: a share within its
            # axis (0-100%), a time or a count at least 0
            floor, ceiling = ylim if ylim is not None else (0.0, np.inf)
            means, errs = [], []
            for i, g in enumerate(order):
                values = wide[g].dropna().to_numpy() if g in wide else np.zeros(0)
                if col in censored and np.isposinf(values).any():
                    means.append(np.nan)
                    errs.append((0.0, 0.0))
                    ax.annotate(
                        NOT_REACHED_MARK,
                        (x[i] + off, 0.02),
                        xycoords=("data", "axes fraction"),
                        ha="center",
                        va="bottom",
                        rotation=90,
                        fontsize=7,
                    )
                    marked = True
                    continue
                m, lo, hi = mean_ci(values) if len(values) else (np.nan,) * 3
                means.append(m)
                if not np.isfinite(lo) or (values < floor).any():  # not bounded as assumed
                    errs.append((m - lo, hi - m) if np.isfinite(lo) else (0.0, 0.0))
                else:
                    errs.append((m - max(lo, floor), min(hi, ceiling) - m))
            ax.bar(
                x + off,
                means,
                width,
                yerr=np.array(errs).T,
                capsize=2,
                label=p,
                edgecolor="white",
                **policy_style(k),
            )
    for ax, (_, ylabel, log, ylim) in zip(axes, panels, strict=True):
        if log:
            ax.set_yscale("log")
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_ylabel(ylabel)
        if ylabel.endswith("(%)"):
            _percent(ax)
        ax.set_xticks(x, [words(g) for g in order])
        ax.set_xlabel(xlabel)
    axes[-1].legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title + " (mean of replications; bars: 95% CI)")
    if marked:
        fig.text(
            0.01,
            0.005,
            f"{NOT_REACHED_MARK}: median not reached (fewer than half resolved by the end "
            "of the run, in some replication)",
            fontsize=7,
            va="bottom",
        )
    fig.tight_layout(rect=(0, 0.03 if marked else 0, 1, 1))
    return fig


def _group_panels(
    groups: pd.DataFrame,
    grouping: str,
    order: list[str],
    policies: list[str],
    title: str,
    xlabel: str,
) -> Figure:
    """Median TTR (Kaplan-Meier, over every complaint, the unresolved censored at the end
    of the run) and share resolved, per group and policy, from
    :func:`~escalationsim.analysis.fairness.outcomes_by_group` (one row per policy,
    replication and group)."""
    per_rep = groups[groups.grouping == grouping].rename(
        columns={"ttr_median_h_all": "ttr", "resolution_rate": "resolved"}
    )
    ttr, resolved = GROUP_MEASURES["ttr_median_h_all"], GROUP_MEASURES["resolution_rate"]
    panels: list[Panel] = [
        ("ttr", ttr.axis_label(f"{ttr.unit}, log"), True, None),
        ("resolved", resolved.axis_label(), False, resolved.bounds),
    ]
    return _bars_by_group(
        per_rep, "group", order, policies, panels, title, xlabel, censored=frozenset({"ttr"})
    )


def plot_social_by_follower_tier(groups: pd.DataFrame, policies: list[str]) -> Figure | None:
    """Where the by-influence effect arises: for complaints posted in public, the share of
    their posts answered and the wait for the first post's answer, by follower tier
    (``groups``: :func:`~escalationsim.analysis.fairness.outcomes_by_group`)."""
    per_rep = groups[groups.grouping == "follower_tier_on_social"].copy()
    if per_rep.empty:
        return None
    per_rep["wait_min"] = per_rep["first_post_wait_median_h"] * 60.0
    answered, wait = (
        GROUP_MEASURES["posts_answered_share"],
        GROUP_MEASURES["first_post_wait_median_h"],
    )
    panels: list[Panel] = [
        ("posts_answered_share", answered.axis_label(), False, answered.bounds),
        ("wait_min", wait.axis_label("min"), False, None),
    ]
    return _bars_by_group(
        per_rep,
        "group",
        [t[2] for t in TIERS],
        policies,
        panels,
        "On social media, by follower tier",
        "follower tier (rank within run, all complaints)",
    )


def plot_ttr_by_follower_tier(groups: pd.DataFrame, policies: list[str]) -> Figure:
    return _group_panels(
        groups,
        "follower_tier",
        [t[2] for t in TIERS],
        policies,
        "Time to resolution by follower tier",
        "follower tier (rank within run)",
    )


def plot_ttr_by_channel(groups: pd.DataFrame, policies: list[str]) -> Figure:
    present = set(groups.loc[groups.grouping == "first_channel", "group"].astype(str))
    order = [c for c in channels.names() if c in present]
    return _group_panels(
        groups,
        "first_channel",
        order,
        policies,
        "Time to resolution by first channel",
        "first channel contacted",
    )


def run_figures(
    kpis: pd.DataFrame, groups: pd.DataFrame | None, policies: list[str]
) -> dict[str, Figure]:
    """The plots of one run, by file name: the cost breakdown (from the KPIs) and, when
    the outcomes by group are known (``groups``: the run's ``groups.csv``, from
    :func:`~escalationsim.analysis.fairness.outcomes_by_group`), time to resolution by
    follower tier and by channel, and posts answered on social media by follower tier.
    The run draws them into its folder as PNG and its report draws them again as SVG,
    from the same tables."""
    figs = {"cost_breakdown.png": plot_cost_breakdown(kpis, policies)}
    if groups is not None and len(groups):
        figs["ttr_by_follower_tier.png"] = plot_ttr_by_follower_tier(groups, policies)
        figs["ttr_by_channel.png"] = plot_ttr_by_channel(groups, policies)
        social = plot_social_by_follower_tier(groups, policies)
        if social is not None:
            figs["social_by_follower_tier.png"] = social
    return figs


def write_plots(
    outdir: Path, kpis: pd.DataFrame, complaints: pd.DataFrame | None, policies: list[str]
) -> list[Path]:
    """Write every plot the data allows into ``outdir``; return their paths."""
    outdir = Path(outdir)
    groups = outcomes_by_group(complaints) if complaints is not None and len(complaints) else None
    paths = []
    for name, fig in run_figures(kpis, groups, policies).items():
        paths.append(save_figure(fig, outdir / name))
        plt.close(fig)
    return paths


CAPTIONS: dict[str, str] = {
    "cost_breakdown": "Cost per complaint by policy, in its parts: left, the operating cost "
    "(staff, CEO time, compensation, publicity, fines); right, the total with the cost of "
    "churn and its 95% interval over replications.",
    "cost_vs_fairness": "Each policy's cost per complaint against two gaps in resolution "
    "rate (the top 1% of customers by followers against the rest; the best against the "
    "worst first channel), with 95% intervals; ringed: the policies no other beats on both.",
    "ttr_by_channel": "Median time to resolution (Kaplan-Meier, the unresolved censored) and "
    "share resolved, by the channel a complaint started on, per policy; bars: 95% "
    "intervals over replications.",
    "ttr_by_follower_tier": "Median time to resolution (Kaplan-Meier, the unresolved "
    "censored) and share resolved, by the customer's follower tier, per policy; bars: 95% "
    "intervals over replications.",
    "social_by_follower_tier": "For complaints posted in public: the share of posts "
    "answered and the wait for the first post's answer, by follower tier, per policy.",
    "daily_ceo_channel_share": "The share of each day's new complaints that reach the CEO, "
    "over simulated time (mean over replications).",
    "daily_queue_ceo": "Letters waiting in the CEO's inbox at the end of each day, over "
    "simulated time (mean over replications): a line that keeps rising is a queue that "
    "never catches up.",
    "tornado": "One assumption at a time: for each uncertainty, the cost difference between "
    "the two policies cheapest on the default world with that uncertainty at the low end of "
    "its range (blue) and at the high end (orange), every other setting at its default; the "
    "vertical line is the default's difference, the dashed one equal cost.",
    "regret": "Each policy's regret across the sampled worlds: its cost minus the "
    "cheapest policy's in the same world (box: quartiles; diamond: mean).",
    "sensitivity": "What the cost difference between the two leading policies hinges on: "
    "each uncertain parameter's sensitivity index (PAWN) from the study's own sample, "
    "against the noise floor of a dummy parameter.",
    "winners": "The sampled worlds on the two most influential parameters, each marked "
    "with the policy that is cheapest in it.",
    "optimisation_history": "The optimiser's trials in the order run (filled: meets every "
    "constraint), and the best value so far.",
}
"""What each plot shows, by file name (without ``.png``): the caption under it in the
report (report.md, report.html)."""


def caption(name: str) -> str:
    """The caption of plot file ``name`` (``cost_breakdown.png``, or a sweep's
    ``<kpi>_vs_<parameter>.png``): what it shows, in words."""
    stem = name.removesuffix(".png")
    if stem in CAPTIONS:
        return CAPTIONS[stem]
    kpi, sep, param = stem.partition("_vs_")
    if sep:
        k = kpi_registry.by_name().get(kpi)
        what = k.plot_label or k.label if k is not None else kpi.replace("_", " ")
        return (
            f"{what[0].upper()}{what[1:]} against {_label(param)}: mean over replications "
            "with its 95% band, a line per policy (and setting of the other swept parameters)."
        )
    return stem.replace("_", " ")


SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "escalationsim"}
"""Text kept as text (searchable, and a third of the size of glyph outlines; the page's
sans-serif font is the fallback), and ids that do not change from run to run."""


def render_svg(fig: Figure) -> str:
    """The figure as an SVG document (as :func:`save_figure` crops it), without the
    creator's metadata (which names a web address)."""
    buf = io.StringIO()
    with matplotlib.rc_context(SVG_RC):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return re.sub(r"\s*<metadata>.*?</metadata>", "", buf.getvalue(), count=1, flags=re.S)


def _percent(ax, axis: str = "y") -> None:
    """Tick labels of a share axis in % (its label says "(%)"): 0.25 -> 25%."""
    pct = FuncFormatter(lambda v, _: f"{round(v * 100, 9) + 0.0:.3g}%")
    getattr(ax, f"{axis}axis").set_major_formatter(pct)


# --------------------------------------------------------------------------- sweeps


def sweep_kpis() -> list[tuple[str, str]]:
    """(KPI, axis label) plotted against a swept parameter, from the KPI registry."""
    return [(k.name, k.plot_label or k.label) for k in kpi_registry.view("sweep")]


def _title_over_axes(fig: Figure, title: str) -> None:
    """The figure's title centred over its panels (not over the panels and the legend
    beside them)."""
    shown = [ax.get_position() for ax in fig.axes if ax.get_visible()]
    fig.suptitle(title, x=(min(p.x0 for p in shown) + max(p.x1 for p in shown)) / 2)


def _tight(fig: Figure, **kwargs) -> None:
    """tight_layout, quietly: with a long outside legend it may give up, and saving with
    bbox_inches="tight" keeps the legend in the image anyway."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tight layout not applied")
        fig.tight_layout(**kwargs)


MARKERS = ("o", "s", "^", "D", "v", "P", "X")
STYLES = ("-", "--", ":", "-.")


def line_style(k: int, j: int = 0) -> dict[str, object]:
    """Colour, marker and line style of the ``k``-th policy's line, for the ``j``-th
    setting of other parameters: colour and marker tell the policies apart (each enough
    alone), the dash the settings (and, past four settings, hollow markers)."""
    color = OKABE_ITO[k % len(OKABE_ITO)]
    return {
        "color": color,
        "marker": MARKERS[k % len(MARKERS)],
        "linestyle": STYLES[j % len(STYLES)],
        "markerfacecolor": "white" if j // len(STYLES) % 2 else color,
    }


_GENERIC = frozenset({"enabled"})
"""Swept keys whose last part says nothing alone: labelled with their section too
(``policies.x.root_cause.enabled``: "root cause enabled")."""


def _label(col: str) -> str:
    parts = col.split(".")
    name = parts[-1]
    if name in _GENERIC and len(parts) > 1:
        name = f"{parts[-2]}_{name}"
    return name.lstrip("+").replace("_", " ")


PARAM_UNITS: tuple[tuple[str, str], ...] = (
    ("volume_per_day", "complaints per day"),
    ("hours_per_week", "h per week"),
    ("floodgates.strength", "per visible CEO answer a day"),
    ("_per_day", "per day"),
    ("_usd", "USD"),
    ("_minutes", "min"),
    ("_hours", "h"),
    ("_h", "h"),
    ("_days", "days"),
    ("fraction", "share"),
    ("_share", "share"),
    ("_rate", "share"),
    ("probability", "share"),
)
"""The unit of a swept parameter, by how its key ends (first match)."""

_UNIT_SUFFIXES = ("_usd", "_minutes", "_hours", "_h", "_days")
"""Key endings that only say the unit: left out of the words when the unit follows."""


def param_label(key: str, categorical: bool = False) -> str:
    """Axis label of a swept parameter, with its unit (:data:`PARAM_UNITS`); a config
    group (values that are names) says so; a key no rule knows is in its configured
    units. The unit is said once: ``rep.budget_usd`` is "budget (USD)"."""
    if categorical:
        return f"{_label(key)} (configuration group)"
    for suffix, unit in PARAM_UNITS:
        if key.endswith(suffix):
            name = key.split(".")[-1]
            if suffix in _UNIT_SUFFIXES and name != suffix.lstrip("_"):
                name = name[: -len(suffix)]
            return f"{_label(name)} ({unit})"
    return f"{_label(key)} (as configured)"


def kpi_label(kpi: str, label: str) -> str:
    """An axis label with the KPI's unit from the registry, once: "%" for a share (its
    ticks in %), "USD", "h", ...; kept as it is when it already names the unit."""
    k = kpi_registry.by_name().get(kpi)
    unit = "%" if k is not None and k.unit == "share" else (k.unit if k is not None else "")
    if not unit or re.search(rf"[(,]\s*{re.escape(unit)}\s*[,)]", label):
        return label
    return f"{label[:-1]}, {unit})" if label.endswith(")") else f"{label} ({unit})"


MAX_PANELS = 6
"""Small multiples a line plot draws at most."""


def split_lines(
    kpis: pd.DataFrame, others: list[str], policies: int
) -> tuple[list[str], list[str], dict[str, object]]:
    """Which of the ``others`` swept parameters give lines, which give panels (small
    multiples), and which are held at their middle value, so that a panel has at most
    :data:`MAX_LEGEND` lines (``policies`` lines per setting of the line parameters)
    and there are at most :data:`MAX_PANELS` panels. Parameters with the most values
    move first."""
    n = {o: int(kpis[o].nunique(dropna=False)) for o in others}
    lines, panels, held = list(others), [], {}

    def count(keys: list[str]) -> int:
        return policies * int(np.prod([n[k] for k in keys])) if keys else policies

    for o in sorted(others, key=lambda o: (-n[o], others.index(o))):
        if count(lines) <= MAX_LEGEND:
            break
        lines.remove(o)
        if count(panels + [o]) // policies <= MAX_PANELS:
            panels.append(o)
        else:
            values = sorted(kpis[o].dropna().unique(), key=str)
            held[o] = values[len(values) // 2]
    return lines, panels, held


def _draw_lines(
    ax, kpis: pd.DataFrame, x: str, kpi: str, others: list[str], policies: list[str]
) -> None:
    """One panel of :func:`plot_vs_param`: a line per policy and setting of ``others``."""
    keys = ["policy", *others]
    settings: list[tuple] = []
    unreached: list[tuple[float, str]] = []  # (x, colour) where the quantile is not reached
    floor, ceiling = kpi_bounds(kpi)
    for key, sub in kpis.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        if key[1:] not in settings:
            settings.append(key[1:])
        pts, missed = [], []
        for xv, g in sub.groupby(x):
            values = g[kpi].astype(float).to_numpy()
            if censored(kpi) and np.isposinf(values).any():
                # a median not reached in some replication: no point (the line breaks),
                # a mark at the top instead
                pts.append((float(xv), np.nan, np.nan, np.nan))
                missed.append(float(xv))
                continue
            m, lo, hi = mean_ci(values)
            pts.append((float(xv), m, max(lo, floor), min(hi, ceiling)))
        pts.sort()
        xs, ms, los, his = (np.array(v) for v in zip(*pts, strict=True))
        label = ", ".join(
            [str(key[0])] + [f"{_label(o)}={v}" for o, v in zip(others, key[1:], strict=True)]
        )
        style = line_style(policies.index(key[0]), settings.index(key[1:]))
        ax.plot(xs, ms, ms=5, alpha=0.85, label=label, **style)
        unreached += [(v, style["color"]) for v in missed]
        ok = np.isfinite(los) & np.isfinite(his)
        if ok.any():
            ax.fill_between(xs[ok], los[ok], his[ok], color=style["color"], alpha=0.15)
    if unreached:  # said at the top of the axes, not left out in silence
        top = ax.get_xaxis_transform()  # x in data, y in axes fraction
        stacked: dict[float, int] = {}  # marks at one x one below the other
        for i, (xv, colour) in enumerate(unreached):
            level = stacked[xv] = stacked.get(xv, -1) + 1
            ax.plot(
                [xv],
                [0.97 - 0.06 * level],
                marker="v",
                ms=7,
                mfc="none",
                mec=colour,
                ls="none",
                transform=top,
                clip_on=False,
                label="not reached in a replication" if i == 0 else None,
            )
    ax.grid(alpha=0.3)


def plot_vs_param(
    kpis: pd.DataFrame, x: str, kpi: str, ylabel: str, others: list[str] | None = None
) -> Figure:
    """A KPI against a swept parameter, one line per policy (and per value of the other
    swept parameters), with 95% confidence bands; log x when the values span 20x. A
    Kaplan-Meier median not reached in a replication leaves its point out. A
    parameter that is not numeric (e.g. a config group) is placed at evenly spaced
    positions, its values in sorted order, shown as words. Each policy has its colour
    and marker (:func:`line_style`), each setting of the other parameters its dash; the
    axes say their units (a share in %). More than :data:`MAX_LEGEND` lines: small
    multiples by the other parameters with the most values (:func:`split_lines`)."""
    others = others or []
    categories: list[str] = []
    if not pd.api.types.is_numeric_dtype(kpis[x]):
        categories = sorted(kpis[x].dropna().astype(str).unique())
        kpis = kpis.assign(**{x: kpis[x].astype(str).map(categories.index)})
    policies = list(dict.fromkeys(kpis["policy"]))
    lines, facets, held = split_lines(kpis, others, len(policies))
    for key, value in held.items():
        kpis = kpis[kpis[key] == value]
    groups = list(kpis.groupby(facets, sort=True, dropna=False)) if facets else [((), kpis)]
    ncols = min(3, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(7.5 if ncols == 1 else 4.2 * ncols + 2.4, 4.5 if nrows == 1 else 3.6 * nrows),
        sharey=True,
        squeeze=False,
    )
    xs_all = kpis[x].astype(float)
    positive = xs_all[xs_all > 0]
    axis = kpi_label(kpi, ylabel)
    xlabel = param_label(x, bool(categories))
    for ax, (key, sub) in zip(axes.flat, groups, strict=False):
        _draw_lines(ax, sub, x, kpi, lines, policies)
        if facets:
            key = key if isinstance(key, tuple) else (key,)
            ax.set_title(
                ", ".join(f"{_label(f)} = {v}" for f, v in zip(facets, key, strict=True)),
                fontsize=9,
            )
        if categories:
            ax.set_xticks(range(len(categories)), [words(c) for c in categories])
        elif len(positive) and positive.max() / positive.min() >= 20:
            if xs_all.min() > 0:
                ax.set_xscale("log")
            else:  # zero among the values: linear near 0, logarithmic beyond
                ax.set_xscale("symlog", linthresh=float(positive.min()))
        if axis.endswith("%)"):
            _percent(ax)
    for ax in axes.flat[len(groups) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel)
    for row in axes:
        row[0].set_ylabel(axis)
    note = "; ".join(f"{_label(k)} = {v}" for k, v in held.items())
    title = f"{ylabel} vs {xlabel.split(' (')[0]} (mean, 95% CI band{'; ' + note if note else ''})"
    if facets:
        axes.flat[ncols - 1].legend(
            fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0)
        )
        _tight(fig, rect=(0, 0, 0.8 if ncols > 1 else 0.72, 0.95))
        _title_over_axes(fig, title)
        return fig
    return _finish(fig, axes[0][0], xlabel, axis, title)


def _finish(fig: Figure, ax, xlabel: str, ylabel: str, title: str) -> Figure:
    """Labels, an outside legend and a light grid for a single-panel line plot."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(alpha=0.3)
    _tight(fig)
    return fig


def pareto_front(cost: np.ndarray, unfairness: np.ndarray) -> np.ndarray:
    """Mask of points no other point beats on both cost and unfairness (lower is better)."""
    n = len(cost)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        dominated = (cost <= cost[i]) & (unfairness <= unfairness[i])
        dominated &= (cost < cost[i]) | (unfairness < unfairness[i])
        keep[i] = not dominated.any()
    return keep


def plot_cost_vs_fairness(kpis: pd.DataFrame) -> Figure:
    """Cost per complaint against two unfairness measures, per policy (each with its
    colour and marker, :func:`line_style`, and its name beside the point); the policies on
    the cost-fairness frontier are ringed. A gap between two shares is in percentage
    points."""
    measures = (
        ("follower_resolution_gap", "resolution gap, top 1% vs rest"),
        ("channel_resolution_gap", "resolution gap across first channels"),
    )
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    policies = list(dict.fromkeys(kpis["policy"]))
    for ax, (col, label) in zip(axes, measures, strict=True):
        cost, unfair, ci_c, ci_u = [], [], [], []
        for p in policies:
            sub = kpis[kpis.policy == p]
            c = mean_ci(sub["cost_per_complaint"].to_numpy())
            m, lo, hi = mean_ci(sub[col].to_numpy())  # the gap's mean, then its size
            size = abs(m)
            cost.append(c[0])
            unfair.append(size)
            ci_c.append(c[0] - c[1] if np.isfinite(c[1]) else 0.0)
            if np.isfinite(lo) and np.isfinite(hi):
                # the interval of |gap|: from 0 if the gap's interval straddles 0
                low = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
                ci_u.append((size - low, max(abs(lo), abs(hi)) - size))
            else:
                ci_u.append((0.0, 0.0))
        cost_a, unfair_a = np.array(cost), np.array(unfair)
        front = pareto_front(cost_a, unfair_a)
        # labels alternately below and above, in order of height, so that two points
        # close together get one label under and one over
        rank = np.argsort(np.argsort(unfair_a, kind="stable"), kind="stable")
        for i, p in enumerate(policies):
            yerr = [[ci_u[i][0]], [ci_u[i][1]]]
            style = line_style(i)
            ax.errorbar(
                cost_a[i],
                unfair_a[i],
                xerr=ci_c[i],
                yerr=yerr,
                fmt=style["marker"],
                color=style["color"],
                markeredgecolor="black",
                markeredgewidth=0.5,
                capsize=3,
                label=p,
            )
            dy = -12 if rank[i] % 2 == 0 else 6
            ax.annotate(
                p, (cost_a[i], unfair_a[i]), xytext=(6, dy), textcoords="offset points", fontsize=8
            )
        ax.scatter(
            cost_a[front],
            unfair_a[front],
            s=160,
            facecolors="none",
            edgecolors="black",
            label="on the frontier",
        )
        ax.set_xlabel("cost per complaint (USD, incl. churn)")
        ax.set_ylabel(f"|{label}|\n(percentage points)")  # two lines: within the panel
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(v * 100, 9) + 0.0:.4g}"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
    fig.suptitle("Cost vs fairness by policy (lower left is better; bars: 95% CI)")
    fig.tight_layout()
    return fig


def plot_daily(
    daily: pd.DataFrame, col: str, ylabel: str, by: list[str], note: str = "", unit: str = ""
) -> Figure:
    """A daily series over simulated time, mean over replications. ``by[0]`` (the policy)
    gets a panel each; the other ``by`` keys give the lines, coloured in order. ``unit``
    goes on the y axis ("%": a share, its ticks in %)."""
    panels = list(dict.fromkeys(daily[by[0]]))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels) + 2, 4.2), sharey=True, squeeze=False
    )
    rest = by[1:]
    by_policy = rest == ["policy"]  # lines are policies: their usual colours, in run order
    if by_policy:
        combos = pd.DataFrame({"policy": list(dict.fromkeys(daily["policy"]))})
    else:
        combos = daily[rest].drop_duplicates().sort_values(rest) if rest else pd.DataFrame([{}])
    cmap = plt.get_cmap("viridis")
    for ax, panel in zip(axes[0], panels, strict=True):
        sub = daily[daily[by[0]] == panel]
        for i, (_, combo) in enumerate(combos.iterrows()):
            sel = sub
            for k in rest:
                sel = sel[sel[k] == combo[k]]
            if sel.empty:
                continue
            series = sel.groupby("day")[col].mean()
            if by_policy:  # colour-blind-safe colours, and a marker and dash per policy
                label, color = str(combo["policy"]), OKABE_ITO[i % len(OKABE_ITO)]
            else:
                label = ", ".join(f"{_label(k)}={combo[k]}" for k in rest) or str(panel)
                color = cmap(i / max(len(combos) - 1, 1)) if rest else None
            ax.plot(
                series.index,
                series.to_numpy(),
                label=label,
                lw=1.2,
                color=color,
                marker=MARKERS[i % len(MARKERS)],
                markevery=(i % max(len(series) // 8, 1), max(len(series) // 8, 1)),
                markersize=4,
                linestyle=STYLES[i % len(STYLES)],
            )
        ax.set_title(str(panel), fontsize=10)
        ax.set_xlabel("simulated time (days)")
        ax.grid(alpha=0.3)
        if unit == "%":
            _percent(ax)
    axes[0][0].set_ylabel(f"{ylabel} ({unit})" if unit else ylabel)
    axes[0][-1].legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _tight(fig, rect=(0, 0, 0.82, 0.95))  # room for the legend on the right
    _title_over_axes(fig, f"{ylabel} over simulated time{note} (mean of replications)")
    return fig


# --------------------------------------------------------------------------- studies


def plot_regret(regret: pd.DataFrame, unit: str) -> Figure:
    """Box plots of each policy's regret across a study's scenarios (its cost minus the
    best policy's in the same world); the diamond marks the mean."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    policies = list(regret.columns)
    data = [regret[p].dropna().to_numpy() for p in policies]
    box = ax.boxplot(
        data,
        orientation="horizontal",
        patch_artist=True,
        whis=(5, 95),
        showfliers=True,
        medianprops={"color": "black", "linewidth": 1.5},
    )
    ax.set_yticks(range(1, len(policies) + 1), [words(p, 20) for p in policies])
    for k, patch in enumerate(box["boxes"]):
        style = policy_style(k)
        patch.set_facecolor(style["color"])
        patch.set_hatch(style["hatch"])
        patch.set_alpha(0.8)
    for k, x in enumerate(data):
        ax.plot([x.mean()] if len(x) else [], [k + 1], "D", color="black", markersize=4)
    ax.invert_yaxis()
    ax.set_xlabel(f"regret: cost minus the best policy's in the same scenario ({unit})")
    ax.set_title("Regret across scenarios (box 25-75%, whiskers 5-95%, diamond = mean)")
    ax.grid(alpha=0.3, axis="x")
    _tight(fig)
    return fig


def plot_sensitivity(table: pd.DataFrame, labels: dict[str, str], title: str) -> Figure:
    """A tornado of sensitivity indices (PAWN), most influential at the top, with the
    index of a dummy parameter as the noise floor."""
    shown = table.head(16).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(shown) + 1.4))
    y = np.arange(len(shown))
    ax.barh(y, shown["pawn"], color=OKABE_ITO[4])
    floor = float(table["noise_floor"].iloc[0]) if len(table) else 0.0
    ax.axvline(
        floor,
        color="black",
        linestyle="--",
        linewidth=1,
        label="noise floor (largest of 5 dummies)",
    )
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.set_yticks(y, [labels.get(p, p) for p in shown["parameter"]], fontsize=8)
    ax.set_xlabel("sensitivity index: PAWN, median KS distance (0 = no influence, 1 = all)")
    ax.set_title(title, fontsize=9)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3, axis="x")
    _tight(fig)
    return fig


def plot_winners(
    params: pd.DataFrame,
    winner: pd.Series,
    x: str,
    y: str,
    labels: dict[str, str],
    policies: list[str],
) -> Figure:
    """The scenarios on the two most influential parameters, each marked with the policy
    cheapest in it (colour and marker: the policy's, in run order, as in the other
    plots)."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for k, policy in enumerate(policies):
        at = winner[winner == policy].index
        if len(at) == 0:
            continue
        ax.scatter(
            params.loc[at, x],
            params.loc[at, y],
            color=OKABE_ITO[k % len(OKABE_ITO)],
            marker=MARKERS[k % len(MARKERS)],
            edgecolor="black",
            linewidth=0.4,
            s=30,
            label=f"{policy} cheapest ({len(at)})",
        )
    return _finish(
        fig,
        ax,
        labels.get(x, x),
        labels.get(y, y),
        "Cheapest policy in each scenario, on the two most influential parameters",
    )


def plot_optimisation_history(trials: pd.DataFrame, objective: str) -> Figure:
    """Each trial's objective in the order run (filled: meets every constraint; hollow
    cross: does not), and the best feasible value so far."""
    k = kpi_registry.by_name().get(objective)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    if not trials.empty:
        ok = trials["feasible"].astype(bool)
        ax.scatter(
            trials.loc[ok, "order"],
            trials.loc[ok, objective],
            color=OKABE_ITO[4],
            marker="o",
            s=25,
            label="trial meeting the constraints",
        )
        ax.scatter(
            trials.loc[~ok, "order"],
            trials.loc[~ok, objective],
            color=OKABE_ITO[5],
            marker="x",
            s=25,
            label="trial missing a constraint",
        )
        from escalationsim.analysis.ranking import lower_is_better

        feasible = trials[objective].where(ok)
        best = feasible.cummin() if lower_is_better(objective) else feasible.cummax()
        best = best.ffill()  # cummin leaves a gap at each infeasible trial
        ax.step(trials["order"], best, where="post", color="black", label="best so far")
    label = k.label if k is not None else objective
    return _finish(
        fig, ax, "trial (in the order run)", kpi_label(objective, label), "Optimisation history"
    )
