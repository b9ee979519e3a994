"""The contact log a user brings: its schema, a column mapping for any export, and a
data-quality report that counts every row kept, repaired or dropped, and why.

One row per contact (docs/data.md has the table): ``contact_id``, ``ticket_id``,
``channel`` (a channel of the scenario: ``phone``, ``email``, ``social``, ``ceo``),
``arrived_at``, ``answered_at``, ``abandoned_at``, ``ended_at``, ``resolved_at``,
``outcome`` and optional columns. A mapping (a dict, or a YAML file with ``columns:``
and ``channels:``) renames an export's own column names and channel labels onto the
schema. Times are ISO 8601; naive ones are read in the given time zone, aware ones
converted to it.

Nothing is dropped silently: :class:`Quality` counts each reason. A file that cannot be
used at all (missing, empty, without a required column, or with no usable row) stops
with a :class:`DataError` naming the file, and the column or the row.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from escalationsim.calibration.mapping import (
    CHANNELS,
    OPTIONAL,
    OUTCOMES,
    REQUIRED,
    TIMES,
    DataError,
    load_mapping,
    renamed,
    with_after,
)

RUNS: tuple[str, ...] = ("policy", "replication")
"""Columns a simulated log (``output.contact_log``) adds: the run a contact belongs to.
A log holding several runs must be narrowed to one (``select``)."""


@dataclass
class Quality:
    """What reading a log did to its rows: how many were read and kept, and for each
    reason how many were dropped, repaired, or kept with a warning."""

    file: str
    read: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def drop(self, reason: str, n: int) -> None:
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def table(self) -> pd.DataFrame:
        """One row per count: ``what`` (read, kept, dropped, repaired), ``reason``,
        ``rows``; the warnings after, with no count."""
        rows = [("read", "", self.read), ("kept", "", self.kept)]
        rows += [("dropped", r, n) for r, n in self.dropped.items()]
        rows += [("repaired", r, n) for r, n in self.repaired.items()]
        rows += [("warning", w, pd.NA) for w in self.warnings]
        return pd.DataFrame(rows, columns=["what", "reason", "rows"])


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(
            path.suffix.lower(), open
        )
        with opener(path, "rb") as f:  # tab-separated if the header has tabs and no commas
            head = f.readline()
        sep = "\t" if b"\t" in head and b"," not in head else ","
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as err:  # a file pandas cannot parse at all
        raise DataError(f"{path}: cannot be read as a table: {err}") from None


OFFSET = r"(?:Z|[+-]\d\d(?::?\d\d)?)$"
"""A UTC offset at the end of an ISO 8601 time (``Z``, ``+01:00``, ``-0500``, ``+01``)."""


def _times(col: pd.Series, tz: str, where: str) -> tuple[pd.Series, pd.Series]:
    """ISO 8601 strings (or datetimes) as times in ``tz`` (naive ones read in it, those
    with an offset converted to it, whatever their offsets: an export across a
    daylight-saving change has two), and which of them are local times that ``tz``
    skips or repeats at a daylight-saving change (NaT, counted apart). A column mixing
    times with and without an offset is a DataError."""
    none = pd.Series(False, index=col.index)
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return col.dt.tz_convert(tz), none
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        parsed = col
    else:
        text = col.astype("string").str.strip()
        given = text.notna() & (text != "")
        aware = text.str.contains(OFFSET, regex=True, na=False)
        if (aware & given).any() and (~aware & given).any():
            row = (
                int((~aware & given).to_numpy().argmax())
                if aware.iloc[0]
                else int((aware & given).to_numpy().argmax())
            )
            raise DataError(
                f"{where}: mixes times with and without a UTC offset (row {row + 2}: "
                f"{text.iloc[row]!r}); give every time an offset, or none (then the time "
                "zone given is used)"
            )
        if (aware & given).any():
            parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
            return parsed.dt.tz_convert(tz), none
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    local = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return local, parsed.notna() & local.isna()


def interval_times(df: pd.DataFrame, tz: str, path: Path, quality: Quality) -> pd.DataFrame:
    """``df`` with its ``interval_start`` read as times in ``tz`` (a roster's, interval
    counts'), the rows whose time cannot be read, or is one ``tz`` skips or repeats,
    dropped and counted."""
    df = df.copy()
    df["interval_start"], shifted = _times(df["interval_start"], tz, f"{path}, interval_start")
    quality.drop(
        "interval_start is a local time the time zone skips or repeats", int(shifted.sum())
    )
    df = df[~shifted]
    bad = df["interval_start"].isna()
    quality.drop("interval_start is not a time (ISO 8601)", int(bad.sum()))
    return df[~bad]


def known(
    df: pd.DataFrame,
    col: str,
    labels: Mapping[str, str],
    allowed: tuple[str, ...],
    quality: Quality,
) -> pd.DataFrame:
    """``df`` with column ``col``'s labels renamed by ``labels`` (a mapping's), the rows
    whose label is not ``allowed`` dropped and counted by label."""
    df = df.assign(**{col: df[col].astype(str).str.strip().replace(dict(labels))})
    bad = ~df[col].isin(allowed)
    for label, n in df.loc[bad, col].value_counts().items():
        quality.drop(f"{col} {label!r} is not one of {list(allowed)} (map it)", int(n))
    return df[~bad]


def flagged(values: pd.Series) -> pd.Series:
    """A yes/no column (``needs_exception``) as booleans: ``true``, ``1`` or ``yes`` in
    any case is True; anything else, empty included, False."""
    return values.astype(str).str.lower().isin(("true", "1", "yes", "1.0"))


def once_each(df: pd.DataFrame, keys: list[str], path: Path, quality: Quality) -> pd.DataFrame:
    """The rows of ``df`` with each ``keys`` value once (the first kept, the others
    dropped and counted), ``quality.kept`` set; a DataError if none is left."""
    dup = df.duplicated(keys, keep="first")
    quality.drop(
        f"{' and '.join(k.removesuffix('_start') for k in keys)} repeated (the first kept)",
        int(dup.sum()),
    )
    df = df[~dup]
    if df.empty:
        reasons = "; ".join(f"{n} {r}" for r, n in quality.dropped.items())
        raise DataError(f"{path}: no usable row ({reasons})")
    quality.kept = len(df)
    return df


def _selected(
    df: pd.DataFrame, select: Mapping[str, Any], path: Path, quality: Quality
) -> pd.DataFrame:
    """The rows of the selected run; a log of several runs without a selection, a
    selection naming a column the log lacks, or one matching no row is a DataError."""
    for col, value in select.items():
        if col not in df.columns:
            raise DataError(
                f"{path}: cannot select {col} = {value!r}: the log has no column {col!r}"
            )
        keep = df[col].astype(str) == str(value)
        if not keep.any():
            seen = sorted(df[col].astype(str).unique())[:10]
            raise DataError(f"{path}: no row has {col} = {value!r} (it holds {seen})")
        quality.drop(f"not selected ({col} is not {value!r})", int((~keep).sum()))
        df = df[keep]
    runs = [c for c in RUNS if c in df.columns]
    if runs and len(df[runs].drop_duplicates()) > 1:
        n = len(df[runs].drop_duplicates())
        raise DataError(
            f"{path}: holds {n} runs ({', '.join(runs)}): select one, e.g. "
            + ", ".join(f"{c} = {df[c].iloc[0]!r}" for c in runs)
        )
    return df


def read_log(
    path: str | Path,
    mapping: Mapping[str, Any] | str | Path | None = None,
    tz: str = "UTC",
    select: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, Quality]:
    """The contact log in ``path`` (CSV or Parquet) as a DataFrame in the schema, and
    what reading it did (:class:`Quality`). Rows that cannot be used are dropped and
    counted by reason: a time that cannot be read (``arrived_at`` always; another when
    given), an unknown channel or outcome, a repeated ``contact_id`` (the first kept), a
    contact answered before it arrived or ended before it was answered.

    ``select`` keeps the rows whose columns hold the given values (``{"policy":
    "rigid_script", "replication": 0}``): a simulated log holds one run per policy and
    replication, and one that holds several without a selection is a DataError."""
    path = Path(path)
    maps = load_mapping(mapping)
    table = _read_table(path)
    raw = renamed(table, maps, path)
    for col in maps.after:  # set once times are read, below
        raw[col] = None
    quality = Quality(str(path), read=len(raw))
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        away = [k for k, v in maps.columns.items() if k == missing[0]]
        raise DataError(
            f"{path}: no column {missing[0]!r}"
            + (f" (the mapping renames it to {list(maps.columns[away[0]])})" if away else "")
            + f" (required: {list(REQUIRED)}; a mapping file renames an export's own columns)"
        )
    if raw.empty:
        raise DataError(f"{path}: no rows")
    df = raw[[c for c in (*REQUIRED, *OPTIONAL, *RUNS) if c in raw.columns]].copy()
    df["row"] = range(2, len(df) + 2)  # the row in the file (1 is the header)
    df = _selected(df, select or {}, path, quality)
    df["outcome"] = df["outcome"].astype(str).str.strip().replace(maps.outcomes).str.lower()
    for col in (c for c in TIMES if c in df.columns and c not in maps.after):
        given = df[col].notna() & (df[col].astype(str).str.strip() != "")
        df[col], shifted = _times(df[col], tz, f"{path}, column {col}")
        quality.drop(
            f"{col} is a local time that {tz} skips or repeats (a daylight-saving change: "
            "give UTC offsets)",
            int(shifted.sum()),
        )
        df = df[~shifted]
        given = given[~shifted]
        bad = given & df[col].isna()
        if col == "arrived_at":
            bad = bad | ~given
        quality.drop(f"{col} is not a time (ISO 8601)", int(bad.sum()))
        df = df[~bad]
    df = known(df, "channel", maps.channels, CHANNELS, quality)
    bad = ~df["outcome"].isin(OUTCOMES)
    quality.drop(f"outcome is not one of {list(OUTCOMES)} (map it)", int(bad.sum()))
    df = df[~bad]
    if maps.after:
        bad = with_after(df, maps, table, path)
        names = sorted({a.seconds for a in maps.after.values()})
        quality.drop(f"{' or '.join(names)} is not a number of seconds", int(bad.sum()))
        df = df[~bad]
    dup = df["contact_id"].duplicated(keep="first")
    quality.drop("contact_id repeated (the first kept)", int(dup.sum()))
    df = df[~dup]
    early = df["answered_at"].notna() & (df["answered_at"] < df["arrived_at"])
    quality.drop("answered before it arrived", int(early.sum()))
    df = df[~early]
    early = df["ended_at"].notna() & df["answered_at"].notna()
    early &= df["ended_at"] < df["answered_at"]
    quality.drop("ended before it was answered", int(early.sum()))
    df = df[~early]
    for col, what in (
        ("abandoned_at", "abandoned"),
        ("ended_at", "ended"),
        ("resolved_at", "resolved"),
    ):
        if col in df:
            early = df[col].notna() & (df[col] < df["arrived_at"])
            quality.drop(f"{what} before it arrived", int(early.sum()))
            df = df[~early]
    if df.empty:
        reasons = "; ".join(f"{n} {r}" for r, n in quality.dropped.items())
        raise DataError(f"{path}: no usable row ({reasons})")
    seconds = df["arrived_at"].dt.second + df["arrived_at"].dt.microsecond
    if len(df) >= 20 and (seconds == 0).mean() > 0.9:
        quality.warnings.append(
            "arrival times are rounded to the minute: counts per hour are unaffected, but "
            "gaps between arrivals look less random than they are (Kim & Whitt 2014)"
        )
    span = (df["arrived_at"].max() - df["arrived_at"].min()) / pd.Timedelta(days=1)
    if span < 7:
        quality.warnings.append(
            f"the log covers {span:.1f} days: rates by weekday, the day-to-day spread and the "
            "scenario's weekly profile need several weeks (four or more)"
        )
    quality.kept = len(df)
    return df.sort_values(["arrived_at", "row"], kind="stable").reset_index(drop=True), quality


__all__ = [
    "CHANNELS",
    "DataError",
    "OUTCOMES",
    "flagged",
    "Quality",
    "RUNS",
    "interval_times",
    "known",
    "once_each",
    "load_mapping",
    "read_log",
]
