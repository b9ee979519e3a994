"""Summaries across replications: means with 95% confidence intervals, and paired
differences between policies.

Replications are independent, so a KPI's mean over R replications has the Student-t
interval mean +/- t(0.975, R-1) * sd / sqrt(R). With one replication the interval is NaN.
Within a replication every policy sees the same customers, so the difference between two
policies is best estimated from the per-replication differences (a paired interval);
the unpaired (Welch) interval is given alongside to show what common random numbers buy.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from escalationsim.analysis.kpis import ANY, Kpi, bounds, by_name

ID_COLUMNS = ("policy", "replication")


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval of independent values.

    Non-finite values (e.g. a ratio with an infinite median) are left out.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n == 1:
        return m, math.nan, math.nan
    half = float(stdtrit(n - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half


def kpi_bounds(kpi: str, registry: dict[str, Kpi] | None = None) -> tuple[float, float]:
    """The range a KPI cannot leave (shares, rates, utilisation, gaps between shares), so
    that a t interval from a few replications is not reported outside it: the KPI
    registry's bounds, (-inf, inf) for any other column. ``registry``: the expanded
    registry by name, if the caller has it (building it is the cost of a call)."""
    if registry is None:
        return bounds(kpi)
    k = registry.get(kpi)
    return k.bounds if k else ANY


def kpi_columns(kpis: pd.DataFrame) -> list[str]:
    """The numeric KPI columns (booleans count as rates)."""
    return [
        c
        for c in kpis.columns
        if c not in ID_COLUMNS
        and (pd.api.types.is_numeric_dtype(kpis[c]) or pd.api.types.is_bool_dtype(kpis[c]))
    ]


def censored(kpi: str, registry: dict[str, Kpi] | None = None) -> bool:
    """Whether ``kpi`` is a Kaplan-Meier quantile (+inf where not reached)."""
    k = (by_name() if registry is None else registry).get(kpi)
    return k is not None and k.censored


MIN_REPLICATIONS = 3
"""Fewest replications whose interval the tables print as an interval."""


def summarise(kpis: pd.DataFrame, policies: list[str] | None = None) -> pd.DataFrame:
    """Long table: one row per (policy, kpi) with mean, ci_low, ci_high, n and
    ``imprecise``; intervals of bounded KPIs are clipped to their range (see kpi_bounds).
    ``imprecise``: fewer than :data:`MIN_REPLICATIONS` replications, or a t interval
    that left the KPI's range before clipping (a share's interval below 0%, a ratio's
    below 0): the normal approximation behind it does not hold, and tables say "too
    imprecise" instead of printing it as if it meant something. A Kaplan-Meier quantile
    not reached in some replication (+inf) has mean +inf and no interval: an average of
    the replications that reached it would hide the others, and n counts them all."""
    rows = []
    names = policies if policies is not None else list(dict.fromkeys(kpis["policy"]))
    cols = kpi_columns(kpis)
    registry = by_name()  # once: building it is most of a lookup's cost
    bounds = [kpi_bounds(col, registry) for col in cols]
    km = [censored(col, registry) for col in cols]
    every = kpis[cols].astype(float).to_numpy()  # converted once, then rows per policy
    policy = kpis["policy"].to_numpy()
    for name in names:
        values = every[policy == name]
        for j, col in enumerate(cols):
            x = values[:, j]
            n = int(np.isfinite(x).sum())
            outside = False
            if km[j] and np.isposinf(x).any():
                m, lo, hi = math.inf, math.nan, math.nan
                n += int(np.isposinf(x).sum())
            else:
                m, lo, hi = mean_ci(x)
                floor, ceiling = bounds[j]
                outside = bool(lo < floor or hi > ceiling)  # False for NaN
                lo, hi = max(lo, floor), min(hi, ceiling)  # NaN stays NaN
            rows.append(
                {
                    "policy": name,
                    "kpi": col,
                    "mean": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n": n,
                    "imprecise": bool(n < MIN_REPLICATIONS or outside),
                }
            )
    return pd.DataFrame(rows)


def welch_ci(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Difference of means a - b with a Welch t interval (independent samples)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        d = float(a.mean() - b.mean()) if len(a) and len(b) else math.nan
        return d, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    d = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d, d
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stdtrit(dof, 0.5 + level / 2) * se)
    return d, d - half, d + half


def paired_differences(
    kpis: pd.DataFrame, baseline: str, keys: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Per (keys..., policy, kpi): mean difference policy - baseline over replications,
    with the paired 95% interval and, for comparison, the unpaired (Welch) one. For a
    Kaplan-Meier quantile not reached in some replication of either policy, NaN: the
    replications that reached it would not be a fair sample."""
    cols = [c for c in kpi_columns(kpis) if c not in keys]
    registry = by_name()
    km = [censored(c, registry) for c in cols]
    rows = []
    kpis = kpis.reset_index(drop=True)  # row labels are positions in `every`
    every = kpis[cols].astype(float).to_numpy()  # converted once, then rows per group
    policies = kpis["policy"].to_numpy()
    reps = kpis["replication"].to_numpy()
    groups = kpis.groupby(list(keys), dropna=False) if keys else [((), kpis)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        idx = sub.index.to_numpy()
        base = {reps[i]: i for i in idx if policies[i] == baseline}  # replication -> row
        if not base:
            continue
        for policy in dict.fromkeys(policies[idx]):
            if policy == baseline:
                continue
            other = {reps[i]: i for i in idx if policies[i] == policy}
            common = [r for r in base if r in other]  # in the baseline's order
            values_a = every[[other[r] for r in common]]
            values_b = every[[base[r] for r in common]]
            for j, col in enumerate(cols):
                a, b = values_a[:, j], values_b[:, j]
                if km[j] and (np.isposinf(a).any() or np.isposinf(b).any()):
                    # a median not reached in some replication: no difference to state
                    m = lo = hi = ulo = uhi = math.nan
                else:
                    with np.errstate(invalid="ignore"):  # inf - inf: left out as non-finite
                        m, lo, hi = mean_ci(a - b)
                    _, ulo, uhi = welch_ci(a, b)
                rows.append(
                    {
                        **dict(zip(keys, key, strict=True)),
                        "policy": policy,
                        "baseline": baseline,
                        "kpi": col,
                        "diff": m,
                        "paired_ci_low": lo,
                        "paired_ci_high": hi,
                        "unpaired_ci_low": ulo,
                        "unpaired_ci_high": uhi,
                        "n": len(common),
                    }
                )
    return pd.DataFrame(rows)
