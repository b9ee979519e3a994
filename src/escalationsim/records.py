"""The complaint log: one row per complaint, kept in a preallocated numpy array.

Only complaints that arrive after the warm-up are kept. A complaint is written when it
closes (resolved or given up) or, if still open, when the run ends; columns and the
DataFrame are built once at the end. Churn is decided then, from each customer's own
uniform draw and the TARP repurchase probability for their outcome.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from escalationsim.config import ChurnConfig
from escalationsim.outcomes import CONTACT_OUTCOMES, Role, Status
from escalationsim.population import CHANNELS, Population
from escalationsim.staff import STAFF_ROLES

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


def repurchase_probs(
    churn: ChurnConfig, major: np.ndarray, resolved: np.ndarray, ttr: np.ndarray
) -> np.ndarray:
    """:func:`repurchase_prob` for arrays of complaints at once."""
    with np.errstate(invalid="ignore"):
        quick = resolved & (ttr <= churn.quick_resolution_h)
    return np.where(
        quick,
        np.where(major, churn.major_quick, churn.minor_quick),
        np.where(
            resolved,
            np.where(major, churn.major_fixed, churn.minor_fixed),
            np.where(major, churn.major_unfixed, churn.minor_unfixed),
        ),
    )


_JOURNEY: tuple[tuple[str, str], ...] = (
    ("complaint_id", "idx"),
    ("first_channel", "first_channel"),
    ("final_channel", "final_channel"),
    ("knows_ceo", "knows_ceo"),
    ("contacts", "contacts"),
    ("calls", "calls"),
    ("abandoned_calls", "abandoned_calls"),
    ("posts", "posts"),
    ("posts_answered", "posts_answered"),
    ("status", "status"),
    ("last_outcome", "last_outcome"),
    ("resolved_by", "resolved_by"),
    ("resolved_at", "resolved_at"),
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
    ("tried", "tried"),
)
"""What a complaint's journey produced: (column, Customer attribute), written when it
closes. The staff hours follow, one column per slot of ``Customer.hours``."""

_HOURS: tuple[str, ...] = tuple(f"hours_{r}" for r in (*STAFF_ROLES, "audit"))

_FROM_POPULATION: tuple[tuple[str, str], ...] = (
    ("arrival_time", "arrival_h"),
    ("preferred_channel", "first_channel"),
    ("followers", "followers"),
    ("uses_social", "uses_social"),
    ("persistence", "persistence"),
    ("cause", "cause"),
    ("needs_exception", "needs_exception"),
    ("exception_value", "exception_value"),
    ("clv", "clv"),
)
"""Columns taken from the customer table by complaint id: (column, Population field)."""

_EXTRA = {"resolved_at": "f8", "tried": "u1"}
_DTYPE = np.dtype(
    [(name, _COLUMNS.get(name) or _EXTRA[name]) for name, _ in _JOURNEY]
    + [(name, "f8") for name in _HOURS]
)
_ATTRS = operator.attrgetter(*(attr for _, attr in _JOURNEY))


FLUSH_ROWS = 4096
"""Closed complaints buffered as tuples before they are converted to a numpy chunk."""


class ComplaintLog:
    """Record of the complaints with index in [start, stop) of the population.

    When a complaint closes, what its journey produced is appended as one tuple (the
    attributes fetched at once by an attrgetter); every ``FLUSH_ROWS`` tuples are
    converted at once into numpy columns, so Python objects never pile up. Everything that
    follows from the customer table or from those fields (arrival time, attributes, time
    to resolution, churn, channels reached) is filled in for all complaints at once by
    :meth:`finalise`.
    """

    def __init__(self, population: Population, start: int, stop: int, churn: ChurnConfig) -> None:
        self.population = population
        self.churn = churn
        self.start = start
        n = max(stop - start, 0)
        self.prevented = 0
        self._buffer: list[tuple] = []
        # One column per journey field, indexed by complaint id - start; filled a chunk at
        # a time, so the complaints come out in id order without sorting or copying.
        self._journey = {name: np.empty(n, dtype=_DTYPE[name]) for name in _DTYPE.names}
        self._written = np.zeros(n, dtype=bool)
        self.columns: dict[str, np.ndarray] = {}

    def record(self, c: Customer) -> None:
        if c.idx >= self.start:
            buf = self._buffer
            buf.append(_ATTRS(c) + tuple(c.hours))
            if len(buf) >= FLUSH_ROWS:
                self._flush()

    def _flush(self) -> None:
        if self._buffer:
            chunk = np.array(self._buffer, dtype=_DTYPE)
            self._buffer = []
            j = chunk["complaint_id"] - self.start
            for name, col in self._journey.items():
                col[j] = chunk[name]
            self._written[j] = True

    def finalise(self) -> None:
        """Build every column of the log, in complaint order (complaints prevented by a
        root-cause fix have no row)."""
        self._flush()
        cols = self._journey
        if not self._written.all():
            cols = {name: col[self._written] for name, col in cols.items()}
        self._journey = {}
        ids = cols["complaint_id"]
        pop = self.population
        for name, field in _FROM_POPULATION:
            cols[name] = getattr(pop, field)[ids]
        resolved = cols["status"] == Status.resolved
        cols["time_to_resolution_h"] = np.where(
            resolved, cols["resolved_at"] - cols["arrival_time"], math.nan
        )
        repurchase = repurchase_probs(
            self.churn, cols["needs_exception"], resolved, cols["time_to_resolution_h"]
        )
        cols["churned"] = pop.u_churn[ids] >= repurchase
        tried = cols["tried"]
        cols["reached_social"] = (tried & _SOCIAL_BIT) != 0
        cols["reached_ceo"] = (tried & _CEO_BIT) != 0
        self.columns = {
            name: cols[name].astype(dtype, copy=False) for name, dtype in _COLUMNS.items()
        }

    @property
    def cols(self) -> dict[str, np.ndarray]:
        """The log as columns (after :meth:`finalise`)."""
        return self.columns

    def __len__(self) -> int:
        if self.columns:
            return len(self.columns["complaint_id"])
        return int(self._written.sum()) + len(self._buffer)

    def to_frame(self) -> pd.DataFrame:
        """The log as a tidy DataFrame with readable category labels."""
        df = pd.DataFrame(self.cols, copy=False)
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
