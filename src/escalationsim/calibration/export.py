"""A run's own contact log, in the schema a company's log is read in (docs/data.md).

The engine records contacts in hours since the run began
(:mod:`escalationsim.engine.contact_log`); this turns them into the contact-log schema,
times as dates from ``start`` (day 0 of a run is a Monday, so ``start`` must be one).
``output.contact_log=true`` writes it as ``contacts.parquet``; calibrating from it
recovers the scenario that made it (the round-trip tests).
"""

from __future__ import annotations

import pandas as pd

from escalationsim.calibration.log import DataError

RUN_COLUMNS: tuple[str, ...] = ("policy", "replication")
"""Columns of a simulated log that say which run a contact belongs to."""


def start_time(start: str | pd.Timestamp, tz: str = "UTC") -> pd.Timestamp:
    """``start`` (an ISO 8601 date or time) as the time of day 0: it must be a Monday at
    midnight, as day 0 of a run is; anything else is a DataError naming it."""
    try:
        t = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise DataError(f"output.contact_log_start = {start!r} is not a date (ISO 8601)") from None
    if t.tzinfo is None:
        t = t.tz_localize(tz)
    if t.weekday() != 0 or t != t.normalize():
        raise DataError(
            f"output.contact_log_start = {start!r} is a {t.day_name()}"
            + ("" if t == t.normalize() else " after midnight")
            + ": it must be a Monday at 00:00 (day 0 of a run is a Monday)"
        )
    return t


def to_contact_log(
    contacts: pd.DataFrame, start: str | pd.Timestamp = "2026-01-05"
) -> pd.DataFrame:
    """The engine's contacts (``*_h`` columns in hours) in the contact-log schema:
    ``contact_id`` numbered in arrival order within each run, times from ``start``; the
    run columns (``policy``, ``replication``) kept first when present."""
    t0 = start_time(start)
    out = pd.DataFrame(index=contacts.index)
    for col in RUN_COLUMNS:
        if col in contacts:
            out[col] = contacts[col]
    runs = [c for c in RUN_COLUMNS if c in contacts]
    number = contacts.groupby(runs, observed=True).cumcount() if runs else contacts.index
    out["contact_id"] = pd.Series(number, index=contacts.index).astype("int64") + 1
    out["ticket_id"] = contacts["ticket_id"]
    out["customer_id"] = contacts["customer_id"]
    out["channel"] = contacts["channel"].astype(str)
    for name in ("arrived", "answered", "abandoned", "ended", "resolved"):
        out[f"{name}_at"] = t0 + pd.to_timedelta(contacts[f"{name}_h"], unit="h")
    out["outcome"] = contacts["outcome"].astype(str)
    for col in ("needs_exception", "compensation_usd", "followers"):
        out[col] = contacts[col]
    return out.reset_index(drop=True)


__all__ = ["RUN_COLUMNS", "start_time", "to_contact_log"]
