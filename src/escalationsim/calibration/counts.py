"""Interval counts: what a company that keeps only aggregates can calibrate from.

One row per interval and channel: ``interval_start`` (ISO 8601; naive times in the given
time zone), ``channel``, ``offered`` (contacts arrived), and optionally ``answered``,
``abandoned``, ``mean_handle_s`` (of the answered) and ``mean_wait_s`` (of the answered
and abandoned). A mapping renames an export's columns and channel labels, as for a log.

What counts can show, and no more (:func:`fit_counts`): the arrival rates by channel,
weekday and hour with the test of Poisson and the busy days (as from a log, on the
offered contacts), the contacts' profiles by hour and weekday, the mean handle time per
channel (no interval: aggregates hide the spread), the abandonment share (Wilson) and,
flagged as weak, the mean patience from the mean wait and the abandonment share (with
exponential patience, the share abandoning is the mean wait over the mean patience: the
Erlang-A identity, Mandelbaum & Zeltyn 2007). Counts cannot separate complaints from a
complaint's further contacts, nor show journeys: the volume, the journey shares and what
the simulation-based fit needs stay the base scenario's, said so.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from escalationsim.calibration.arrivals import by_hour, fit_frames, profile_rows
from escalationsim.calibration.fits import share, table
from escalationsim.calibration.log import Quality, _read_table, interval_times, known, once_each
from escalationsim.calibration.mapping import CHANNELS, DataError, load_mapping, renamed

REQUIRED = ("interval_start", "channel", "offered")
OPTIONAL = ("answered", "abandoned", "mean_handle_s", "mean_wait_s")
NUMBERS = ("offered", "answered", "abandoned", "mean_handle_s", "mean_wait_s")


def read_counts(
    path: str | Path, mapping: Mapping[str, Any] | str | Path | None = None, tz: str = "UTC"
) -> tuple[pd.DataFrame, Quality]:
    """The interval counts in ``path`` (CSV or Parquet) and what reading them did: rows
    with a time that cannot be read, an unknown channel, a count that is not a whole
    number >= 0, answered and abandoned above offered, or an interval and channel
    repeated are dropped and counted; a file without a required column, or without a
    usable row, is a DataError naming it."""
    path = Path(path)
    maps = load_mapping(mapping)
    raw = renamed(_read_table(path), maps, path)
    quality = Quality(str(path), read=len(raw))
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise DataError(
            f"{path}: no column {missing[0]!r} (interval counts have {list(REQUIRED)}, "
            f"and may have {list(OPTIONAL)})"
        )
    df = raw[[c for c in (*REQUIRED, *OPTIONAL) if c in raw.columns]].copy()
    df = interval_times(df, tz, path, quality)
    df = known(df, "channel", maps.channels, CHANNELS, quality)
    for col in (c for c in NUMBERS if c in df.columns):
        given = df[col].notna() & (df[col].astype(str).str.strip() != "")
        value = pd.to_numeric(df[col], errors="coerce")
        whole = col in ("offered", "answered", "abandoned")
        bad = (given | (col == "offered")) & (
            value.isna() | (value < 0) | ((value % 1 != 0) if whole else False)
        )
        quality.drop(f"{col} is not a {'count' if whole else 'duration'} (>= 0)", int(bad.sum()))
        df = df[~bad].assign(**{col: value[~bad]})
    seen = df.get("answered", 0) + df.get("abandoned", 0)
    bad = pd.Series(seen > df["offered"], index=df.index).fillna(False)
    quality.drop("answered and abandoned above offered", int(bad.sum()))
    df = df[~bad]
    df = once_each(df, ["interval_start", "channel"], path, quality)
    return df.sort_values(["interval_start", "channel"]).reset_index(drop=True), quality


def frames(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per channel, the offered contacts by date and hour (every day of the period, every
    hour, zeros where none), as :func:`escalationsim.calibration.arrivals.counts` gives
    a log's."""
    return by_hour(df, "interval_start", "offered")


def fit_counts(df: pd.DataFrame) -> pd.DataFrame:
    """What interval counts show (see the module doc) as ``fits.csv`` rows."""
    by_channel = frames(df)
    total = sum(by_channel.values())
    rows = [
        *fit_frames(by_channel).to_dict("records"),
        *profile_rows(total, "contacts_per_day", "contacts offered (every channel)").to_dict(
            "records"
        ),
    ]
    for channel, part in df.groupby("channel", sort=True):
        channel = str(channel)
        if "mean_handle_s" in part and "answered" in part:
            ok = part["mean_handle_s"].notna() & (part["answered"] > 0)
            n = float(part.loc[ok, "answered"].sum())
            if n > 0:
                mean = float((part.loc[ok, "answered"] * part.loc[ok, "mean_handle_s"]).sum() / n)
                rows.append(
                    {
                        "quantity": "handle_time_mean_min",
                        "channel": channel,
                        "estimate": mean / 60.0,
                        "method": "interval counts: the intervals' means weighted by answered "
                        "(no interval: aggregates hide the spread)",
                        "n": int(n),
                    }
                )
        if "answered" in part and "abandoned" in part:
            gone, seen = (
                int(part["abandoned"].sum()),
                int((part["answered"] + part["abandoned"]).sum()),
            )
            if seen:
                rows.append(
                    share(
                        "abandon_rate",
                        gone,
                        seen,
                        "interval counts: abandoned over answered or abandoned; Wilson interval",
                        channel,
                    )
                )
                if "mean_wait_s" in part and gone:
                    ok = part["mean_wait_s"].notna()
                    n = part.loc[ok, "answered"] + part.loc[ok, "abandoned"]
                    waited = float((n * part.loc[ok, "mean_wait_s"]).sum())
                    lost = float(part.loc[ok, "abandoned"].sum())
                    if lost:
                        rows.append(
                            {
                                "quantity": "patience_mean_min",
                                "channel": channel,
                                "estimate": waited / lost / 60.0,
                                "method": "weak: interval counts, total wait over the number "
                                "abandoning (exponential patience assumed: the Erlang-A "
                                "identity P(abandon) = mean wait / mean patience)",
                                "n": int(n.sum()),
                                "dist": "exponential",
                            }
                        )
    out = table(rows)
    return out[~out["quantity"].isna()].reset_index(drop=True)


def period_kpis(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """What interval counts show of the backtest's measurements over ``[start, end)``, in
    :func:`escalationsim.calibration.backtest.period_kpis`' layout: ``volume`` per channel
    (contacts offered) and, with answered and abandoned, the phone's ``abandon_rate``,
    per day and per hour (a contact counts in its interval's start's period)."""
    from escalationsim.calibration.backtest import FREQ

    part = df[(df["interval_start"] >= start) & (df["interval_start"] < end)]
    rows = []
    for period, freq in FREQ.items():
        index = pd.date_range(start, end, freq=freq, inclusive="left")
        at = part["interval_start"].dt.floor(freq)
        for channel, sub in part.groupby("channel", sort=True):
            v = sub.groupby(at[sub.index])["offered"].sum().reindex(index, fill_value=0)
            rows.append(
                pd.DataFrame(
                    {"kpi": "volume", "channel": str(channel), "period": period, "at": index,
                     "value": v.to_numpy(dtype=float)}
                )
            )  # fmt: skip
        phone = part[part["channel"] == "phone"]
        if len(phone) and {"answered", "abandoned"} <= set(phone.columns):
            g = phone.groupby(at[phone.index])
            seen = (g["answered"].sum() + g["abandoned"].sum()).reindex(index)
            rate = (g["abandoned"].sum().reindex(index) / seen.where(seen > 0)).to_numpy(float)
            rows.append(
                pd.DataFrame(
                    {"kpi": "abandon_rate", "channel": "", "period": period, "at": index,
                     "value": rate}
                )
            )  # fmt: skip
    return pd.concat(rows, ignore_index=True)


__all__ = ["NUMBERS", "OPTIONAL", "REQUIRED", "fit_counts", "frames", "period_kpis", "read_counts"]
