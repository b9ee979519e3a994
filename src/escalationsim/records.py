"""The complaint log: one row per complaint, kept in preallocated numpy columns.

Only complaints that arrive after the warm-up are kept. A complaint is written when it
closes (resolved or given up) or, if still open, when the run ends; the DataFrame is
built once at the end. Churn is decided when the row is written, from the customer's
own uniform draw and the TARP repurchase probability for their outcome.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from escalationsim.config import ChurnConfig
from escalationsim.outcomes import CONTACT_OUTCOMES, Role, Status
from escalationsim.population import CHANNELS

if TYPE_CHECKING:
    from escalationsim.customer import Customer

_COLUMNS: dict[str, str] = {
    "complaint_id": "i8",
    "arrival_time": "f8",
    "preferred_channel": "i1",
    "first_channel": "i1",
    "final_channel": "i1",
    "followers": "i8",
    "uses_social": "?",
    "knows_ceo": "?",
    "persistence": "f8",
    "cause": "i2",
    "needs_exception": "?",
    "exception_value": "f8",
    "clv": "f8",
    "contacts": "i4",
    "calls": "i4",
    "abandoned_calls": "i4",
    "posts": "i4",
    "posts_answered": "i4",
    "status": "i1",
    "last_outcome": "i1",
    "resolved_by": "i1",
    "time_to_resolution_h": "f8",
    "compensation": "f8",
    "hours_reps": "f8",
    "hours_social": "f8",
    "hours_managers": "f8",
    "hours_exec_office": "f8",
    "hours_ceo": "f8",
    "hours_audit": "f8",
    "impressions": "f8",
    "penalty": "f8",
    "deadline_breaches": "i4",
    "first_call_wait_h": "f8",
    "ceo_wait_h": "f8",
    "first_call_abandoned": "?",
    "churned": "?",
    "tracked": "?",
    "reached_social": "?",
    "reached_ceo": "?",
    "escalated_social": "?",
    "escalated_ceo": "?",
}

_SOCIAL_BIT, _CEO_BIT = 1 << 2, 1 << 3


def repurchase_prob(churn: ChurnConfig, major: bool, resolved: bool, ttr_h: float) -> float:
    """TARP repurchase probability: quickly fixed, fixed, or not fixed; minor or major."""
    if resolved and ttr_h <= churn.quick_resolution_h:
        return churn.major_quick if major else churn.minor_quick
    if resolved:
        return churn.major_fixed if major else churn.minor_fixed
    return churn.major_unfixed if major else churn.minor_unfixed


_DTYPE = np.dtype(list(_COLUMNS.items()))


class ComplaintLog:
    """Record of complaints with index in [start, stop) of the population: one row of a
    numpy structured array per complaint, written with a single assignment (one call per
    complaint instead of one per column), turned into columns once at the end."""

    def __init__(self, start: int, stop: int) -> None:
        self.start = start
        n = max(stop - start, 0)
        self.rows = np.zeros(n, dtype=_DTYPE)
        self.written = np.zeros(n, dtype=bool)
        self.prevented = 0

    def record(self, c: Customer, churn: ChurnConfig, u_churn: float) -> None:
        j = c.idx - self.start
        if j < 0:
            return
        resolved = c.status == Status.resolved
        ttr = c.resolved_at - c.arrival if resolved else math.nan
        h = c.hours
        tried = c.tried
        # the order of _COLUMNS
        self.rows[j] = (
            c.idx,
            c.arrival,
            c.preferred,
            c.first_channel,
            c.final_channel,
            c.followers,
            c.uses_social,
            c.knows_ceo,
            c.persistence,
            c.cause,
            c.needs_exception,
            c.exception_value,
            c.clv,
            c.contacts,
            c.calls,
            c.abandoned_calls,
            c.posts,
            c.posts_answered,
            int(c.status),
            c.last_outcome,
            int(c.resolved_by),
            ttr,
            c.compensation,
            h[0],
            h[1],
            h[2],
            h[3],
            h[4],
            h[5],
            c.impressions,
            c.penalty,
            c.deadline_breaches,
            c.first_call_wait_h,
            c.ceo_wait_h,
            c.first_call_abandoned,
            u_churn >= repurchase_prob(churn, c.needs_exception, resolved, ttr),
            c.tracked,
            bool(tried & _SOCIAL_BIT),
            bool(tried & _CEO_BIT),
            c.escalated_social,
            c.escalated_ceo,
        )
        self.written[j] = True

    def finalise(self) -> None:
        """Drop rows of would-be customers who never complained (prevented by a fix)."""
        keep = self.written
        if not keep.all():
            self.rows = self.rows[keep]
            self.written = np.ones(len(self.rows), dtype=bool)

    @property
    def cols(self) -> dict[str, np.ndarray]:
        """The log as columns (views into the rows)."""
        return {name: self.rows[name] for name in _COLUMNS}

    def __len__(self) -> int:
        return int(self.written.sum())

    def to_frame(self) -> pd.DataFrame:
        """The log as a tidy DataFrame with readable category labels."""
        df = pd.DataFrame(self.cols)
        chan = pd.CategoricalDtype(list(CHANNELS))
        for col in ("preferred_channel", "first_channel", "final_channel"):
            df[col] = pd.Categorical.from_codes(df[col].to_numpy(), dtype=chan)
        df["status"] = pd.Categorical.from_codes(
            df["status"].to_numpy(), dtype=pd.CategoricalDtype([s.name for s in Status])
        )
        df["resolved_by"] = pd.Categorical.from_codes(
            df["resolved_by"].to_numpy(), dtype=pd.CategoricalDtype([r.name for r in Role])
        )
        df.insert(df.columns.get_loc("status") + 1, "resolved", df["status"] == "resolved")
        # -1 (no contact finished yet, e.g. still in a queue) shows as missing
        df["last_outcome"] = pd.Categorical.from_codes(
            df["last_outcome"].to_numpy(), dtype=pd.CategoricalDtype(list(CONTACT_OUTCOMES))
        )
        return df
