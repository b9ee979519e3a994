"""Escalation: complaints that move up the ladder (to social media, to the CEO), what
happens at the CEO's inbox, customers who remember, and publicity."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from escalationsim.analysis.outcomes.base import (
    NONNEG,
    SHARE,
    CounterValue,
    Family,
    Kpi,
    PerComplaint,
    Share,
    Theme,
)
from escalationsim.engine import channels

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

THEME = Theme(
    "escalation",
    "Escalation, the CEO's inbox, customers who remember",
    outro="""The two office rates describe whoever answers at the inbox under the policy (the
executive office under `ceo.office`, the CEO under `ceo.responds`, the owner under
`ceo.redirects`).""",
)


def _escalations() -> Iterable[Kpi]:
    views = {"social": {"headline": 5}, "ceo": {"headline": 6, "paired": 2, "sweep": 4}}
    for cls in channels.ladder():
        label = "escalated to CEO" if cls.name == "ceo" else f"escalated to {cls.name}"
        yield Kpi(
            f"escalation_rate_{cls.name}",
            PerComplaint(f"escalated_{cls.name}"),
            label,
            "share",
            "{:.2%}",
            SHARE,
            views=views.get(cls.name, {}),
            plot_label="escalation rate to the CEO" if cls.name == "ceo" else "",
        )


RATES: list[Kpi | Family] = [
    Family(
        _escalations,
        rows=(
            (
                "escalation_rate_<channel>",
                "per escalation channel (`escalation_rate_social`, `escalation_rate_ceo`): "
                "share of complaints that moved to it after a contact on another channel",
            ),
        ),
    ),
    Kpi(
        "ceo_channel_share",
        PerComplaint("reached_ceo"),
        "reached the CEO",
        "share",
        "{:.2%}",
        SHARE,
        views={"headline": 7, "sweep": 3},
        plot_label="share of complaints reaching the CEO",
        doc="share of complaints that reached the CEO at all (escalated or straight there)",
    ),
]


def _in_person(inp: KpiInputs, row: dict[str, Any]) -> float:
    share = row["ceo_personal_answer_share"]
    if not inp.result.counters.get("ceo_in_person") or math.isnan(share):
        return math.nan  # the CEO does not answer in person, or no letter came
    return float(share >= inp.scenario.targets.ceo_personal_share_min)


INBOX: list[Kpi | Family] = [
    Kpi(
        "office_repeat_no_rate",
        Share("letters_refused_no", "letters_refused"),
        "CEO letters answered no, among those customer service had refused",
        "share",
        "{:.1%}",
        SHARE,
        doc="among letters answered whose complaint customer service had explicitly refused "
        '(`cs_refused_before_ceo`), the share answered "no" again',
    ),
    Kpi(
        "office_resolve_unanswered_rate",
        Share("letters_unanswered_resolved", "letters_unanswered"),
        "CEO letters resolved, among those customer service never answered",
        "share",
        "{:.1%}",
        SHARE,
        direction="higher",
        doc="among letters answered whose complaint customer service never answered "
        "(`cs_unanswered_before_ceo`), the share resolved",
    ),
    Kpi(
        "ceo_personal_answer_share",
        Share("ceo_personal", "ceo_letters"),
        "CEO letters answered by the CEO in person",
        "share",
        "{:.1%}",
        SHARE,
        direction="higher",
        plot_label="share of CEO letters the CEO answers in person",
        doc="letters the CEO answered personally / letters to the CEO's inbox (0 unless "
        "`ceo: responds`: the office answers them, or the CEO only acknowledges and "
        "redirects); falls as the inbox outgrows the CEO's weekly hours",
    ),
    Kpi(
        "ceo_answers_in_person",
        lambda inp, row: _in_person(inp, row),
        "the CEO answers enough letters in person (share of runs)",
        "share",
        "{:.0%}",
        SHARE,
        direction="higher",
        counters=("ceo_in_person",),
        doc="`ceo_personal_answer_share` at least `targets.ceo_personal_share_min`: does a "
        "responding CEO scale? NaN unless the policy's CEO answers in person (`ceo: "
        "responds`) and letters came; the scalability study reports the first volume at "
        "which it fails in most runs",
    ),
    Kpi(
        "ceo_handed_to_office_share",
        Share("ceo_handed", "ceo_letters"),
        "CEO letters handed to the office, not reached in time",
        "share",
        "{:.1%}",
        SHARE,
        doc="letters the CEO had not started within the policy's `handover_after_h`, "
        "handed to the office / letters to the CEO's inbox (`ceo: responds`: the office "
        "answers them; `ceo: redirects`: the office sends the acknowledgement, the owner "
        "still takes the case)",
    ),
    Kpi(
        "letters_abandoned_rate",
        Share("ceo_abandoned", "ceo_letters"),
        "CEO letters whose writer gave up waiting",
        "share",
        "{:.1%}",
        SHARE,
        doc="letters whose writer gave up waiting for the CEO's own answer "
        "(`scenario.channels.ceo.writer_patience_days`) / letters to the CEO's inbox",
    ),
    Kpi(
        "owner_assigned_rate",
        PerComplaint("owner_assigned"),
        "complaints given a named owner with a direct line",
        "share",
        "{:.2%}",
        SHARE,
        doc="share of complaints given a named owner with a direct line",
    ),
]

MEMORY: list[Kpi | Family] = [
    Kpi(
        "repeat_complaint_rate",
        PerComplaint("repeats"),
        "repeat complaints (a customer's second or later in the run)",
        "share",
        "{:.1%}",
        SHARE,
        doc="share of complaints that are a customer's second or later in the run "
        "(`complaint_seq` > 1; customers who remember)",
    ),
    Kpi(
        "social_first_share_repeat",
        Share("repeats_social_first", "repeats"),
        "repeat complaints that start on social",
        "share",
        "{:.1%}",
        SHARE,
        doc="among repeat complaints, the share that started on social / at the CEO's inbox",
    ),
    Kpi(
        "ceo_first_share_repeat",
        Share("repeats_ceo_first", "repeats"),
        "repeat complaints that start at the CEO's inbox",
        "share",
        "{:.1%}",
        SHARE,
        doc="among repeat complaints, the share that started on social / at the CEO's inbox",
    ),
    Kpi(
        "customers_left_base",
        CounterValue("customers_churned"),
        "customers who churned and left the base (over the run)",
        "customers",
        "{:,.0f}",
        NONNEG,
        doc="customers who churned and left the base, over the whole run",
    ),
    Kpi(
        "complaints_sent_social_by_publicity",
        CounterValue("publicity_sent_social"),
        "complaints that started on social because of publicity (over the run)",
        "complaints",
        "{:,.0f}",
        NONNEG,
        doc="complaints that started on social because negative impressions had reached "
        "their customer (publicity that spreads), over the whole run",
    ),
]

DEADLINE: list[Kpi | Family] = [
    Kpi(
        "deadline_breach_rate",
        Share("late_letter_writers", "reached_ceo"),
        "CEO letter writers answered past the deadline",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 9},
        doc="complaints whose CEO-channel answer came after the regulator's deadline, or "
        "had not come by the end of the run (or when the writer gave up) with the "
        "deadline passed, / complaints that reached the CEO",
    ),
]

PUBLICITY: list[Kpi | Family] = [
    Kpi(
        "impressions_per_complaint",
        PerComplaint("impressions"),
        "negative impressions per complaint",
        "impressions",
        "{:,.0f}",
        NONNEG,
        doc="negative impressions per complaint: an unanswered public post accrues "
        "`impressions_per_follower_h` x followers an hour, for at most `post_lifetime_h`",
    ),
]
