"""The complaint record: which fields a complaint row has, and the recorders that collect
closed complaints during a run.

:data:`COLUMNS` declares every column of the complaint table once, in output order, with
its dtype and where it comes from: the customer's journey (a :class:`Customer`
attribute, written when the complaint closes), the customer table (taken by complaint id
at the end), handling hours by pool, or derived after the run by the analysis layer
(time to resolution, churn, tracking, and a ``reached_<channel>`` and
``escalated_<channel>`` pair per escalation channel of the channel registry).

Only complaints that arrive after the warm-up are recorded. A complaint is written when
it closes (resolved or given up) or, if still open, when the run ends.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from escalationsim.engine.population import Population
from escalationsim.engine.staff import HOUR_COLUMNS
from escalationsim.kernel.rows import PackedRows

if TYPE_CHECKING:
    from escalationsim.engine.customer import Customer


@dataclass(frozen=True)
class Column:
    """One column of the complaint table: name, numpy dtype, source (``journey``,
    ``table``, ``hours`` or ``derived``) and the Customer attribute or Population field
    it is read from."""

    name: str
    dtype: str
    source: str
    attr: str = ""


def _j(name: str, dtype: str, attr: str | None = None) -> Column:
    return Column(name, dtype, "journey", attr or name)


def _t(name: str, dtype: str, attr: str | None = None) -> Column:
    return Column(name, dtype, "table", attr or name)


COLUMNS: tuple[Column, ...] = (
    _j("complaint_id", "i8", "idx"),
    _j("customer_id", "i8"),
    _j("complaint_seq", "i4"),
    _t("arrival_time", "f8", "arrival_h"),
    _t("preferred_channel", "i1", "first_channel"),
    _j("first_channel", "i1"),
    _j("final_channel", "i1"),
    _t("followers", "i8"),
    _t("uses_social", "?"),
    _j("knows_ceo", "?"),
    _t("persistence", "f8"),
    _t("cause", "i2"),
    _t("needs_exception", "?"),
    _t("exception_value", "f8"),
    _t("claim_weak", "?"),
    _j("granted", "?"),
    _t("clv", "f8"),
    _j("contacts", "i4"),
    _j("calls", "i4"),
    _j("abandoned_calls", "i4"),
    _j("posts", "i4"),
    _j("posts_answered", "i4"),
    _j("status", "i1"),
    _j("last_outcome", "i1"),
    _j("resolved_by", "i1"),
    Column("time_to_resolution_h", "f8", "derived"),
    Column("fixed_quickly", "?", "derived"),
    _j("compensation", "f8"),
    *(Column(name, "f8", "hours") for name in HOUR_COLUMNS),
    _j("impressions", "f8"),
    _j("penalty", "f8"),
    _j("deadline_breaches", "i4"),
    _j("first_call_wait_h", "f8"),
    _j("ceo_wait_h", "f8"),
    _j("first_call_abandoned", "?"),
    _j("backoffice", "?"),
    _j("chases", "i4"),
    _j("switched", "?"),
    _j("roulettes", "i4"),
    _j("first_post_wait_h", "f8"),
    _j("cs_refused_before_ceo", "?"),
    _j("cs_unanswered_before_ceo", "?"),
    _j("ceo_outcome", "i1"),
    _j("owner_assigned", "?", "owner"),
    _j("lost_follow_up", "?"),
    Column("churned", "?", "derived"),
    Column("tracked", "?", "derived"),
)
"""The complaint table's columns in output order (the per-channel ``reached_*`` and
``escalated_*`` columns follow, from the channel registry)."""

WORKING: tuple[Column, ...] = (
    _j("resolved_at", "f8"),
    _j("tried", "u1"),
)
"""Journey fields that only serve to derive columns (time of resolution, channels tried
as a bit mask)."""

JOURNEY: tuple[Column, ...] = tuple(c for c in COLUMNS if c.source == "journey") + WORKING
TABLE: tuple[Column, ...] = tuple(c for c in COLUMNS if c.source == "table")

TALLY_EXTRA: tuple[Column, ...] = (
    _j("arrival_time", "f8", "arrival"),
    _j("followers", "i8"),
    _j("needs_exception", "?"),
    _j("clv", "f8"),
    _j("u_churn", "f8"),
    _j("claim_weak", "?"),
)
"""Customer fields a records-off run needs with each closed complaint (it keeps no
customer table to look them up in)."""


def _dtype(*parts: tuple[Column, ...]) -> np.dtype:
    cols = [c for part in parts for c in part]
    return np.dtype([(c.name, c.dtype) for c in cols] + [(h, "f8") for h in HOUR_COLUMNS])


_LOG_DTYPE = _dtype(JOURNEY)
_TALLY_DTYPE = _dtype(JOURNEY, TALLY_EXTRA)


class ComplaintLog:
    """Every complaint with index in [start, stop) of the customer table, one row each
    (``run.records=true``).

    Journey fields are scattered a chunk at a time into columns indexed by complaint id,
    so complaints come out in id order without sorting or copying; :meth:`finalise`
    adds the customer-table columns for all complaints at once. The derived columns are
    added by the analysis layer (:mod:`escalationsim.analysis.complaints`).
    """

    def __init__(self, population: Population, start: int, stop: int) -> None:
        self.start = start
        self.prevented = 0  # complaints in the window prevented by a root-cause fix
        self.not_made = 0  # candidates in the window that were no complaint (customer_base)
        self.population = population
        n = max(stop - start, 0)
        self._journey = {name: np.empty(n, dtype=_LOG_DTYPE[name]) for name in _LOG_DTYPE.names}
        self._written = np.zeros(n, dtype=bool)
        self._rows = PackedRows([c.attr for c in JOURNEY], "hours", _LOG_DTYPE, self._take)
        self.columns: dict[str, np.ndarray] = {}

    def record(self, c: Customer) -> None:
        """Write a closed (or, at the end of the run, still open) complaint."""
        if c.idx >= self.start:
            self._rows.add(c)

    def _take(self, chunk: np.ndarray) -> None:
        j = chunk["complaint_id"] - self.start
        for name, col in self._journey.items():
            col[j] = chunk[name]
        self._written[j] = True

    def finalise(self) -> None:
        """The journey and customer-table columns of every recorded complaint, in
        complaint order (complaints prevented by a root-cause fix have no row), and each
        one's churn uniform (``u_churn``)."""
        self._rows.flush()
        cols = self._journey
        if not self._written.all():
            cols = {name: col[self._written] for name, col in cols.items()}
        self._journey = {}
        ids = cols["complaint_id"]
        pop = self.population
        for col in TABLE:
            cols[col.name] = getattr(pop, col.attr)[ids]
        cols["u_churn"] = pop.u_churn[ids]
        self.columns = cols

    def override(self, values: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Replace table columns of some complaints: ``values[column] = (complaint ids,
        values)`` (a repeat complaint's row shows its customer's attributes)."""
        ids = self.columns["complaint_id"]
        for name, (which, vals) in values.items():
            pos = np.searchsorted(ids, which)
            inside = pos < len(ids)
            inside[inside] &= ids[pos[inside]] == which[inside]
            self.columns[name][pos[inside]] = vals[inside]

    def __len__(self) -> int:
        if self.columns:
            return len(self.columns["complaint_id"])
        return int(self._written.sum()) + self._rows.buffered


class ComplaintTally:
    """Aggregates only (``run.records=false``): each chunk of closed complaints is handed
    to ``fold`` (the analysis layer's streaming summary) and dropped, so memory does not
    grow with the horizon. The window starts at the first customer arriving after the
    warm-up; the arrivals loop sets ``start`` when it reaches them."""

    def __init__(self, fold: Callable[[dict[str, np.ndarray]], None]) -> None:
        self.start = sys.maxsize
        self.prevented = 0
        self.not_made = 0
        self.fold = fold
        self.n = 0
        self._rows = PackedRows(
            [c.attr for c in (*JOURNEY, *TALLY_EXTRA)], "hours", _TALLY_DTYPE, self._take
        )

    def record(self, c: Customer) -> None:
        if c.idx >= self.start:
            self._rows.add(c)

    def _take(self, chunk: np.ndarray) -> None:
        self.fold({name: chunk[name] for name in chunk.dtype.names})
        self.n += len(chunk)

    def finalise(self) -> None:
        self._rows.flush()

    def __len__(self) -> int:
        return self.n + self._rows.buffered
