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
ahead of the new ones; each complaint whose back-office work is under way starts
waiting for the rest of it (``scenario.arrivals.initial_promised``: its age, so that the
rest is drawn given how long it has lasted), unless it is older than nearly every lead
time (:data:`STALE`): a promise that old was lost, and is counted, not started.
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

import pandas as pd

from escalationsim.calibration.mapping import CHANNELS, DataError
from escalationsim.kernel.draws import Sampler

COLUMNS = ("ticket_id", "channel", "kind", "opened_at", "waiting_since", "age_h")
"""The columns of ``open_work.csv`` (``age_h``: hours from ``waiting_since`` to the moment
the open work is taken at)."""

STALE = 0.999
"""Back-office work under way for longer than this quantile of the scenario's lead time is
taken as lost, not started (:func:`promised`)."""

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
            "age_h": ((at - since).dt.total_seconds() / 3600.0).round(3).to_numpy(),
        }
    )
    keep = (waiting | promised).to_numpy()
    return out[keep].sort_values(["opened_at", "ticket_id"], kind="stable").reset_index(drop=True)


def queued(work: pd.DataFrame) -> dict[str, int]:
    """The complaints waiting in each channel's queue (``scenario.arrivals.initial_open``)."""
    part = work[work["kind"] == "queue"]
    return {str(ch): int(n) for ch, n in part["channel"].value_counts().sort_index().items()}


def promised(
    work: pd.DataFrame, lead_mean_h: float, lead_cv: float
) -> tuple[dict[str, list[float]], int]:
    """The ages (hours) of the back-office work under way on each channel
    (``scenario.arrivals.initial_promised``), and how many are older than the
    :data:`STALE` quantile of a lognormal lead time of mean ``lead_mean_h`` and
    coefficient of variation ``lead_cv``: taken as lost promises (the work is not under
    way; whether the customer comes back is the model's business), not started."""
    part = work[work["kind"] == "backoffice"]
    lead = Sampler(lead_mean_h * 60.0, lead_cv, "lognormal")  # the engine's own, in hours
    limit = math.exp(lead.mu + lead.sigma * NormalDist().inv_cdf(STALE))
    ages: dict[str, list[float]] = {}
    for ch, age in zip(part["channel"], part["age_h"].astype(float), strict=True):
        if age <= limit:
            ages.setdefault(str(ch), []).append(round(float(age), 3))
    return dict(sorted(ages.items())), int((part["age_h"].astype(float) > limit).sum())


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
        if "age_h" not in work.columns and "waiting_since" in work.columns:
            # a file written before ages were: measured from its latest time
            since = pd.to_datetime(work["waiting_since"], utc=True, errors="coerce")
            opened = pd.to_datetime(work.get("opened_at"), utc=True, errors="coerce")
            at = max(since.max(), opened.max()) if len(work) else pd.NaT
            work["age_h"] = (at - since).dt.total_seconds() / 3600.0
        missing = [c for c in COLUMNS if c not in work.columns]
        if missing:
            raise DataError(f"{path}: no column {missing[0]!r} (columns: {list(COLUMNS)})")
        age = pd.to_numeric(work["age_h"], errors="coerce")
        bad = work["kind"].eq("backoffice") & ~(age >= 0)  # a queue's age is not used
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise DataError(
                f"{path}, row {row + 2}, column 'age_h': {work['age_h'].iloc[row]!r} is not "
                "a number of hours >= 0 (back-office work's age)"
            )
        work["age_h"] = age
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


__all__ = ["COLUMNS", "KINDS", "STALE", "open_work", "promised", "queued", "read_open_work"]
