"""Fairness: whether big accounts, or some channels, get faster or better outcomes, and
how evenly time to resolution is spread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from escalationsim.analysis.fairness import median_ratio
from escalationsim.analysis.outcomes.base import GAP, NONNEG, SHARE, Family, Kpi, Theme, ratio

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

THEME = Theme(
    "fairness",
    "Fairness",
    intro="""Medians of time to resolution over a group are Kaplan-Meier medians (see Service): a
complaint never resolved is censored at the end of the run, so it counts as having
waited at least that long; the median is "not reached" (+inf) while too few were
resolved.""",
)


def _follower_gap(inp: KpiInputs, row: dict[str, Any]) -> float:
    top, rest = inp.stats.top, inp.stats.rest
    if top.count and rest.count:
        return top.resolved / top.count - rest.resolved / rest.count
    return float("nan")


FAIRNESS: list[Kpi | Family] = [
    Kpi(
        "follower_ttr_ratio",
        lambda inp, row: median_ratio(
            inp.stats.top.survival.quantile(0.5), inp.stats.rest.survival.quantile(0.5)
        ),
        "TTR top 1% / rest (median)",
        "ratio",
        "{:.2f}",
        NONNEG,
        views={"headline": 13},
        censored=True,  # +inf where the top's median is not reached
        direction="closer",
        target=1.0,
        doc="Kaplan-Meier median TTR (the unresolved censored at the end of the run) of the "
        "top 1% of complaints by followers (within the run) over that of the rest; below 1: "
        "big accounts get faster outcomes. 0 if only the rest's median is infinite, +inf if "
        "only the top's is, NaN if both (summaries leave non-finite values out; `n` says how "
        "many remained). With about 1% of a run's complaints in the top group it is noisy "
        "run to run: read its confidence interval.",
    ),
    Kpi(
        "follower_ttr_ratio_resolved",
        lambda inp, row: ratio(
            inp.stats.top.ttr.quantile(0.5) if inp.stats.top.resolved else float("nan"),
            inp.stats.rest.ttr.quantile(0.5) if inp.stats.rest.resolved else float("nan"),
        ),
        "TTR top 1% / rest (median, resolved only)",
        "ratio",
        "{:.2f}",
        NONNEG,
        direction="closer",
        target=1.0,
        doc="the same ratio among resolved complaints only: how fast, given that it was "
        "resolved (big accounts are often resolved *later* but *more often*, through "
        "escalation)",
    ),
    Kpi(
        "follower_resolution_gap",
        _follower_gap,
        "resolution rate, top 1% minus rest",
        "share",
        "{:+.1%}",
        GAP,
        views={"headline": 14, "paired": 5},
        direction="closer",
        doc="resolution rate of the top 1% minus that of the rest",
    ),
    Kpi(
        "channel_ttr_ratio",
        lambda inp, row: inp.by_channel[0],
        "TTR slowest / fastest first channel (median)",
        "ratio",
        "{:.2f}",
        NONNEG,
        censored=True,  # +inf where a group's median is not reached
        doc="largest over smallest Kaplan-Meier median TTR across first channels with at "
        "least 30 complaints (1 = equal; +inf when the slowest channel's median is not "
        "reached)",
    ),
    Kpi(
        "channel_resolution_gap",
        lambda inp, row: inp.by_channel[1],
        "resolution rate, best minus worst first channel",
        "share",
        "{:+.1%}",
        GAP,
        doc="largest minus smallest resolution rate across those first channels",
    ),
    Kpi(
        "gini_ttr",
        lambda inp, row: inp.stats.ttr.gini(),
        "Gini of TTR (resolved complaints)",
        "index",
        "{:.2f}",
        SHARE,
        views={"headline": 15},
        doc="Gini coefficient of resolved TTRs, `sum_i (2i - n - 1) x_(i) / (n sum x)`: 0 "
        "all equal, towards 1 concentrated",
    ),
    Kpi(
        "jain_ttr",
        lambda inp, row: inp.stats.ttr.jain(),
        "Jain's index of TTR (resolved complaints)",
        "index",
        "{:.2f}",
        SHARE,
        direction="higher",
        doc="Jain's index of resolved TTRs, `(sum x)^2 / (n sum x^2)`: 1 all equal, 1/n one "
        "complaint takes all",
    ),
]
