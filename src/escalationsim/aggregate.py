"""Summaries across replications: means with 95% confidence intervals.

Replications are independent, so a KPI's mean over R replications has the Student-t
interval mean +/- t(0.975, R-1) * sd / sqrt(R). With one replication the interval is NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

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
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half


def kpi_columns(kpis: pd.DataFrame) -> list[str]:
    """The numeric KPI columns (booleans count as rates)."""
    return [
        c
        for c in kpis.columns
        if c not in ID_COLUMNS
        and (pd.api.types.is_numeric_dtype(kpis[c]) or pd.api.types.is_bool_dtype(kpis[c]))
    ]


def summarise(kpis: pd.DataFrame, policies: list[str] | None = None) -> pd.DataFrame:
    """Long table: one row per (policy, kpi) with mean, ci_low, ci_high and n."""
    rows = []
    names = policies if policies is not None else list(dict.fromkeys(kpis["policy"]))
    cols = kpi_columns(kpis)
    for name in names:
        sub = kpis[kpis["policy"] == name]
        for col in cols:
            m, lo, hi = mean_ci(sub[col].astype(float).to_numpy())
            rows.append(
                {
                    "policy": name,
                    "kpi": col,
                    "mean": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n": int(np.isfinite(sub[col].astype(float)).sum()),
                }
            )
    return pd.DataFrame(rows)
