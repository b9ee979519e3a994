"""The complaint record: which fields a complaint row has, and the recorders that collect
closed complaints during a run.

:data:`COLUMNS` declares every column of the complaint table once, in output order, with
its dtype and where it comes from: the customer's journey (a :class:`Customer`
attribute, written when the complaint closes), the customer (their attributes as the
complaint started: the customer-table row of the complaint, or for what a customer who
remembers keeps, the row of their first complaint in the run), handling hours by pool,
or derived after the run by the analysis layer (time to resolution, churn, tracking, and
a ``reached_<channel>`` and ``escalated_<channel>`` pair per escalation channel of the
channel registry).

Only complaints that arrive after the warm-up are recorded. A complaint is written when
it closes (resolved or given up) or, if still open, when the run ends.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

# the modules that declare the per-complaint fields the columns below are made of
from escalationsim.engine import backoffice, channels, context, fields, journey, judgement  # noqa: F401
from escalationsim.engine.customer_base import Memory
from escalationsim.engine.staff import HOUR_COLUMNS
from escalationsim.kernel.rows import PackedRows

if TYPE_CHECKING:
    from escalationsim.engine.customer import Customer
    from escalationsim.engine.population import Population


@dataclass(frozen=True)
class Column:
    """One column of the complaint table: name, numpy dtype, source (``journey``,
    ``customer``, ``hours`` or ``derived``) and the Customer attribute it is read from
    (a customer column only by the tally: the log copies it from the table); for a
    customer column, also the customer-table column it equals and whether a customer
    who remembers keeps it (then a repeat complaint shows the value of the customer's
    first complaint, their column in the customer base's memory)."""

    name: str
    dtype: str
    source: str
    attr: str = ""
    table: str = ""
    remembered: bool = False


def _f(name: str) -> Column:
    """The column of a declared per-complaint field (:mod:`escalationsim.engine.fields`):
    its name, dtype and attribute are the declaration's."""
    f = fields.field(name)
    return Column(f.column_name, f.dtype, "journey", f.name)


def _c(name: str, dtype: str, attr: str | None = None, table: str | None = None) -> Column:
    attr = attr or name
    return Column(name, dtype, "customer", attr, table or attr, attr in Memory.FIXED)


COLUMNS: tuple[Column, ...] = (
    _f("idx"),
    _f("customer_id"),
    _f("complaint_seq"),
    _c("arrival_time", "f8", "arrival", "arrival_h"),
    _c("preferred_channel", "i1", table="first_channel"),
    _f("first_channel"),
    _f("final_channel"),
    _c("followers", "i8"),
    _c("uses_social", "?"),
    _f("knows_ceo"),
    _c("persistence", "f8"),
    _c("cause", "i2"),
    _c("needs_exception", "?"),
    _c("exception_value", "f8"),
    _c("claim_weak", "?"),
    _f("granted"),
    _c("clv", "f8"),
    _f("contacts"),
    _f("calls"),
    _f("abandoned_calls"),
    _f("posts"),
    _f("posts_answered"),
    _f("status"),
    _f("last_outcome"),
    _f("resolved_by"),
    Column("time_to_resolution_h", "f8", "derived"),
    Column("duration_h", "f8", "derived"),
    Column("fixed_quickly", "?", "derived"),
    _f("compensation"),
    *(Column(name, "f8", "hours") for name in HOUR_COLUMNS),
    _f("impressions"),
    _f("penalty"),
    _f("deadline_breaches"),
    _f("first_call_wait_h"),
    _f("ceo_wait_h"),
    _f("first_call_abandoned"),
    _f("backoffice"),
    _f("chases"),
    _f("switched"),
    _f("roulettes"),
    _f("first_post_wait_h"),
    _f("first_post_gave_up_h"),
    _f("cs_refused_before_ceo"),
    _f("cs_unanswered_before_ceo"),
    _f("ceo_outcome"),
    _f("ceo_letters"),
    _f("ceo_personal"),
    _f("ceo_handed"),
    _f("ceo_abandoned"),
    _f("owner"),
    _f("lost_follow_up"),
    Column("churned", "?", "derived"),
    Column("ombudsman_case", "?", "derived"),
    Column("ombudsman_upheld", "?", "derived"),
    Column("tracked", "?", "derived"),
)
"""The complaint table's columns in output order (the per-channel ``reached_*`` and
``escalated_*`` columns follow, from the channel registry)."""

WORKING: tuple[Column, ...] = (
    _f("resolved_at"),
    _f("tried"),
)
"""Journey fields that only serve to derive columns (time of resolution, channels tried
as a bit mask)."""

JOURNEY: tuple[Column, ...] = tuple(c for c in COLUMNS if c.source == "journey") + WORKING
CUSTOMER: tuple[Column, ...] = tuple(c for c in COLUMNS if c.source == "customer") + (
    _c("u_churn", "f8"),
    _c("u_ombudsman", "f8"),
)
"""The customer's fields a complaint row takes (and its churn and ombudsman uniforms,
which the analysis layer reads)."""


def _dtype(*parts: tuple[Column, ...]) -> np.dtype:
    cols = [c for part in parts for c in part]
    return np.dtype([(c.name, c.dtype) for c in cols] + [(h, "f8") for h in HOUR_COLUMNS])


def extra_columns() -> tuple[Column, ...]:
    """The columns of recorded fields declared beyond :data:`COLUMNS` (a plugin's own:
    :mod:`escalationsim.engine.fields`), in declaration order: they follow
    :data:`COLUMNS` in the complaint table."""
    known = {c.attr for c in (*COLUMNS, *WORKING) if c.source == "journey"}
    taken = {c.name for c in COLUMNS}
    extra = []
    for f in fields.declared().values():
        if not f.recorded or f.name in known:
            continue
        if f.column_name in taken:
            raise ValueError(
                f"{f.owner} declares field {f.name!r} with column {f.column_name!r}, which "
                "the complaint table already has: choose another column name"
            )
        extra.append(Column(f.column_name, f.dtype, "journey", f.name))
    return tuple(extra)


def columns() -> tuple[Column, ...]:
    """Every column the recorders write: :data:`COLUMNS`, then :func:`extra_columns`."""
    return COLUMNS + extra_columns()


ROW_DTYPE = _dtype(JOURNEY, CUSTOMER)
"""One closed complaint as the tally folds it: its journey, its customer's fields, its
hours by pool."""

LOG_DTYPE = _dtype(JOURNEY)
"""One closed complaint as the log keeps it: its journey and hours (the customer's
fields are taken from the customer table a block at a time: :meth:`ComplaintLog.started`)."""


_STARTED_ID = _f("idx")
"""The id of each complaint started, kept with its customer's fields."""


class _Recorder:
    """What both recorders share: the window (complaints from index ``start`` on; the
    arrivals loop sets it when it reaches the first customer arriving after the
    warm-up), the counts of candidates in it that made no complaint, and each closed
    complaint's row (the ``columns`` of a :data:`ROW_DTYPE`-like ``dtype``) packed into
    bytes (:class:`PackedRows`), handed to ``take`` a chunk at a time."""

    collects_started = False
    """Whether the arrivals loop hands over the complaints each block started
    (:meth:`ComplaintLog.started`)."""

    def __init__(
        self, take: Callable[[np.ndarray], None], columns: tuple[Column, ...], dtype: np.dtype
    ) -> None:
        self.start = sys.maxsize
        self.prevented = 0  # complaints in the window prevented by a root-cause fix
        self.not_made = 0  # candidates in the window that were no complaint (customer_base)
        declared = fields.declared()
        # the fields declared as class defaults (most complaints never write them) are
        # sparse; slots and the customer's table values are packed for every complaint
        sparse = {
            c.name: (c.attr, declared[c.attr].default)
            for c in columns
            if c.attr in declared and not declared[c.attr].slot
        }
        dense = [c.attr for c in columns if c.name not in sparse]
        self._rows = PackedRows(dense, "hours", dtype, take, sparse)
        self.add = self._rows.add
        """Write a complaint whatever its index (the model checks the window)."""

    def record(self, c: Customer) -> None:
        """Write a closed (or, at the end of the run, still open) complaint."""
        if c.idx >= self.start:
            self.add(c)

    def started(
        self, block: Population, lo: int, idx: list[int], rows: list[int], memory: Memory | None
    ) -> None:
        """The complaints a block of the customer table started (see
        :meth:`ComplaintLog.started`); nothing to keep here."""


class ComplaintLog(_Recorder):
    """Every complaint that arrives after the warm-up, one row each
    (``run.records=true``).

    A closed complaint's journey is packed into a row; the rows are kept as packed
    chunks, and :meth:`finalise` puts them in complaint order as columns. Its customer's
    fields are taken from the customer table for all the complaints a block started at
    once, as the arrivals loop leaves the block (:meth:`started`): a vectorised copy of
    the complaints' rows, where reading eleven attributes of every closing complaint
    cost several per cent of the time of a run of short complaints. Memory: the rows and customer
    fields of the complaints, and nothing per candidate (a candidate that is no
    complaint, or a complaint prevented by a root-cause fix, has neither), so the
    customer table is read a block at a time as without records. The derived columns are
    added by the analysis layer (:mod:`escalationsim.analysis.complaints`).
    """

    collects_started = True

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        # The customer fields of the complaints started, as bytes, one growing array per
        # column: a few large buffers, which the allocator grows in place, where many
        # small arrays (one per block) lasting the whole run left the heap too
        # fragmented to reuse, about 70 MB more resident at 10^6 complaints.
        self._customers = {col.name: array("B") for col in (_STARTED_ID, *CUSTOMER)}
        kept_columns = JOURNEY + extra_columns()
        self._dtype = _dtype(kept_columns) if len(kept_columns) > len(JOURNEY) else LOG_DTYPE
        super().__init__(self._chunks.append, kept_columns, self._dtype)
        self.columns: dict[str, np.ndarray] = {}

    def started(
        self, block: Population, lo: int, idx: list[int], rows: list[int], memory: Memory | None
    ) -> None:
        """Keep the customer fields of the complaints ``idx`` (in arrival order) that the
        block of the customer table starting at complaint index ``lo`` started: their
        table rows, except what a customer who remembers keeps, read from the customer
        base's ``memory`` at their ``rows`` (a first complaint's row holds its own
        values)."""
        ids = np.asarray(idx, dtype=np.int64)
        window = ids >= self.start
        ids = ids[window]
        at = ids - lo
        kept = self._customers
        kept[_STARTED_ID.name].frombytes(ids.tobytes())
        # the memory rows of the complaints in the window (read once for every kept column)
        remembered = np.asarray(rows, dtype=np.int64)[window] if memory is not None else ids
        for col in CUSTOMER:
            if memory is not None and col.remembered:
                values = memory.values(col.table, remembered)
            else:
                values = getattr(block, col.table)[at]
            kept[col.name].frombytes(values.astype(col.dtype, copy=False).tobytes())

    def finalise(self) -> None:
        """Every recorded complaint's columns (its journey, its customer's and its churn
        uniform ``u_churn``), in complaint order. Each chunk of rows is scattered into
        the columns and dropped in turn, so the rows are held about once, not twice."""
        self._rows.flush()
        chunks, self._chunks = self._chunks, []
        ids = np.concatenate([ch["complaint_id"] for ch in chunks] or [np.zeros(0, np.int64)])
        if len(ids) and ids.max() - ids.min() == len(ids) - 1:  # consecutive ids: no sort
            pos = ids - ids.min()  # each row's place in complaint order
        else:  # (ids are unique: a complaint is recorded once)
            pos = np.empty(len(ids), dtype=np.int64)
            pos[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        del ids
        dtype = self._dtype
        cols = {name: np.empty(len(pos), dtype=dtype[name]) for name in dtype.names}
        chunks.reverse()
        lo = 0
        while chunks:
            chunk = chunks.pop()
            at = pos[lo : lo + len(chunk)]
            for name, col in cols.items():
                col[at] = chunk[name]
            lo += len(chunk)
        kept = self._customers

        def take(col: Column) -> np.ndarray:
            """The column as a numpy array of its own, its buffer freed."""
            return np.frombuffer(kept.pop(col.name), dtype=col.dtype).copy()

        # the customer fields are in arrival order, that is complaint order: they line up
        # with the rows if every complaint recorded was started, and the reverse
        if not np.array_equal(take(_STARTED_ID), cols["complaint_id"]):
            raise RuntimeError("the complaints recorded are not the complaints started")
        for col in CUSTOMER:
            cols[col.name] = take(col)
        self.columns = cols

    def __len__(self) -> int:
        if self.columns:
            return len(self.columns["complaint_id"])
        return sum(len(ch) for ch in self._chunks) + self._rows.buffered


class ComplaintTally(_Recorder):
    """Aggregates only (``run.records=false``): each chunk of closed complaints, with
    their customers' fields read from the closing :class:`Customer`, is handed to
    ``fold`` (the analysis layer's streaming summary) and dropped, so memory does not
    grow with the horizon."""

    def __init__(self, fold: Callable[[dict[str, np.ndarray]], None]) -> None:
        extra = extra_columns()
        self._dtype = _dtype(JOURNEY, extra, CUSTOMER) if extra else ROW_DTYPE
        super().__init__(self._take, (*JOURNEY, *extra, *CUSTOMER), self._dtype)
        self.fold = fold
        self.n = 0

    def _take(self, chunk: np.ndarray) -> None:
        self.fold({name: chunk[name] for name in self._dtype.names})
        self.n += len(chunk)

    def finalise(self) -> None:
        self._rows.flush()

    def __len__(self) -> int:
        return self.n + self._rows.buffered
