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
    "claim_weak",
    "customer_id",
    "u_accept",
    "u_first",
    "u_public",
)
"""The customer-table columns (engine.population.Population) a Customer is built from,
in the order of its constructor's arguments after ``idx``."""


class Customer:
    """One complaint: the customer's attributes and what has happened to it so far."""

    __slots__ = (
        "idx",
        "arrival",
        "followers",
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
        "first_channel",
        "final_channel",
        "contacts",
        "tried",
        "status",
        "resolved_by",
        "resolved_at",
        "compensation",
        "hours",
        "impressions",
        "penalty",
        "abandoned_calls",
        "calls",
        "posts",
        "posts_answered",
        "deadline_breaches",
        "first_call_wait_h",
        "first_call_abandoned",
        "draws",
        "row",
        "nu",
        "nz",
        "ceo_since",
        "ceo_wait_h",
        "last_outcome",
        "backoffice",
        "chases",
        "switched",
        "roulettes",
        "first_post_wait_h",
        "claim_weak",
        "granted",
        "rep",
        "outcomes",
        "cs_refused_before_ceo",
        "cs_unanswered_before_ceo",
        "ceo_outcome",
        "owner",
        "lost_follow_up",
        "customer_id",
        "u_accept",
        "u_first",
        "u_public",
        "complaint_seq",
        "memory",
    )

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
        claim_weak: bool,
        customer_id: int,
        u_accept: float,
        u_first: float,
        u_public: float,
        draws: np.ndarray,
        row: int,
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
        self.compensation = 0.0
        self.hours = [0.0] * HOUR_SLOTS  # by staff pool (engine.staff.POOLS), then audits
        self.impressions = 0.0
        self.penalty = 0.0
        self.abandoned_calls = 0
        self.calls = 0
        self.posts = 0
        self.posts_answered = 0
        self.deadline_breaches = 0
        self.first_call_wait_h = NAN  # time in the phone queue on the first call
        self.first_call_abandoned = False
        self.ceo_since = -1.0  # when the pending CEO-channel contact began (-1: none)
        self.ceo_wait_h = NAN  # time from writing to the CEO to the final answer
        self.last_outcome = -1  # outcome code of the latest finished contact (kernel.codes)
        self.backoffice = False  # the resolution needed back-office work (engine.backoffice)
        self.chases = 0  # contacts chasing back-office work
        self.switched = False  # switched between phone and email after a failure
        self.roulettes = 0  # times asked again after a rep's "no", hoping for another rep
        self.first_post_wait_h = NAN  # time from the first public post to its answer
        self.claim_weak = claim_weak  # the exception claimed is not owed (engine.judgement)
        self.granted = False  # an exception was granted
        self.rep = -1  # the rep who decided the claim (engine.judgement), -1: none
        self.outcomes = 0  # bit mask of the outcome codes of the contacts so far
        self.cs_refused_before_ceo = False  # customer service said "no" before the CEO letter
        self.cs_unanswered_before_ceo = False  # contacted customer service, never answered
        self.ceo_outcome = -1  # outcome code of the CEO-channel contact (-1: none finished)
        self.owner = False  # a named owner with a direct line took the case (policy/ceo.py)
        self.lost_follow_up = False  # a promise made without a ticket was lost
        # Customers who remember (engine.customer_base): whose complaint this is (-1: a
        # new customer's, made the complaint's id at arrival), its number among theirs,
        # the customer's memory, and the uniforms that decide whether it happens and
        # where it starts.
        self.customer_id = customer_id
        self.complaint_seq = 1
        self.memory = None
        self.u_accept = u_accept
        self.u_first = u_first
        self.u_public = u_public  # decides whether publicity sends it to social first
