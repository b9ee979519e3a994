"""Fairness measures over times to resolution.

Definitions (also in docs/metrics.md):

- *Effective time to resolution*: the time to resolution of a resolved complaint, and
  +infinity for one never resolved (given up, or still open at the horizon). Its median is
  finite only while more than half of the group was resolved.
- ``ratio_of_medians(a, b)``: median effective TTR of group a over that of group b;
  0 if only b's median is infinite, +inf if only a's is, NaN if both are or a group is empty.
- ``gini(x)``: Gini coefficient of the resolved TTRs, 0 (all equal) to 1 (one complaint
  takes all the time): G = sum_i (2i - n - 1) x_(i) / (n sum x), x sorted ascending.
- ``jain(x)``: Jain's fairness index of the resolved TTRs, (sum x)^2 / (n sum x^2), from
  1/n (one complaint takes all the time) to 1 (all equal).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from escalationsim.analysis.outcomes.groups import EVERY, SOCIAL, columns


def effective_ttr(ttr: np.ndarray, resolved: np.ndarray) -> np.ndarray:
    """Time to resolution with +inf for complaints never resolved."""
    return np.where(resolved, ttr, np.inf)


def median_inf(x: np.ndarray) -> float:
    """Median that allows +inf values (finite only while most values are finite)."""
    return float(np.median(x)) if len(x) else math.nan


def ratio_of_medians(a: np.ndarray, b: np.ndarray) -> float:
    """Median effective TTR of ``a`` over that of ``b`` (see module doc for infinities)."""
    return median_ratio(median_inf(a), median_inf(b))


def median_ratio(ma: float, mb: float) -> float:
    """``ma / mb`` for two medians of effective TTR, with the infinities of the module doc."""
    if math.isnan(ma) or math.isnan(mb):
        return math.nan
    if math.isinf(ma) and math.isinf(mb):
        return math.nan
    if math.isinf(mb):
        return 0.0
    if math.isinf(ma):
        return math.inf
    return ma / mb if mb > 0 else math.nan


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (NaN if empty or all zero)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    total = x.sum()
    if n == 0 or total <= 0:
        return math.nan
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * total))


def jain(x: np.ndarray) -> float:
    """Jain's fairness index of non-negative values (NaN if empty or all zero)."""
    x = np.asarray(x, dtype=float)
    sq = float(np.sum(x * x))
    if len(x) == 0 or sq <= 0:
        return math.nan
    return float(x.sum() ** 2 / (len(x) * sq))


def top_share_mask(followers: np.ndarray, share: float = 0.01) -> np.ndarray:
    """Mask of the top ``share`` of complaints by followers (ties broken by position)."""
    n = len(followers)
    k = max(1, math.ceil(share * n)) if n else 0
    mask = np.zeros(n, dtype=bool)
    if k:
        mask[np.argsort(followers, kind="stable")[n - k :]] = True
    return mask


TIERS: tuple[tuple[float, float, str], ...] = (
    (0.0, 0.5, "bottom 50%"),
    (0.5, 0.9, "50-90%"),
    (0.9, 0.99, "90-99%"),
    (0.99, 1.0, "top 1%"),
)
"""Follower tiers by rank within a run: (lower, upper] quantiles and a label."""


def follower_tier(followers: pd.Series) -> pd.Series:
    """Follower tier of each complaint, by rank within the given complaints."""
    rank = followers.rank(method="first", pct=True)
    out = pd.Series(TIERS[-1][2], index=followers.index, dtype=object)
    for lo, hi, label in TIERS:
        out[(rank > lo) & (rank <= hi)] = label
    return out


def outcomes_by_group(complaints: pd.DataFrame) -> pd.DataFrame:
    """Per policy, replication, grouping and group, the declared columns of
    :mod:`escalationsim.analysis.outcomes.groups`: number of complaints, share resolved,
    the median time to resolution over every complaint (Kaplan-Meier, the unresolved
    censored at the end of the run; +inf where not reached) and over the resolved ones
    only, by follower tier and by first channel; and, where the by-influence effect
    arises, for the complaints posted in public by follower tier (grouping
    ``follower_tier_on_social``): also the share of their posts answered and the median
    time from the first post to its answer."""
    df = complaints[
        [
            "policy",
            "replication",
            "followers",
            "first_channel",
            "resolved",
            "time_to_resolution_h",
            "duration_h",
        ]
    ].copy()
    df["tier"] = df.groupby(["policy", "replication"], observed=True)["followers"].transform(
        follower_tier
    )
    df["first_channel"] = df["first_channel"].astype(str)
    frames = []
    for grouping, col in (("follower_tier", "tier"), ("first_channel", "first_channel")):
        g = df.groupby(["policy", "replication", col], observed=True)
        out = columns(g, EVERY).reset_index()
        out = out.rename(columns={col: "group"})
        out.insert(2, "grouping", grouping)
        frames.append(out)
    frames.append(_social_by_tier(complaints, df["tier"]))
    return pd.concat(frames, ignore_index=True)


def _social_by_tier(complaints: pd.DataFrame, tier: pd.Series) -> pd.DataFrame:
    """Complaints that went public, by follower tier (rank within the whole run): how
    many, share resolved, median TTR, share of posts answered, median wait for the first
    post's answer (answered ones)."""
    cols = ["policy", "replication", "posts", "posts_answered", "resolved"]
    df = complaints[[*cols, "time_to_resolution_h", "duration_h", "first_post_wait_h"]].copy()
    df["group"] = tier
    df = df[df["posts"] > 0]
    g = df.groupby(["policy", "replication", "group"], observed=True)
    out = columns(g, EVERY + SOCIAL).reset_index()
    out.insert(2, "grouping", "follower_tier_on_social")
    return out
