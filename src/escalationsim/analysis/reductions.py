"""Declared reductions: the totals over a run's complaints that KPIs are computed from.

A reduction has a name, the complaint columns it reads and a function from those columns
(numpy arrays, one entry per complaint) to one number: a sum, or a count of the
complaints that meet a condition. Every one adds up over disjoint sets of complaints, so
one declaration serves both summaries of a run: the exact one over every complaint's row
and the streamed one that folds closed complaints a block at a time
(``run.records=false``). A KPI names the reductions it reads (:mod:`.outcomes`), and
the KPI registry checks at start-up that each is declared here.

A new reduction is one :func:`register` call (a plugin's too); a name declared twice is
refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from escalationsim.engine import channels
from escalationsim.engine.staff import HOUR_COLUMNS
from escalationsim.kernel.codes import DENIED, NO_ANSWER, RESOLVED, Status

Columns = Mapping[str, np.ndarray]

SERVICE_LEVEL_S = 20.0
"""Threshold of the reported phone service level, seconds."""


@dataclass(frozen=True)
class Reduction:
    """One total over complaints: ``reduce(cols)`` reads only ``columns``."""

    name: str
    reduce: Callable[[Columns], float]
    doc: str
    columns: tuple[str, ...]


def summed(col: str, doc: str = "") -> Reduction:
    """The sum of column ``col`` (a count for a 0/1 column)."""
    return Reduction(col, lambda c: float(np.sum(c[col])), doc or f"sum of `{col}`", (col,))


def counted(
    name: str, doc: str, columns: tuple[str, ...], where: Callable[[Columns], np.ndarray]
) -> Reduction:
    """The number of complaints for which ``where(cols)`` is true."""
    return Reduction(name, lambda c: float(np.count_nonzero(where(c))), doc, columns)


def _b(cols: Columns, name: str) -> np.ndarray:
    return np.asarray(cols[name], dtype=bool)


def _resolved(c: Columns) -> np.ndarray:
    return c["status"] == Status.resolved


def _first_call_done(c: Columns) -> np.ndarray:
    """First calls that finished (answered or abandoned)."""
    return ~np.isnan(c["first_call_wait_h"])


def _claim(c: Columns) -> np.ndarray:
    return _b(c, "needs_exception")


def _weak(c: Columns) -> np.ndarray:
    return _claim(c) & _b(c, "claim_weak")


def _legit(c: Columns) -> np.ndarray:
    return _claim(c) & ~_b(c, "claim_weak")


def _letter(c: Columns, before: str) -> np.ndarray:
    """Letters answered at the CEO's inbox whose complaint customer service had
    ``before`` (refused, or never answered); a letter whose writer gave up waiting was
    not answered."""
    outcome = c["ceo_outcome"]
    return (outcome >= 0) & (outcome != NO_ANSWER) & _b(c, before)


def _repeat_first(c: Columns, channel: str) -> np.ndarray:
    return (c["complaint_seq"] > 1) & (c["first_channel"] == channels.code(channel))


_FIRST_CALL = ("first_call_wait_h", "first_call_abandoned")
_CLAIM = ("needs_exception", "claim_weak")

_STATIC: tuple[Reduction, ...] = (
    summed("cost_staff", "busy staff cost of the complaints (USD)"),
    summed("cost_ceo", "CEO time spent on the complaints (USD)"),
    summed("compensation", "value of the exceptions granted (USD)"),
    summed("cost_churn", "churn cost as charged (USD)"),
    summed("cost_churn_lifetime", "churned customers' lifetime value (USD)"),
    summed("cost_churn_incremental", "churn beyond baseline attrition (USD)"),
    summed("cost_publicity", "cost of the negative impressions (USD)"),
    summed("penalty", "deadline fines (USD)"),
    summed("cost_ombudsman", "cost of the ombudsman's cases (USD)"),
    summed("ombudsman_case", "refused claims taken to an ombudsman"),
    summed("ombudsman_upheld", "ombudsman cases upheld"),
    *(summed(h, f"handling hours, `{h}`") for h in HOUR_COLUMNS),
    summed("contacts", "contacts (calls, emails, posts, letters)"),
    summed("calls", "phone calls"),
    summed("abandoned_calls", "phone calls abandoned"),
    summed("calls_answered", "phone calls answered"),
    summed("answer_wait_h", "hours the answered phone calls waited"),
    summed("posts", "public posts"),
    summed("posts_answered", "public posts answered"),
    summed("deadline_breaches", "CEO letters answered past the deadline"),
    summed("ceo_letters", "letters to the CEO's inbox"),
    summed("ceo_personal", "CEO letters the CEO answered personally"),
    summed("ceo_handed", "CEO letters handed to the office, not reached in time"),
    summed("ceo_abandoned", "CEO letters whose writer gave up waiting"),
    summed("impressions", "negative impressions"),
    summed("tracked", "complaints all of whose contacts were ticketed"),
    summed("churned", "complaints whose customer churned"),
    summed("backoffice", "resolutions that needed back-office work"),
    summed("chases", "contacts chasing back-office work"),
    summed("switched", "complaints that switched between phone and email"),
    summed("roulettes", "asks for another rep after a no"),
    summed("emails_unanswered", "emails whose writer stopped waiting for an answer"),
    summed("fixed_quickly", "complaints fixed within `churn.quick_resolution_h`"),
    summed("lost_follow_up", "promises made without a ticket and lost"),
    counted("resolved", "complaints resolved", ("status",), _resolved),
    counted(
        "first_contact_resolved",
        "complaints resolved at their first contact",
        ("status", "contacts"),
        lambda c: _resolved(c) & (c["contacts"] == 1),
    ),
    counted("gave_up", "complaints given up", ("status",), lambda c: c["status"] == Status.gave_up),
    counted("open", "complaints still open", ("status",), lambda c: c["status"] == Status.open),
    counted(
        "ceo_waits",
        "CEO-channel answers (or letters unanswered at the end)",
        ("ceo_wait_h",),
        lambda c: ~np.isnan(c["ceo_wait_h"]),
    ),
    Reduction(
        "ceo_wait_h",
        lambda c: float(np.sum(c["ceo_wait_h"][~np.isnan(c["ceo_wait_h"])])),
        "hours waited for a CEO-channel answer",
        ("ceo_wait_h",),
    ),
    counted(
        "first_calls",
        "first calls finished (answered or abandoned)",
        _FIRST_CALL[:1],
        _first_call_done,
    ),
    Reduction(
        "first_call_wait_h",
        lambda c: float(np.sum(c["first_call_wait_h"][_first_call_done(c)])),
        "hours waited on first calls",
        _FIRST_CALL[:1],
    ),
    counted(
        "first_calls_waited",
        "first calls that waited at all",
        _FIRST_CALL[:1],
        lambda c: c["first_call_wait_h"][_first_call_done(c)] > 0,
    ),
    counted(
        "first_calls_abandoned",
        "first calls abandoned",
        _FIRST_CALL,
        lambda c: c["first_call_abandoned"][_first_call_done(c)],
    ),
    counted(
        "first_calls_in_service_level",
        f"first calls answered within {SERVICE_LEVEL_S:g} s",
        _FIRST_CALL,
        lambda c: (
            ~c["first_call_abandoned"][_first_call_done(c)]
            & (c["first_call_wait_h"][_first_call_done(c)] <= SERVICE_LEVEL_S / 3600.0)
        ),
    ),
    counted("claims", "complaints needing an exception", _CLAIM[:1], _claim),
    counted("claims_weak", "exception claims not owed (weak)", _CLAIM, _weak),
    counted("claims_legit", "exception claims owed (legitimate)", _CLAIM, _legit),
    counted(
        "weak_granted",
        "weak claims granted",
        (*_CLAIM, "granted"),
        lambda c: _weak(c) & _b(c, "granted"),
    ),
    Reduction(
        "weak_paid",
        lambda c: float(np.sum(c["compensation"][_weak(c)])),
        "value of the weak claims granted (USD)",
        (*_CLAIM, "compensation"),
    ),
    counted(
        "legit_refused",
        "legitimate claims never granted",
        (*_CLAIM, "granted"),
        lambda c: _legit(c) & ~_b(c, "granted"),
    ),
    Reduction(
        "claim_contacts",
        lambda c: float(np.sum(c["contacts"][_claim(c)])),
        "contacts of the complaints needing an exception",
        (*_CLAIM[:1], "contacts"),
    ),
    Reduction(
        "claim_chases",
        lambda c: float(np.sum(c["chases"][_claim(c)])),
        "chases of the complaints needing an exception",
        (*_CLAIM[:1], "chases"),
    ),
    counted(
        "letters_refused",
        "CEO letters answered whose complaint customer service had refused",
        ("ceo_outcome", "cs_refused_before_ceo"),
        lambda c: _letter(c, "cs_refused_before_ceo"),
    ),
    counted(
        "letters_refused_no",
        "of those, letters answered no",
        ("ceo_outcome", "cs_refused_before_ceo"),
        lambda c: _letter(c, "cs_refused_before_ceo") & (c["ceo_outcome"] == DENIED),
    ),
    counted(
        "letters_unanswered",
        "CEO letters answered whose complaint customer service never answered",
        ("ceo_outcome", "cs_unanswered_before_ceo"),
        lambda c: _letter(c, "cs_unanswered_before_ceo"),
    ),
    counted(
        "letters_unanswered_resolved",
        "of those, letters that resolved the complaint",
        ("ceo_outcome", "cs_unanswered_before_ceo"),
        lambda c: _letter(c, "cs_unanswered_before_ceo") & (c["ceo_outcome"] == RESOLVED),
    ),
    # a customer who writes again may be late twice: the share counts writers, not letters
    counted(
        "late_letter_writers",
        "CEO letter writers answered past the deadline at least once",
        ("deadline_breaches",),
        lambda c: c["deadline_breaches"] != 0,
    ),
    counted(
        "owner_assigned",
        "complaints given a named owner",
        ("owner_assigned",),
        lambda c: _b(c, "owner_assigned"),
    ),
    counted(
        "repeats",
        "repeat complaints (a customer's second or later)",
        ("complaint_seq",),
        lambda c: c["complaint_seq"] > 1,
    ),
    counted(
        "repeats_social_first",
        "repeat complaints that started on social",
        ("complaint_seq", "first_channel"),
        lambda c: _repeat_first(c, "social"),
    ),
    counted(
        "repeats_ceo_first",
        "repeat complaints that started at the CEO's inbox",
        ("complaint_seq", "first_channel"),
        lambda c: _repeat_first(c, "ceo"),
    ),
)

_REGISTERED: dict[str, Reduction] = {}


def _ladder() -> list[Reduction]:
    """Per escalation channel of the channel registry: complaints that reached it, and
    that escalated to it from another channel."""
    ladder = [c.name for c in channels.channel_classes() if c.ladder_step is not None]
    return [
        *(summed(f"reached_{n}", f"complaints that reached {n}") for n in ladder),
        *(summed(f"escalated_{n}", f"complaints that escalated to {n}") for n in ladder),
    ]


def reductions() -> dict[str, Reduction]:
    """Every declared reduction by name: the project's, one pair per escalation channel,
    and those registered (by plugins)."""
    out: dict[str, Reduction] = {}
    for r in (*_STATIC, *_ladder(), *_REGISTERED.values()):
        if r.name in out:
            raise ValueError(f"reduction {r.name!r} is declared twice")
        out[r.name] = r
    return out


def register(r: Reduction) -> Reduction:
    """Declare a reduction (e.g. a plugin's own column's total); a name already declared
    is a ValueError."""
    if r.name in reductions():
        raise ValueError(f"reduction {r.name!r} is already declared")
    _REGISTERED[r.name] = r
    return r


@contextmanager
def registered(*new: Reduction) -> Iterator[None]:
    """Register reductions for the duration of a ``with`` block (tests, notebooks)."""
    for r in new:
        register(r)
    try:
        yield
    finally:
        for r in new:
            _REGISTERED.pop(r.name, None)


def column_sums(cols: Columns) -> dict[str, float]:
    """Every declared reduction over the complaints in ``cols``."""
    return {name: r.reduce(cols) for name, r in reductions().items()}


def columns_read() -> tuple[str, ...]:
    """The complaint columns the reductions read, each once, in order of first use."""
    return tuple(dict.fromkeys(col for r in reductions().values() for col in r.columns))


__all__ = [
    "SERVICE_LEVEL_S",
    "Columns",
    "Reduction",
    "column_sums",
    "columns_read",
    "counted",
    "reductions",
    "register",
    "registered",
    "summed",
]
