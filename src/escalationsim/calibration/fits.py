"""``fits.csv``: one row per fitted quantity, whatever fitted it."""

from __future__ import annotations

import pandas as pd
from scipy import stats

COLUMNS: tuple[str, ...] = (
    "quantity",
    "channel",
    "day",
    "hour",
    "estimate",
    "ci_low",
    "ci_high",
    "method",
    "n",
)
"""The columns of ``fits.csv``: the quantity (``arrival_rate_per_hour``...), its channel,
day of week (0 = Monday) and hour where it is by hour (empty otherwise), the estimate and
its 95% interval, the method in words, and the number of observations behind it; then
any extra column a fit adds (``p_value`` of a test)."""


def table(rows: list[dict]) -> pd.DataFrame:
    """The rows as ``fits.csv``: its columns first, in order, extra ones after."""
    frame = pd.DataFrame(rows)
    for col in COLUMNS:
        if col not in frame:
            frame[col] = pd.NA
    extra = [c for c in frame.columns if c not in COLUMNS]
    return frame[[*COLUMNS, *extra]]


def share(quantity: str, k: int, n: int, method: str, channel: str | None = None) -> dict:
    """A ``fits.csv`` row for the share ``k / n`` with its Wilson interval."""
    if n == 0:
        return {"quantity": quantity, "channel": channel, "method": method, "n": 0}
    ci = stats.binomtest(int(k), int(n)).proportion_ci(method="wilson")
    return {
        "quantity": quantity,
        "channel": channel,
        "estimate": k / n,
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "method": method,
        "n": int(n),
    }


__all__ = ["COLUMNS", "share", "table"]
