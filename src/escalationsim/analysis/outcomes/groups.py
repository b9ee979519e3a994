"""The outcomes by group (``groups.csv``): per policy, replication, grouping and group,
computed over a :class:`pandas.core.groupby.DataFrameGroupBy` of that group's complaints.

The groupings are ``follower_tier`` (rank by followers within the run), ``first_channel``
and ``follower_tier_on_social`` (the complaints that posted in public, by the same
tiers); :data:`SOCIAL` are the columns only the last one has. The column order of
``groups.csv`` is this module's order."""

from __future__ import annotations

from typing import Any

import pandas as pd

from escalationsim.analysis.outcomes.base import NONNEG, SHARE
from escalationsim.analysis.outcomes.measure import Measure, by_name
from escalationsim.analysis.survival import km_quantile

Group = Any  # pandas.core.groupby.DataFrameGroupBy


def km_median(g: Group) -> pd.Series:
    """Kaplan-Meier median of each group's ``duration_h`` with ``resolved`` as the event."""
    values = [km_quantile(d["duration_h"].to_numpy(), d["resolved"].to_numpy(), 0.5) for _, d in g]
    return pd.Series(values, index=g.size().index, dtype=float)


EVERY: tuple[Measure, ...] = (
    Measure(
        "complaints",
        lambda g: g.size(),
        "complaints",
        doc="complaints in the group",
        fmt="{:,.0f}",
    ),
    Measure(
        "resolution_rate",
        lambda g: g["resolved"].mean(),
        "share resolved",
        "%",
        "{:.1%}",
        SHARE,
        "higher",
        "complaints resolved / complaints in the group",
        plot_label="share of complaints resolved",
    ),
    Measure(
        "ttr_median_h_all",
        km_median,
        "median hours to resolution (unresolved censored)",
        "h",
        "{:.2f}",
        NONNEG,
        "lower",
        "Kaplan-Meier median time to resolution, the unresolved censored at the end of the "
        "run (+inf where not reached)",
        plot_label="median time to resolution, unresolved censored",
    ),
    Measure(
        "ttr_median_resolved_h",
        lambda g: g["time_to_resolution_h"].median(),
        "median hours to resolution, resolved complaints only",
        "h",
        "{:.2f}",
        NONNEG,
        "lower",
        "median time to resolution of the resolved complaints only (biased low: the slow "
        "ones are the unresolved)",
    ),
)
"""The columns every grouping has."""

SOCIAL: tuple[Measure, ...] = (
    Measure(
        "posts_answered_share",
        lambda g: g["posts_answered"].sum() / g["posts"].sum(),
        "share of public posts answered",
        "%",
        "{:.1%}",
        SHARE,
        "higher",
        "posts answered / posts (grouping `follower_tier_on_social` only)",
    ),
    Measure(
        "first_post_wait_median_h",
        lambda g: g["first_post_wait_h"].median(),
        "median hours to the first post's answer",
        "h",
        "{:.2f}",
        NONNEG,
        "lower",
        "median time from the first post to its answer, answered ones (grouping "
        "`follower_tier_on_social` only)",
        plot_label="median wait for an answer to the first post",
    ),
)
"""The columns only the grouping ``follower_tier_on_social`` has."""

GROUP_MEASURES: dict[str, Measure] = by_name(EVERY + SOCIAL)
"""Every column of ``groups.csv`` after the keys, by name, in order."""


def columns(g: Group, measures: tuple[Measure, ...]) -> pd.DataFrame:
    """Each measure of ``measures`` over each group of ``g``, a column each."""
    return pd.DataFrame({m.name: m.formula(g) for m in measures})


__all__ = ["EVERY", "GROUP_MEASURES", "SOCIAL", "columns", "km_median"]
