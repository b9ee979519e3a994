"""Service: whether and how fast complaints are resolved, and what it takes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from escalationsim.analysis.outcomes.base import (
    NONNEG,
    SHARE,
    Family,
    Kpi,
    PerComplaint,
    Share,
    Theme,
    ratio,
)
from escalationsim.engine import channels

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

THEME = Theme("service", "Service")


def _email_share(inp: KpiInputs, name: str) -> float:
    """A counter of the email channel over the emails that reached the queue."""
    counters = inp.result.counters
    return ratio(counters.get(name, 0.0), counters.get("emails_queued", 0.0))


RESOLUTION: list[Kpi | Family] = [
    Kpi(
        "resolution_rate",
        PerComplaint("resolved"),
        "resolution rate",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 1, "paired": 1},
        direction="higher",
        doc="resolved / complaints",
    ),
    Kpi(
        "first_contact_resolution",
        PerComplaint("first_contact_resolved"),
        "first-contact resolution",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 2},
        direction="higher",
        doc="resolved at the first contact / complaints",
    ),
    Kpi(
        "gave_up_rate",
        PerComplaint("gave_up"),
        "gave up",
        "share",
        "{:.1%}",
        SHARE,
        doc="complaints whose customer gave up / complaints",
    ),
    Kpi(
        "open_rate",
        PerComplaint("open"),
        "still open at the end",
        "share",
        "{:.1%}",
        SHARE,
        doc="complaints still open at the end of the run / complaints",
    ),
    Kpi(
        "contacts_per_complaint",
        PerComplaint("contacts"),
        "contacts per complaint",
        "contacts",
        "{:.2f}",
        NONNEG,
        doc="contacts (calls, emails, posts, letters, including abandoned ones) / complaints",
    ),
]


def _channel_median(inp: KpiInputs, name: str) -> float:
    """Kaplan-Meier median time to resolution of the complaints first made on channel
    ``name`` (the unresolved censored); NaN if there are none."""
    g = inp.stats.channels.get(channels.code(name))
    return g.survival.quantile(0.5) if g is not None else math.nan


_KM_DOC = (
    "median and 90th percentile of the time from arrival to resolution over **every** "
    "measured complaint: the Kaplan-Meier estimate, a complaint never resolved (gave up, "
    "refused for good, still open) right-censored at the end of the run (horizon plus "
    'drain). +inf, shown "not reached", when the estimate never gets there: a median '
    "where fewer than half were resolved, a P90 where fewer than 90% were (survival "
    "analysis's convention: never a number). These are the headline's times to resolution"
)
_RESOLVED_DOC = (
    "the same times over the resolved complaints only: a policy that resolves only its "
    "easy cases looks fast here; the service target `targets.ttr_p90_max_h` is checked "
    "against `ttr_p90_h_resolved`"
)

SPEED: list[Kpi | Family] = [
    Kpi(
        "ttr_median_h_all",
        lambda inp, row: inp.stats.survival.quantile(0.5),
        "median time to resolution (h)",
        "h",
        "{:,.2f}",
        NONNEG,
        views={"headline": 3, "paired": 4, "sweep": 2},
        plot_label="median time to resolution, unresolved censored (h)",
        censored=True,
        doc=_KM_DOC,
    ),
    Kpi(
        "ttr_p90_h_all",
        lambda inp, row: inp.stats.survival.quantile(0.9),
        "P90 time to resolution (h)",
        "h",
        "{:,.1f}",
        NONNEG,
        views={"headline": 4},
        censored=True,
        doc=_KM_DOC,
    ),
    Kpi(
        "ttr_mean_h_resolved",
        lambda inp, row: inp.stats.ttr.mean(),
        "mean time to resolution, resolved complaints only (h)",
        "h",
        "{:,.2f}",
        NONNEG,
        doc=_RESOLVED_DOC,
    ),
    Kpi(
        "ttr_median_h_resolved",
        lambda inp, row: inp.stats.ttr.quantile(0.5),
        "median time to resolution, resolved complaints only (h)",
        "h",
        "{:,.2f}",
        NONNEG,
        doc=_RESOLVED_DOC,
    ),
    Kpi(
        "ttr_p90_h_resolved",
        lambda inp, row: inp.stats.ttr.quantile(0.9),
        "P90 time to resolution, resolved complaints only (h)",
        "h",
        "{:,.1f}",
        NONNEG,
        doc=_RESOLVED_DOC,
    ),
    Kpi(
        "phone_abandon_rate",
        Share("abandoned_calls", "calls"),
        "phone calls abandoned",
        "share",
        "{:.1%}",
        SHARE,
        views={"sweep": 7},
        plot_label="share of phone calls abandoned",
        doc="abandoned calls / calls",
    ),
    Kpi(
        "phone_asa_s",
        lambda inp, row: ratio(inp.sums["answer_wait_h"], inp.sums["calls_answered"]) * 3600.0,
        "average speed of answer, answered calls (s)",
        "s",
        "{:.1f}",
        NONNEG,
        queues=("reps",),
        reads=("answer_wait_h", "calls_answered"),
        doc="average answer time of the answered phone calls of the measured complaints "
        "(retries included; abandoned calls and chases of back-office work excluded), "
        "seconds",
    ),
    Kpi(
        "phone_wait_mean_min",
        lambda inp, row: ratio(inp.sums["first_call_wait_h"], inp.sums["first_calls"]) * 60.0,
        "mean wait on a first call (min)",
        "min",
        "{:.2f}",
        NONNEG,
        queues=("reps",),
        reads=("first_call_wait_h", "first_calls"),
        doc="mean time in the phone queue of first calls (answered or abandoned), minutes",
    ),
    Kpi(
        "email_ttr_median_h",
        lambda inp, row: _channel_median(inp, "email"),
        "median time to resolution, complaints first emailed (h)",
        "h",
        "{:,.1f}",
        NONNEG,
        views={"sweep": 8},
        plot_label="median time to resolution, emails (h)",
        censored=True,
        doc="Kaplan-Meier median time to resolution of the complaints first made by email "
        "(the unresolved censored, as above)",
    ),
    Kpi(
        "ttr_median_h_exception",
        lambda inp, row: (
            inp.stats.exception.survival.quantile(0.5)
            if inp.stats.exception is not None
            else math.nan
        ),
        "median time to resolution, complaints needing an exception (h)",
        "h",
        "{:,.1f}",
        NONNEG,
        censored=True,
        doc="Kaplan-Meier median time to resolution of the complaints that needed an exception",
    ),
    Kpi(
        "fixed_quickly_share",
        PerComplaint("fixed_quickly"),
        "fixed quickly (within churn.quick_resolution_h)",
        "share",
        "{:.1%}",
        SHARE,
        direction="higher",
        doc="share of complaints resolved within `churn.quick_resolution_h` (TARP's "
        '"fixed quickly")',
    ),
    Kpi(
        "backoffice_share",
        PerComplaint("backoffice"),
        "resolutions needing back-office work",
        "share",
        "{:.1%}",
        SHARE,
        doc="share of complaints whose resolution needed back-office work",
    ),
    Kpi(
        "chases_per_complaint",
        PerComplaint("chases"),
        "chases of back-office work per complaint",
        "contacts",
        "{:.3f}",
        NONNEG,
        doc="contacts chasing back-office work, per complaint",
    ),
    Kpi(
        "switch_rate",
        PerComplaint("switched"),
        "switched between phone and email",
        "share",
        "{:.1%}",
        SHARE,
        doc="share of complaints that switched between phone and email",
    ),
    Kpi(
        "emails_unanswered_rate",
        PerComplaint("emails_unanswered"),
        "emails whose writer stopped waiting (per complaint)",
        "emails",
        "{:.3f}",
        NONNEG,
        doc="emails whose writer stopped waiting for an answer (then chased, switched, "
        "escalated or gave up), per complaint",
    ),
    *(
        Kpi(
            f"emails_{what}_share",
            (lambda n: lambda inp, row: _email_share(inp, n))(f"emails_{what}"),
            label,
            "share",
            "{:.1%}",
            SHARE,
            counters=(f"emails_{what}", "emails_queued"),
            direction=direction,
            doc=doc,
        )
        for what, direction, label, doc in (
            (
                "answered_late",
                "lower",
                "emails answered after their writer had moved on",
                "emails a rep answered after their writer had stopped waiting (moved to "
                "another channel, up the ladder or away) / emails that reached the queue: "
                "the backlog's work no one waits for (`channels.email.keep_unanswered`)",
            ),
            (
                "merged",
                "none",  # fewer chasers waiting, or a faster backlog: neither is a worth
                "emails answered with the writer's chaser",
                "emails whose writer had stopped waiting and was waiting on a chaser by "
                "email when a rep reached them, answered with it / emails that reached "
                "the queue",
            ),
            (
                "withdrawn",
                "none",  # resolved elsewhere first: says where the work went, not its worth
                "emails withdrawn from the backlog unanswered",
                "emails withdrawn unanswered / emails that reached the queue: the "
                "complaint was resolved before a rep reached them, or (`keep_unanswered` "
                "off, the first version) their writer stopped waiting",
            ),
        )
    ),
    Kpi(
        "roulette_rate",
        PerComplaint("roulettes"),
        "asks again for another rep after a no (per complaint)",
        "contacts",
        "{:.3f}",
        NONNEG,
        doc='times customers asked again for another rep after a "no", per complaint',
    ),
]

FOLLOW_UP: list[Kpi | Family] = [
    Kpi(
        "lost_follow_up_rate",
        PerComplaint("lost_follow_up"),
        "promises made without a ticket and lost",
        "share",
        "{:.2%}",
        SHARE,
        doc="share of complaints whose back-office work, promised on a channel without "
        "tickets, was lost (`scenario.follow_ups`)",
    ),
]

_REPLY_DOC = (
    "median minutes from a customer's first public post to the team's answer, for the "
    "authors in the {who} of the run's complainants by followers (by rank; with records "
    "off, those {cut} of the configured follower distribution): the Kaplan-Meier median "
    "over the posts queued for an answer, an author who gave up waiting censored at that "
    "time, so it is the reply time had nobody given up; posts the triage chose not to "
    "answer are not counted (their share is `social_answer_rate`'s complement), nor posts "
    "still queued when the run ends. +inf when the estimate never reaches half, NaN with "
    "no such post"
)


def _reply_median_min(key: str) -> Callable[[KpiInputs, dict[str, Any]], float]:
    def formula(inp: KpiInputs, row: dict[str, Any]) -> float:
        s = inp.stats.replies.get(key)
        return s.quantile(0.5) * 60.0 if s is not None else math.nan

    return formula


SOCIAL: list[Kpi | Family] = [
    Kpi(
        "social_answer_rate",
        Share("posts_answered", "posts"),
        "public posts answered",
        "share",
        "{:.1%}",
        SHARE,
        direction="higher",
        doc="posts answered / posts",
    ),
    Kpi(
        "social_reply_median_min_top1",
        _reply_median_min("top1"),
        "median reply to a post, top 1% by followers (min)",
        "min",
        "{:,.1f}",
        NONNEG,
        direction="lower",
        censored=True,
        doc=_REPLY_DOC.format(who="top 1%", cut="at or above the 99th percentile"),
    ),
    Kpi(
        "social_reply_median_min_bottom50",
        _reply_median_min("bottom50"),
        "median reply to a post, bottom half by followers (min)",
        "min",
        "{:,.1f}",
        NONNEG,
        direction="lower",
        censored=True,
        doc=_REPLY_DOC.format(who="bottom half", cut="below the median"),
    ),
]

AUDIT_AND_CHURN: list[Kpi | Family] = [
    Kpi(
        "audit_coverage",
        PerComplaint("tracked"),
        "audit-trail coverage",
        "share",
        "{:.0%}",
        SHARE,
        views={"headline": 16},
        direction="higher",
        doc="share of complaints all of whose contacts were ticketed",
    ),
    Kpi(
        "churn_rate",
        PerComplaint("churned"),
        "churn rate",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 17, "paired": 3, "sweep": 5},
        doc="share of complaints whose customer churned",
    ),
]
