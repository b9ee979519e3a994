"""A complaining customer: their attributes (a row of the customer table) and what has
happened to their complaint so far. The journey that moves them is in :mod:`.journey`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalationsim.engine.staff import HOUR_SLOTS
from escalationsim.kernel.codes import (
    ROLE_NONE,
    STATUS_OPEN,
)
from escalationsim.kernel.rng import N_UNIFORM
from escalationsim.kernel.sparse import Field, SparseRecord

if TYPE_CHECKING:
    import numpy as np


NAN = float("nan")

FROM_TABLE: tuple[str, ...] = (
    "arrival_h",
    "followers",
    "first_channel",
    "uses_social",
    "knows_ceo",
    "persistence",
    "patience",
    "needs_exception",
    "exception_value",
    "clv",
    "u_churn",
    "cause",
    "u_direct",
    "u_prevent",
    "u_ombudsman",
)
"""The customer-table columns (engine.population.Population) a Customer is built from,
in the order of its constructor's arguments after ``idx``."""

LATER: tuple[str, ...] = ("claim_weak",)
"""Customer-table columns passed after the private row (``draws``, ``row``), always."""

REMEMBERING: tuple[str, ...] = ("customer_id", "u_accept", "u_first", "u_public")
"""Customer-table columns passed after :data:`LATER` only when customers remember or
publicity spreads (otherwise the defaults: a new customer each time, no uniforms
needed)."""


BUILT: tuple[str, ...] = (
    "arrival",
    "followers",
    "uses_social",
    "persistence",
    "patience",
    "needs_exception",
    "exception_value",
    "clv",
    "u_churn",
    "cause",
    "u_direct",
    "u_prevent",
    "u_ombudsman",
    "preferred_channel",
    "hours",
    "draws",
    "row",
    "nu",
    "nz",
    "outcomes",
    "claim_weak",
    "u_accept",
    "u_first",
    "u_public",
)
"""Slots of a :class:`Customer` that are no journey column: its customer-table values
(the complaint table takes them from the table), its hours by pool (columns of their
own) and its working state."""

DENSE: tuple[Field, ...] = (
    Field("idx", "i8", -1, "the complaint's id", "customer", "complaint_id", slot=True),
    Field(
        "customer_id",
        "i8",
        -1,
        "whose complaint it is (a new customer's: the complaint's id)",
        "customer",
        slot=True,
    ),
    Field("first_channel", "i1", 0, "the channel the complaint started on", "journey", slot=True),
    Field("final_channel", "i1", 0, "the last channel it reached", "journey", slot=True),
    Field("knows_ceo", "?", False, "the customer knows the CEO's address", "customer", slot=True),
    Field("contacts", "i4", 0, "contacts made", "journey", slot=True),
    Field("calls", "i4", 0, "phone calls made", "channels.phone", slot=True),
    Field("status", "i1", STATUS_OPEN, "open, resolved or gave up", "journey", slot=True),
    Field("last_outcome", "i1", -1, "the outcome of its last contact", "journey", slot=True),
    Field("resolved_by", "i1", ROLE_NONE, "who resolved it (a role)", "context", slot=True),
    Field(
        "first_call_wait_h",
        "f8",
        NAN,
        "time in the phone queue on the first call",
        "channels.phone",
        slot=True,
    ),
    Field(
        "first_call_abandoned",
        "?",
        False,
        "the first call was abandoned while waiting",
        "channels.phone",
        slot=True,
    ),
    Field("resolved_at", "f8", NAN, "when it was resolved (NaN: not)", "context", slot=True),
    Field(
        "tried", "u1", 0, "the channels it reached, a bit per channel code", "journey", slot=True
    ),
)
"""The journey fields every complaint sets when it is built and changes on most
contacts: slots of :class:`Customer` (dense columns of the complaint record, packed for
every complaint), declared by :mod:`escalationsim.engine.fields` when it is imported;
the rarely-written ones are declared as class defaults by the modules that write
them."""


OFTEN: dict[str, object] = {
    "calls_answered": 0,
    "answer_wait_h": 0.0,
    "complaint_seq": 1,
    "memory": None,
}
"""Fields declared by the modules that write them (the phone, the customer base) that
most complaints write: slots of :class:`Customer`, set to these defaults when it is
built, rather than class defaults whose first write creates the complaint's
``__dict__`` (every answered call writes two, every complaint of a customer who
remembers the other two). Speed: a complaint that writes nothing else has no
``__dict__`` and its row packs no sparse value (a few percent of a run). Their
declarations say ``slot=True`` with these defaults (:func:`.fields.declare` checks)."""


class Customer(SparseRecord):
    """One complaint: the customer's attributes and what has happened to it so far.

    Speed: a Customer is built for every complaint, so what most complaints never change
    is not set in ``__init__``: it is a class attribute (the default), read through the
    instance until a complaint sets its own value (the kernel's
    :class:`~escalationsim.kernel.sparse.SparseRecord`). Those fields are declared by the
    code that writes them (:mod:`escalationsim.engine.fields`), which sets the class
    default: the channels (posts, calls abandoned, the CEO's inbox), the run context
    (compensation, impressions, grants), the back office, the journey, the reps'
    judgement and the customer base. The fields in ``__slots__`` are set for every
    complaint.
    """

    __slots__ = (*BUILT, *(f.name for f in DENSE), *OFTEN)

    def __init__(
        self,
        idx: int,
        arrival: float,
        followers: int,
        first_channel: int,
        uses_social: bool,
        knows_ceo: bool,
        persistence: float,
        patience: float,
        needs_exception: bool,
        exception_value: float,
        clv: float,
        u_churn: float,
        cause: int,
        u_direct: float,
        u_prevent: float,
        u_ombudsman: float,
        draws: np.ndarray,
        row: int,
        claim_weak: bool = False,
        customer_id: int = -1,
        u_accept: float = 0.0,
        u_first: float = 0.0,
        u_public: float = 0.0,
    ) -> None:
        self.idx = idx
        self.arrival = arrival
        self.followers = followers
        self.uses_social = uses_social
        self.knows_ceo = knows_ceo
        self.persistence = persistence
        self.patience = patience
        self.needs_exception = needs_exception
        self.exception_value = exception_value
        self.clv = clv
        self.u_churn = u_churn  # decides churn when the complaint closes (engine.churn)
        self.cause = cause  # the root cause (0: the most frequent)
        self.u_direct = u_direct  # decides whether word of mouth sends it to the CEO first
        self.u_prevent = u_prevent  # decides whether a root-cause fix prevents it
        self.u_ombudsman = u_ombudsman  # decides a refused claim's referral (analysis.complaints)
        self.preferred_channel = first_channel  # the table's; first_channel is where it starts
        self.first_channel = first_channel
        self.final_channel = first_channel
        self.draws = draws  # the block holding the customer's private row (rng.CustomerDraws)
        self.row = row  # and the row's index in it
        self.nu = 0  # uniforms of the row used so far
        self.nz = N_UNIFORM  # column of the row's next normal
        self.contacts = 0
        self.tried = 0  # bit mask of channels contacted
        self.status = STATUS_OPEN
        self.resolved_by = ROLE_NONE
        self.resolved_at = NAN
        self.hours = [0.0] * HOUR_SLOTS  # by staff pool (engine.staff.POOLS), then audits
        self.calls = 0
        self.first_call_wait_h = NAN  # time in the phone queue on the first call
        self.first_call_abandoned = False
        self.last_outcome = -1  # outcome code of the latest finished contact (kernel.codes)
        self.outcomes = 0  # bit mask of the outcome codes of the contacts so far
        self.claim_weak = claim_weak  # the exception claimed is not owed (engine.judgement)
        # Customers who remember (engine.customer_base): whose complaint this is (-1: a
        # new customer's, made the complaint's id at arrival) and the uniforms that
        # decide whether it happens and where it starts.
        self.customer_id = customer_id
        self.u_accept = u_accept
        self.u_first = u_first
        self.u_public = u_public  # decides whether publicity sends it to social first
        # the fields most complaints write (OFTEN), declared by their own modules
        self.calls_answered = 0
        self.answer_wait_h = 0.0
        self.complaint_seq = 1
        self.memory = None
