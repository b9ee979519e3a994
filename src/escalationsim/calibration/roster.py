"""A roster: who was on duty when, the staff a contact log does not show.

One row per interval and pool: ``interval_start`` (ISO 8601; naive times in the given time
zone), ``pool`` (a staff pool of the scenario: ``reps``, ``social``, ``managers``,
``exec_office``; a mapping's ``pools`` renames a roster's own names) and ``agents`` (on
duty in the interval). Intervals of any length that divides an hour (15, 30 or 60
minutes) are averaged into hours.

:func:`fit_roster` gives, per pool, the mean agents on duty in each hour of the week over
the roster's weeks, rounded to whole agents: the pool's ``schedule.hourly`` (168 head
counts, Monday 00:00 first), with ``staff_on_duty`` rows in ``fits.csv``. Nothing is
dropped silently: bad rows are counted by reason, as a contact log's are.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalationsim.calibration.fits import table
from escalationsim.calibration.log import Quality, _read_table, interval_times, known, once_each
from escalationsim.calibration.mapping import ROSTER, DataError, load_mapping, renamed

COLUMNS = ROSTER
"""The roster's columns."""

POOLS = ("reps", "social", "managers", "exec_office")
"""The scenario's staff pools a roster may give (the CEO's hours are a setting of their own)."""


def read_roster(
    path: str | Path, mapping: Mapping[str, Any] | str | Path | None = None, tz: str = "UTC"
) -> tuple[pd.DataFrame, Quality]:
    """The roster in ``path`` (CSV or Parquet) and what reading it did; a file without a
    column, or without a usable row, is a DataError naming it."""
    path = Path(path)
    maps = load_mapping(mapping)
    raw = renamed(_read_table(path), maps, path)
    quality = Quality(str(path), read=len(raw))
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: no column {missing[0]!r} (a roster has {list(COLUMNS)})")
    df = raw[list(COLUMNS)].copy()
    df = interval_times(df, tz, path, quality)
    df = known(df, "pool", maps.pools, POOLS, quality)
    agents = pd.to_numeric(df["agents"], errors="coerce")
    bad = agents.isna() | (agents < 0)
    quality.drop("agents is not a number of agents (>= 0)", int(bad.sum()))
    df = df[~bad].assign(agents=agents[~bad])
    df = once_each(df, ["interval_start", "pool"], path, quality)
    return df.sort_values(["pool", "interval_start"]).reset_index(drop=True), quality


def fit_roster(roster: pd.DataFrame) -> tuple[dict[str, list[int]], pd.DataFrame]:
    """Per pool, 168 head counts (Monday 00:00 first): the mean agents on duty in each
    hour of the week over the roster's days of that weekday (an hour with no interval
    counts as 0 agents), rounded; and the ``staff_on_duty`` rows of ``fits.csv``."""
    start = roster["interval_start"].min().normalize()
    end = roster["interval_start"].max().normalize() + pd.Timedelta(days=1)
    days = pd.date_range(start, end, freq="D", inclusive="left")
    weekday = days.day_of_week.to_numpy()
    tables: dict[str, list[int]] = {}
    rows = []
    for pool, part in roster.groupby("pool", sort=True):
        t = part["interval_start"]
        # the mean over the hour's intervals: an hour's agents on duty, on average
        hourly = part.groupby([t.dt.normalize(), t.dt.hour])["agents"].mean()
        grid = hourly.unstack(fill_value=0.0).reindex(index=days, columns=range(24), fill_value=0.0)
        week = np.zeros((7, 24))
        for w in range(7):
            week[w] = grid.to_numpy()[weekday == w].mean(axis=0) if (weekday == w).any() else 0.0
        tables[str(pool)] = [int(v) for v in np.rint(week.reshape(-1))]
        for w in range(7):
            n = int((weekday == w).sum())
            for h in range(24):
                rows.append(
                    {
                        "quantity": "staff_on_duty",
                        "channel": str(pool),
                        "day": w,
                        "hour": h,
                        "estimate": float(week[w, h]),
                        "method": "roster: mean agents on duty in the hour over the weekday's days",
                        "n": n,
                    }
                )
    return tables, table(rows)


__all__ = ["COLUMNS", "POOLS", "fit_roster", "read_roster"]
