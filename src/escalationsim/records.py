"""The complaint log: one row per complaint, kept in preallocated numpy columns.

Only complaints that arrive after the warm-up are kept. A complaint is written when it
closes (resolved or given up) or, if still open, when the run ends; the DataFrame is
built once at the end. Churn is decided when the row is written, from the customer's
own uniform draw and the TARP repurchase probability for their outcome.
"""

from __future__ import annotations

import math
import operator
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


_DIRECT: tuple[tuple[str, str], ...] = (
    ("complaint_id", "idx"),
    ("arrival_time", "arrival"),
    ("preferred_channel", "preferred"),
    ("first_channel", "first_channel"),
    ("final_channel", "final_channel"),
    ("followers", "followers"),
    ("uses_social", "uses_social"),
    ("knows_ceo", "knows_ceo"),
    ("persistence", "persistence"),
    ("cause", "cause"),
    ("needs_exception", "needs_exception"),
    ("exception_value", "exception_value"),
    ("clv", "clv"),
    ("contacts", "contacts"),
    ("calls", "calls"),
    ("abandoned_calls", "abandoned_calls"),
    ("posts", "posts"),
    ("posts_answered", "posts_answered"),
    ("last_outcome", "last_outcome"),
    ("compensation", "compensation"),
    ("impressions", "impressions"),
    ("penalty", "penalty"),
    ("deadline_breaches", "deadline_breaches"),
    ("first_call_wait_h", "first_call_wait_h"),
    ("ceo_wait_h", "ceo_wait_h"),
    ("first_call_abandoned", "first_call_abandoned"),
    ("tracked", "tracked"),
    ("escalated_social", "escalated_social"),
    ("escalated_ceo", "escalated_ceo"),
)
"""Columns copied straight from a Customer attribute (column, attribute)."""

_COMPUTED: tuple[str, ...] = (
    "status",
    "resolved_by",
    "time_to_resolution_h",
    "hours_reps",
    "hours_social",
    "hours_managers",
    "hours_exec_office",
    "hours_ceo",
    "hours_audit",
    "churned",
    "reached_social",
    "reached_ceo",
)
"""Columns computed when the row is written, in the order ``record`` appends them."""

_DTYPE = np.dtype(
    [(name, _COLUMNS[name]) for name, _ in _DIRECT] + [(n, _COLUMNS[n]) for n in _COMPUTED]
)
_ATTRS = operator.attrgetter(*(attr for _, attr in _DIRECT))


class ComplaintLog:
    """Record of complaints with index in [start, stop) of the population: one row of a
    numpy structured array per complaint, written with a single assignment (the plain
    attributes fetched at once by an attrgetter), turned into columns once at the end."""

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
        self.rows[j] = _ATTRS(c) + (
            int(c.status),
            int(c.resolved_by),
            ttr,
            h[0],
            h[1],
            h[2],
            h[3],
            h[4],
            h[5],
            u_churn >= repurchase_prob(churn, c.needs_exception, resolved, ttr),
            bool(tried & _SOCIAL_BIT),
            bool(tried & _CEO_BIT),
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
