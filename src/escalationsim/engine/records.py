"""The complaint log: one row per complaint, kept in a preallocated numpy array.

Only complaints that arrive after the warm-up are kept. A complaint is written when it
closes (resolved or given up) or, if still open, when the run ends; columns and the
DataFrame are built once at the end. Churn is decided then, from each customer's own
uniform draw and the TARP repurchase probability for their outcome.
"""

from __future__ import annotations

import math
import operator
import struct
import sys
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from escalationsim.analysis.costs import cost_columns
from escalationsim.analysis.stats import ComplaintStats, StreamingStats, day_counts
from escalationsim.config import ChurnConfig, ScenarioConfig
from escalationsim.engine.population import CEO, CHANNELS, SOCIAL, Population
from escalationsim.kernel.codes import CONTACT_OUTCOMES, Role, Status
from escalationsim.kernel.staff import STAFF_ROLES

if TYPE_CHECKING:
    from escalationsim.engine.customer import Customer

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

_SOCIAL_BIT, _CEO_BIT = 1 << SOCIAL, 1 << CEO


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


FLUSH_ROWS = 4096
"""Closed complaints buffered (packed into bytes) before they are read as one numpy chunk."""


def derive(
    cols: dict[str, np.ndarray], churn: ChurnConfig, u_churn: np.ndarray, untracked: int
) -> None:
    """Add the columns that follow from a complaint's journey and attributes: time to
    resolution, churn (the customer's own uniform against the TARP repurchase
    probability of their outcome), the channels reached, whether it escalated to them
    (reached them after its first contact: each is contacted at most once) and whether
    it stayed tracked (used no channel in the bit mask ``untracked``)."""
    resolved = cols["status"] == Status.resolved
    cols["time_to_resolution_h"] = np.where(
        resolved, cols["resolved_at"] - cols["arrival_time"], math.nan
    )
    repurchase = repurchase_probs(
        churn, cols["needs_exception"], resolved, cols["time_to_resolution_h"]
    )
    cols["churned"] = u_churn >= repurchase
    tried = cols["tried"]
    cols["reached_social"] = (tried & _SOCIAL_BIT) != 0
    cols["reached_ceo"] = (tried & _CEO_BIT) != 0
    first = cols["first_channel"]
    cols["escalated_social"] = cols["reached_social"] & (first != SOCIAL)
    cols["escalated_ceo"] = cols["reached_ceo"] & (first != CEO)
    cols["tracked"] = (tried & untracked) == 0


_STRUCT_CODES = {"i8": "q", "i4": "i", "i2": "h", "i1": "b", "u1": "B", "f8": "d", "b1": "?"}


def row_struct(dtype: np.dtype) -> struct.Struct:
    """A :class:`struct.Struct` that packs one record of the (packed) structured
    ``dtype``: the bytes of many packed rows, concatenated, are an array of ``dtype``."""
    codes = []
    for name in dtype.names:
        field = dtype[name]
        codes.append(_STRUCT_CODES[f"{field.kind}{field.itemsize}"])
    packer = struct.Struct("=" + "".join(codes))  # native order, standard sizes, packed
    if packer.size != dtype.itemsize:
        raise ValueError(f"dtype is not packed: {dtype.itemsize} bytes vs {packer.size}")
    return packer


class _Recorder:
    """Collects closed complaints with index >= ``start``: each is packed into bytes (its
    attributes fetched at once by an attrgetter), and every ``FLUSH_ROWS`` rows the bytes
    are read as one numpy chunk and handed to :meth:`_take`, so Python objects never pile
    up and no value is converted twice."""

    def __init__(self, start: int, attrs: tuple[tuple[str, str], ...], dtype: np.dtype) -> None:
        self.start = start
        self.prevented = 0  # complaints in the window prevented by a root-cause fix
        self._getter = operator.attrgetter(*(attr for _, attr in attrs))
        self._dtype = dtype
        self._pack = row_struct(dtype).pack
        self._flush_bytes = FLUSH_ROWS * dtype.itemsize
        self._buffer = bytearray()

    def record(self, c: Customer) -> None:
        """Write a closed (or, at the end of the run, still open) complaint."""
        if c.idx >= self.start:
            buf = self._buffer
            buf += self._pack(*(self._getter(c) + tuple(c.hours)))
            if len(buf) >= self._flush_bytes:
                self._flush()

    @property
    def buffered(self) -> int:
        """Rows written but not yet handed to :meth:`_take`."""
        return len(self._buffer) // self._dtype.itemsize

    def _flush(self) -> None:
        if self._buffer:
            chunk = np.frombuffer(self._buffer, dtype=self._dtype)
            self._buffer = bytearray()
            self._take(chunk)

    def _take(self, chunk: np.ndarray) -> None:
        raise NotImplementedError

    def finalise(self) -> None:
        """Called once when the run is over."""
        self._flush()


class ComplaintLog(_Recorder):
    """Every complaint with index in [start, stop) of the customer table, one row each
    (``run.records=true``).

    Journey fields are scattered a chunk at a time into columns indexed by complaint id,
    so complaints come out in id order without sorting or copying. The columns that
    follow from the customer table (arrival time, attributes) or from those fields (time
    to resolution, churn, channels reached) are filled in for all complaints at once by
    :meth:`finalise`.
    """

    def __init__(
        self, population: Population, start: int, stop: int, churn: ChurnConfig, untracked: int
    ) -> None:
        super().__init__(start, _JOURNEY, _DTYPE)
        self.population = population
        self.churn = churn
        self.untracked = untracked  # bit mask of the channels without tickets
        n = max(stop - start, 0)
        self._journey = {name: np.empty(n, dtype=_DTYPE[name]) for name in _DTYPE.names}
        self._written = np.zeros(n, dtype=bool)
        self.columns: dict[str, np.ndarray] = {}
        self._costs: dict[str, np.ndarray] | None = None

    def _take(self, chunk: np.ndarray) -> None:
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
        derive(cols, self.churn, pop.u_churn[ids], self.untracked)
        self.columns = {
            name: cols[name].astype(dtype, copy=False) for name, dtype in _COLUMNS.items()
        }

    def costs(self, scenario: ScenarioConfig) -> dict[str, np.ndarray]:
        """Per-complaint cost columns (computed once, for the KPIs and the frame)."""
        if self._costs is None:
            self._costs = cost_columns(self.columns, scenario)
        return self._costs

    def stats(self, scenario: ScenarioConfig) -> ComplaintStats:
        """Exact summary of the complaints for the KPIs."""
        return ComplaintStats.exact({**self.columns, **self.costs(scenario)})

    def day_counts(self, first_day: int, n_days: int) -> np.ndarray:
        """Complaints, CEO-channel and direct-to-CEO complaints per arrival day."""
        return day_counts(self.columns, first_day, n_days)

    @property
    def cols(self) -> dict[str, np.ndarray]:
        """The log as columns (after :meth:`finalise`)."""
        return self.columns

    def __len__(self) -> int:
        if self.columns:
            return len(self.columns["complaint_id"])
        return int(self._written.sum()) + self.buffered

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


_TALLY_EXTRA: tuple[tuple[str, str], ...] = (
    ("arrival_time", "arrival"),
    ("followers", "followers"),
    ("needs_exception", "needs_exception"),
    ("clv", "clv"),
    ("u_churn", "u_churn"),
)
_TALLY_ATTRS = _JOURNEY + _TALLY_EXTRA
_TALLY_DTYPE = np.dtype(
    [(name, _COLUMNS.get(name) or _EXTRA[name]) for name, _ in _JOURNEY]
    + [(name, _COLUMNS.get(name, "f8")) for name, _ in _TALLY_EXTRA]
    + [(name, "f8") for name in _HOURS]
)


class ComplaintTally(_Recorder):
    """Aggregates only (``run.records=false``): each chunk of closed complaints is folded
    into a :class:`~escalationsim.analysis.stats.StreamingStats` and per-day counts, then dropped,
    so memory does not grow with the horizon. The window starts at the first customer
    arriving after the warm-up; the model sets ``start`` when it reaches them."""

    def __init__(
        self,
        scenario: ScenarioConfig,
        first_day: int,
        n_days: int,
        untracked: int,
        start: int = sys.maxsize,
    ) -> None:
        super().__init__(start, _TALLY_ATTRS, _TALLY_DTYPE)
        self.scenario = scenario
        self.untracked = untracked  # bit mask of the channels without tickets
        self.first_day = first_day
        self._stats = StreamingStats(scenario.population)
        self._days = np.zeros((3, n_days), dtype=np.int64)
        self.n = 0

    def _take(self, chunk: np.ndarray) -> None:
        cols = {name: chunk[name] for name in chunk.dtype.names}
        derive(cols, self.scenario.churn, cols["u_churn"], self.untracked)
        cols.update(cost_columns(cols, self.scenario))
        self._stats.add(cols)
        self._days += day_counts(cols, self.first_day, self._days.shape[1])
        self.n += len(chunk)

    def __len__(self) -> int:
        return self.n + self.buffered

    def stats(self, scenario: ScenarioConfig) -> ComplaintStats:
        """Streaming summary of the complaints for the KPIs."""
        return self._stats.result()

    def day_counts(self, first_day: int, n_days: int) -> np.ndarray:
        """Complaints, CEO-channel and direct-to-CEO complaints per arrival day."""
        assert first_day == self.first_day and n_days == self._days.shape[1]
        return self._days
