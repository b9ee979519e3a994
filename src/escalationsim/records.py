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


class ComplaintLog:
    """Columnar record of complaints with index in [start, stop) of the population."""

    def __init__(self, start: int, stop: int) -> None:
        self.start = start
        n = max(stop - start, 0)
        self.cols = {k: np.zeros(n, dtype=t) for k, t in _COLUMNS.items()}
        self.cols["time_to_resolution_h"][:] = np.nan
        self.cols["first_call_wait_h"][:] = np.nan
        self.cols["ceo_wait_h"][:] = np.nan
        self.written = np.zeros(n, dtype=bool)
        self.prevented = 0
        self.frame: pd.DataFrame | None = None

    def record(self, c: Customer, churn: ChurnConfig, u_churn: float) -> None:
        j = c.idx - self.start
        if j < 0:
            return
        k = self.cols
        resolved = c.status == Status.resolved
        ttr = c.resolved_at - c.arrival if resolved else math.nan
        k["complaint_id"][j] = c.idx
        k["arrival_time"][j] = c.arrival
        k["preferred_channel"][j] = c.preferred
        k["first_channel"][j] = c.first_channel
        k["final_channel"][j] = c.final_channel
        k["followers"][j] = c.followers
        k["uses_social"][j] = c.uses_social
        k["knows_ceo"][j] = c.knows_ceo
        k["persistence"][j] = c.persistence
        k["cause"][j] = c.cause
        k["needs_exception"][j] = c.needs_exception
        k["exception_value"][j] = c.exception_value
        k["clv"][j] = c.clv
        k["contacts"][j] = c.contacts
        k["calls"][j] = c.calls
        k["abandoned_calls"][j] = c.abandoned_calls
        k["posts"][j] = c.posts
        k["posts_answered"][j] = c.posts_answered
        k["status"][j] = int(c.status)
        k["last_outcome"][j] = c.last_outcome
        k["resolved_by"][j] = int(c.resolved_by)
        k["time_to_resolution_h"][j] = ttr
        k["compensation"][j] = c.compensation
        h = c.hours
        k["hours_reps"][j] = h[0]
        k["hours_social"][j] = h[1]
        k["hours_managers"][j] = h[2]
        k["hours_exec_office"][j] = h[3]
        k["hours_ceo"][j] = h[4]
        k["hours_audit"][j] = h[5]
        k["impressions"][j] = c.impressions
        k["penalty"][j] = c.penalty
        k["deadline_breaches"][j] = c.deadline_breaches
        k["first_call_wait_h"][j] = c.first_call_wait_h
        k["ceo_wait_h"][j] = c.ceo_wait_h
        k["first_call_abandoned"][j] = c.first_call_abandoned
        k["churned"][j] = u_churn >= repurchase_prob(churn, c.needs_exception, resolved, ttr)
        k["tracked"][j] = c.tracked
        k["reached_social"][j] = bool(c.tried & _SOCIAL_BIT)
        k["reached_ceo"][j] = bool(c.tried & _CEO_BIT)
        k["escalated_social"][j] = c.escalated_social
        k["escalated_ceo"][j] = c.escalated_ceo
        self.written[j] = True

    def finalise(self) -> None:
        """Drop rows of would-be customers who never complained (prevented by a fix)."""
        keep = self.written
        self.cols = {k: v[keep] for k, v in self.cols.items()}
        self.written = np.ones(int(keep.sum()), dtype=bool)

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
