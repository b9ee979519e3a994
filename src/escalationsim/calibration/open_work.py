"""The open work in a contact log at a moment: what a run that starts "today" starts from.

A complaint is open at time ``at`` when it is not resolved by then and its last contact
before ``at`` is still waiting (``queue``: arrived, neither answered nor abandoned by
``at``, and not closed ``unanswered``: an email or a post without a reply yet, a letter
in the CEO's inbox, a caller in the queue), or was answered with a fix whose back-office
work is not done by ``at`` (``backoffice``: outcome ``resolved``, the complaint resolved
later or not yet). A complaint whose last contact was refused, abandoned, closed
unanswered or handled without a fix is not open work: whether its customer comes back is
the model's business (persistence, customers who remember).

:func:`open_work` lists them; :func:`read_open_work` reads the list back from a
calibration folder (its ``open_work.csv``), such a file, or a contact log in the schema
(the open work at its end). ``run.initial_state`` starts a run from it: each complaint
waiting in a queue starts at time 0 on that channel (``scenario.arrivals.initial_open``),
ahead of the new ones. Back-office work already promised has no entry in the model yet:
it is counted, not started.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from escalationsim.calibration.mapping import CHANNELS, DataError

COLUMNS = ("ticket_id", "channel", "kind", "opened_at", "waiting_since")
"""The columns of ``open_work.csv``."""

KINDS = ("queue", "backoffice")


def open_work(log: pd.DataFrame, at: pd.Timestamp | None = None) -> pd.DataFrame:
    """The complaints open at ``at`` (default: the log's last arrival) in ``log`` (as
    :func:`~escalationsim.calibration.log.read_log` gives it), one row each: its
    ``ticket_id``, the ``channel`` its work waits on, ``kind`` (``queue`` or
    ``backoffice``), when it was opened and since when it has waited."""
    if at is None:
        at = log["arrived_at"].max()
    seen = log[log["arrived_at"] <= at]
    resolved = seen["resolved_at"].le(at) if "resolved_at" in seen else False
    done = pd.Series(resolved, index=seen.index).groupby(seen["ticket_id"]).any()
    last = seen.groupby("ticket_id", sort=False).tail(1).set_index("ticket_id")
    opened = seen.groupby("ticket_id", sort=False)["arrived_at"].min()
    last = last[~done.reindex(last.index, fill_value=False)]
    answered = last["answered_at"].notna() & last["answered_at"].le(at)
    gone = (
        last["abandoned_at"].notna() & last["abandoned_at"].le(at)
        if "abandoned_at" in last
        else False
    )
    waiting = ~answered & ~gone & ~last["outcome"].eq("unanswered")
    promised = answered & last["outcome"].eq("resolved")
    since = last["arrived_at"].where(waiting, last["ended_at"].fillna(last["answered_at"]))
    out = pd.DataFrame(
        {
            "ticket_id": last.index,
            "channel": last["channel"].astype(str).to_numpy(),
            "kind": pd.Series("queue", index=last.index).where(waiting, "backoffice").to_numpy(),
            "opened_at": opened.reindex(last.index).to_numpy(),
            "waiting_since": since.to_numpy(),
        }
    )
    keep = (waiting | promised).to_numpy()
    return out[keep].sort_values(["opened_at", "ticket_id"], kind="stable").reset_index(drop=True)


def queued(work: pd.DataFrame) -> dict[str, int]:
    """The complaints waiting in each channel's queue (``scenario.arrivals.initial_open``)."""
    part = work[work["kind"] == "queue"]
    return {str(ch): int(n) for ch, n in part["channel"].value_counts().sort_index().items()}


def read_open_work(path: str | Path) -> pd.DataFrame:
    """The open work in ``path``: a calibration folder (its ``open_work.csv``), an
    ``open_work.csv``, or a contact log in the schema (CSV or Parquet: the work open at
    its last arrival). A DataError naming the file and what is wrong otherwise."""
    path = Path(path)
    if path.is_dir():
        inner = path / "open_work.csv"
        if not inner.is_file():
            raise DataError(
                f"{path}: a folder without open_work.csv (experiment=calibrate writes it)"
            )
        path = inner
    if not path.is_file():
        raise DataError(f"{path}: no such file or folder")
    if path.name == "open_work.csv" or (
        path.suffix == ".csv"
        and pd.read_csv(path, nrows=0).columns.tolist()[:3] == list(COLUMNS[:3])
    ):
        work = pd.read_csv(path, dtype={"ticket_id": str}, keep_default_na=False)
        missing = [c for c in COLUMNS if c not in work.columns]
        if missing:
            raise DataError(f"{path}: no column {missing[0]!r} (columns: {list(COLUMNS)})")
        bad = ~work["channel"].isin(CHANNELS) | ~work["kind"].isin(KINDS)
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise DataError(
                f"{path}, row {row + 2}: channel {work['channel'].iloc[row]!r} or kind "
                f"{work['kind'].iloc[row]!r} unknown (channels {list(CHANNELS)}, kinds "
                f"{list(KINDS)})"
            )
        return work
    from escalationsim.calibration.log import read_log

    log, _ = read_log(path)
    return open_work(log)


__all__ = ["COLUMNS", "KINDS", "open_work", "queued", "read_open_work"]
