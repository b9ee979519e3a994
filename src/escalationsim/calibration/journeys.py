"""Journeys: what customers do between contacts, as shares of complaints with intervals.

A complaint is a ``ticket_id``; its contacts, in order of arrival, are its journey.
Every share is a count over a count with its Wilson interval (``scipy.stats.binomtest``),
and its ``method`` says which complaints it counts:

- ``first_channel_share`` (per channel): the channel a complaint starts on (the
  scenario's ``population.first_channel_*``);
- ``switch_prob``: of the complaints whose first failed phone or email contact
  (abandoned, unanswered, or handled without a fix) was followed by another phone or
  email contact, the share that used the other one (``behaviour.switch_prob``: after
  the first such failure a customer may switch, else retries);
- ``recontact_prob``: complaints with more than one contact;
- ``escalation_prob_social`` and ``escalation_prob_ceo``: complaints that did not start
  there and reached the channel later (going public, writing to the CEO);
- ``resolution_prob``: complaints with a resolved contact;
- ``repeat_complaint_prob`` (with ``customer_id``): customers with more than one
  complaint in the log.

These are what the log shows; the persistence behind them, and the share who know the
CEO's address, are not separately identified by it (the simulation-based part of the
calibration fits them against these shares).
"""

from __future__ import annotations

import pandas as pd

from escalationsim.calibration.fits import share, table

FAILED = ("abandoned", "unanswered", "pending")
"""Outcomes of a contact that failed the customer (``pending`` only once it ended)."""


def follow_ups(log: pd.DataFrame) -> pd.DataFrame:
    """``log`` with the follow-ups' channel set to ``chase``: a contact after its
    complaint's resolved one that ends ``pending`` (handled, the complaint going on)
    chases promised work ("where is my refund?"); its handling is ``handle_times.chase``
    and, in the model, a follow-up call does not hang up, so it says nothing of patience
    either. One that resolves, refuses or is abandoned is the complaint starting over (a
    promise that was lost), a contact like any other."""
    resolved = log["outcome"].eq("resolved")
    before = resolved.groupby(log["ticket_id"], sort=False).cumsum() - resolved
    chase = before.gt(0) & log["channel"].isin(CHASED) & log["outcome"].eq("pending")
    return log.assign(channel=log["channel"].where(~chase, "chase"))


CHASED = ("phone", "email", "social")
"""The channels a customer chases promised work on (a letter to the CEO after a fix is
still a letter to the CEO)."""


def before_resolution(log: pd.DataFrame) -> pd.DataFrame:
    """The contacts up to each complaint's resolved one (no follow-ups): whose waits
    say something of patience."""
    out = follow_ups(log)
    return out[out["channel"] != "chase"]


def _switches(log: pd.DataFrame) -> tuple[int, int]:
    """(complaints that switched, complaints counted) for ``switch_prob``: before each
    complaint's resolution (a follow-up is no failure of service)."""
    rows = before_resolution(log)[["ticket_id", "channel", "outcome", "ended_at"]].copy()
    rows["next"] = rows.groupby("ticket_id", sort=False)["channel"].shift(-1)
    failed = rows["channel"].isin(LIVE) & rows["outcome"].isin(FAILED)
    failed &= ~(rows["outcome"].eq("pending") & rows["ended_at"].isna())  # still under way
    first = rows[failed].drop_duplicates("ticket_id")
    first = first[first["next"].isin(LIVE)]
    return int((first["next"] != first["channel"]).sum()), len(first)


LIVE = ("phone", "email")
"""The channels a customer switches between after a service failure."""


def fit_journeys(log: pd.DataFrame) -> pd.DataFrame:
    """The journey shares of ``log`` (see the module doc) as ``fits.csv`` rows; ``log``
    is in arrival order (as :func:`~escalationsim.calibration.log.read_log` gives it)."""
    rows: list[dict] = []
    by_ticket = log.groupby("ticket_id", sort=False)
    first = by_ticket["channel"].first().astype(str)
    n = len(first)
    for channel, k in first.value_counts().sort_index().items():
        rows.append(
            share("first_channel_share", k, n, "complaints starting on the channel", channel)
        )
    k, m = _switches(log)
    rows.append(
        share(
            "switch_prob",
            k,
            m,
            "after a complaint's first failed phone or email contact followed by another "
            "phone or email contact: the share on the other one",
        )
    )
    contacts = by_ticket.size()
    rows.append(
        share("recontact_prob", int((contacts > 1).sum()), n, "complaints with 2+ contacts")
    )
    for channel in ("social", "ceo"):
        later = log["channel"].eq(channel).groupby(log["ticket_id"], sort=False).any()
        started = first.eq(channel)
        k = int((later & ~started).sum())
        rows.append(
            share(
                f"escalation_prob_{channel}",
                k,
                int((~started).sum()),
                f"complaints not starting on {channel} that reached it later",
            )
        )
    resolved = log["outcome"].eq("resolved").groupby(log["ticket_id"], sort=False).any()
    rows.append(
        share("resolution_prob", int(resolved.sum()), n, "complaints with a resolved contact")
    )
    if "customer_id" in log and log["customer_id"].notna().any():
        per = log.dropna(subset=["customer_id"]).groupby("customer_id")["ticket_id"].nunique()
        rows.append(
            share(
                "repeat_complaint_prob",
                int((per > 1).sum()),
                len(per),
                "customers with 2+ complaints in the log",
            )
        )
    return table(rows)


__all__ = ["FAILED", "before_resolution", "fit_journeys", "follow_ups"]
