"""A mapping file: how an export's own columns, labels and times become the contact log's
schema, so that any export is read without editing it.

A YAML file (or a dict) with any of these keys (docs/data.md has examples; the shipped
``examples/mappings/anonymous_bank.yaml`` maps the public "Anonymous Bank" call log):

- ``columns``: their column -> a schema column, or a list of schema columns (one
  column copied to several: a call log without tickets uses its call id for both
  ``contact_id`` and ``ticket_id``);
- ``channels``, ``outcomes``: their label -> the schema's; ``pools``: a roster's pool
  names -> the scenario's staff pools;
- ``constants``: a schema column the export lacks -> the one value of every row
  (``channel: phone`` for a call log);
- ``dates``: a schema time made of a date column and a time-of-day column,
  ``{date: their_column, time: their_column, format: "%y%m%d %H:%M:%S"}`` (``format``
  reads the two joined by a space; a row they do not fit is counted as a time that
  cannot be read);
- ``after``: a schema time = another schema time plus a column of seconds, on the rows
  whose outcome (the schema's) is listed: ``answered_at: {from: arrived_at, seconds:
  q_time, outcome: [resolved]}`` (a call log that gives waits and handle times as
  durations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from escalationsim.config.fields import ConfigError

CHANNELS: tuple[str, ...] = ("phone", "email", "social", "ceo", "owner")
"""The channel names a log may use (the scenario's: ``owner`` is a named owner's direct
line under a redirecting CEO; a mapping renames a log's own)."""

OUTCOMES: tuple[str, ...] = ("resolved", "refused", "abandoned", "unanswered", "pending")

REQUIRED: tuple[str, ...] = (
    "contact_id",
    "ticket_id",
    "channel",
    "arrived_at",
    "answered_at",
    "ended_at",
    "outcome",
)
"""Columns every log has (``answered_at`` and ``ended_at`` may be empty in a row)."""

OPTIONAL: tuple[str, ...] = (
    "customer_id",
    "abandoned_at",
    "resolved_at",
    "needs_exception",
    "compensation_usd",
    "followers",
)

ROSTER: tuple[str, ...] = ("interval_start", "pool", "agents")
"""A roster's columns (:mod:`.roster`): one mapping file may rename a log's and a
roster's."""

COUNTS: tuple[str, ...] = (
    "channel",
    "offered",
    "answered",
    "abandoned",
    "mean_handle_s",
    "mean_wait_s",
)
"""Interval counts' columns besides ``interval_start`` (:mod:`.counts`)."""

TIMES: tuple[str, ...] = ("arrived_at", "answered_at", "abandoned_at", "ended_at", "resolved_at")

KEYS = ("columns", "channels", "outcomes", "constants", "dates", "after", "pools")


class DataError(ConfigError):
    """A data file that cannot be used: the message names the file, and the column or
    the row."""


@dataclass(frozen=True)
class DateTime:
    """A schema time read from a date column and a time-of-day column."""

    date: str
    time: str
    format: str


@dataclass(frozen=True)
class After:
    """A schema time: ``start`` (a schema time) plus the seconds in column ``seconds``,
    on the rows whose outcome is one of ``outcome`` (every row if empty)."""

    start: str
    seconds: str
    outcome: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportMapping:
    """A loaded mapping (see the module doc); the empty one changes nothing."""

    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    dates: dict[str, DateTime] = field(default_factory=dict)
    after: dict[str, After] = field(default_factory=dict)
    pools: dict[str, str] = field(default_factory=dict)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else (str(value),)


def load_mapping(mapping: Mapping[str, Any] | str | Path | None) -> ExportMapping:
    """A mapping given as a dict or a YAML file; a bad one is a DataError naming the file
    and the key."""
    if mapping is None:
        return ExportMapping()
    if isinstance(mapping, str | Path):
        path = Path(mapping)
        try:
            mapping = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as err:
            raise DataError(f"{path}: cannot read the mapping: {err}") from None
        where = str(path)
    else:
        where = "mapping"
    if not isinstance(mapping, Mapping):
        raise DataError(f"{where}: must be a mapping with keys among {list(KEYS)}")
    unknown = set(mapping) - set(KEYS)
    if unknown:
        raise DataError(f"{where}: unknown keys {sorted(unknown)} (allowed: {list(KEYS)})")
    parts: dict[str, dict[str, Any]] = {}
    for key in KEYS:
        part = mapping.get(key) or {}
        if not isinstance(part, Mapping):
            raise DataError(f"{where}: {key} must map names to names")
        parts[key] = {str(k): v for k, v in part.items()}
    schema = {*REQUIRED, *OPTIONAL, *ROSTER, *COUNTS}
    columns = {k: _names(v) for k, v in parts["columns"].items()}
    bad = sorted({c for v in columns.values() for c in v} - schema)
    if bad:
        raise DataError(f"{where}: columns maps onto {bad}, which are not columns of the schema")
    channels = {k: str(v) for k, v in parts["channels"].items()}
    bad = sorted(set(channels.values()) - set(CHANNELS))
    if bad:
        raise DataError(f"{where}: channels maps onto {bad}: channels are {list(CHANNELS)}")
    outcomes = {k: str(v) for k, v in parts["outcomes"].items()}
    bad = sorted(set(outcomes.values()) - set(OUTCOMES))
    if bad:
        raise DataError(f"{where}: outcomes maps onto {bad}: outcomes are {list(OUTCOMES)}")
    constants = {k: str(v) for k, v in parts["constants"].items()}
    bad = sorted(set(constants) - schema)
    if bad:
        raise DataError(f"{where}: constants sets {bad}, which are not columns of the schema")
    dates = {}
    for col, spec in parts["dates"].items():
        if col not in TIMES:
            raise DataError(f"{where}: dates.{col}: not a time of the schema {list(TIMES)}")
        if not (isinstance(spec, Mapping) and {"date", "time", "format"} <= set(spec)):
            raise DataError(f"{where}: dates.{col} needs date, time and format")
        dates[col] = DateTime(str(spec["date"]), str(spec["time"]), str(spec["format"]))
    after = {}
    for col, spec in parts["after"].items():
        if col not in TIMES:
            raise DataError(f"{where}: after.{col}: not a time of the schema {list(TIMES)}")
        if not (isinstance(spec, Mapping) and {"from", "seconds"} <= set(spec)):
            raise DataError(f"{where}: after.{col} needs from and seconds")
        start, listed = str(spec["from"]), _names(spec.get("outcome", ()) or ())
        if start not in TIMES or start == col:
            raise DataError(f"{where}: after.{col}.from = {start!r}: another time of the schema")
        bad = sorted(set(listed) - set(OUTCOMES))
        if bad:
            raise DataError(
                f"{where}: after.{col}.outcome lists {bad}: outcomes are {list(OUTCOMES)}"
            )
        after[col] = After(start, str(spec["seconds"]), listed)
    pools = {k: str(v) for k, v in parts["pools"].items()}
    return ExportMapping(columns, channels, outcomes, constants, dates, after, pools)


def renamed(table: pd.DataFrame, m: ExportMapping, path: Path) -> pd.DataFrame:
    """``table`` with the mapping's columns renamed (or copied), constants set and dates
    joined (as naive ISO 8601 text, or the joined text where the format does not fit, so
    that reading counts it as a time that cannot be read). Two columns that would become
    one schema column are a DataError."""
    out = pd.DataFrame(index=table.index)
    made: dict[str, str] = {}
    for col in table.columns:
        for name in m.columns.get(col, (col,)):
            if name in made:
                raise DataError(
                    f"{path}: two columns would be {name!r} ({made[name]!r} and {col!r}, "
                    "by the mapping): map one column onto each of the schema's"
                )
            made[name] = col
            out[name] = table[col]
    for name, value in m.constants.items():
        if name in made:
            raise DataError(f"{path}: the mapping sets {name!r}, which the file has already")
        out[name] = value
    for name, spec in m.dates.items():
        for their in (spec.date, spec.time):
            if their not in table.columns:
                raise DataError(f"{path}: no column {their!r} (dates.{name} reads it)")
        text = (
            table[spec.date].astype("string").str.strip()
            + " "
            + table[spec.time].astype("string").str.strip()
        )
        parsed = pd.to_datetime(text, format=spec.format, errors="coerce")
        out[name] = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S").where(parsed.notna(), text)
    return out


def with_after(df: pd.DataFrame, m: ExportMapping, raw: pd.DataFrame, path: Path) -> pd.Series:
    """Set the mapping's ``after`` times in ``df`` (times parsed, outcomes mapped; ``raw``:
    the file's columns, on the same index) and return which rows to drop because their
    seconds are not a number."""
    bad = pd.Series(False, index=df.index)
    for name, spec in m.after.items():
        if spec.seconds not in raw.columns:
            raise DataError(f"{path}: no column {spec.seconds!r} (after.{name} reads it)")
        text = raw.loc[df.index, spec.seconds].astype("string").str.strip()
        seconds = pd.to_numeric(text, errors="coerce")
        rows = df["outcome"].isin(spec.outcome) if spec.outcome else pd.Series(True, df.index)
        bad |= rows & text.notna() & (text != "") & seconds.isna()
        value = df[spec.start] + pd.to_timedelta(seconds, unit="s")
        df[name] = value.where(rows & seconds.notna())
    return bad


__all__ = [
    "CHANNELS",
    "COUNTS",
    "DataError",
    "ExportMapping",
    "OPTIONAL",
    "OUTCOMES",
    "REQUIRED",
    "ROSTER",
    "TIMES",
    "load_mapping",
    "renamed",
    "with_after",
]
