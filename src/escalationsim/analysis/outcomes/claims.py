"""Claims and redress: exceptions claimed, granted and refused, weak claims paid, the
hassle of asking, and the reps' judgement."""

from __future__ import annotations

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
    Total,
    ratio,
)

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

THEME = Theme("claims", "Claims and redress")

_ERROR_DOC = (
    "the reps' mean error rate when the run starts and when it ends: per seat, the mean of "
    "the chance of granting a weak claim and that of refusing a legitimate one, averaged "
    "over seats (0 with weak claims off)"
)


def _hassle(inp: KpiInputs, row: dict[str, Any]) -> float:
    return ratio(inp.sums["claim_contacts"] - inp.sums["claim_chases"], inp.sums["claims"])


CLAIMS: list[Kpi | Family] = [
    Kpi(
        "ombudsman_cases_rate",
        PerComplaint("ombudsman_case"),
        "refused claims taken to an ombudsman, per complaint",
        "share",
        "{:.2%}",
        SHARE,
        doc="complaints whose claim, never granted, the customer took to an ombudsman or "
        "regulator / complaints (`scenario.ombudsman`)",
    ),
    Kpi(
        "ombudsman_upheld_share",
        Share("ombudsman_upheld", "ombudsman_case"),
        "ombudsman cases upheld",
        "share",
        "{:.1%}",
        SHARE,
        doc="cases the ombudsman upheld / cases",
    ),
    Kpi(
        "ombudsman_cost_per_complaint",
        PerComplaint("cost_ombudsman"),
        "ombudsman cases' cost per complaint (USD)",
        "USD",
        "{:.2f}",
        NONNEG,
        doc="`cost_ombudsman` / complaints: case fees, the office's hours, and the claims "
        "and awards the ombudsman made the company pay",
    ),
    Kpi(
        "redress_cost_per_complaint",
        PerComplaint("compensation"),
        "redress (exceptions granted) per complaint (USD)",
        "USD",
        "{:.2f}",
        NONNEG,
        doc="value of the exceptions granted per complaint (`cost_compensation` / complaints)",
    ),
    Kpi(
        "weak_claims_paid_usd",
        Total("weak_paid"),
        "weak claims paid (USD over the window)",
        "USD",
        "{:,.0f}",
        NONNEG,
        doc="value of the weak claims granted, USD over the window (part of `cost_compensation`)",
    ),
    Kpi(
        "weak_claims_granted_rate",
        Share("weak_granted", "claims_weak"),
        "weak claims granted",
        "share",
        "{:.1%}",
        SHARE,
        doc="weak claims granted / weak claims",
    ),
    Kpi(
        "legit_claims_refused_rate",
        Share("legit_refused", "claims_legit"),
        "legitimate claims never granted",
        "share",
        "{:.1%}",
        SHARE,
        doc="legitimate claims never granted (by anyone, on any channel, by the end) / "
        "legitimate claims",
    ),
    Kpi(
        "contacts_per_exception_complaint",
        Share("claim_contacts", "claims"),
        "contacts per complaint needing an exception",
        "contacts",
        "{:.2f}",
        NONNEG,
        doc="contacts / complaints needing an exception",
    ),
    Kpi(
        "hassle_per_exception_complaint",
        _hassle,
        "hassle: contacts to get an answer per complaint needing an exception (no chases)",
        "contacts",
        "{:.2f}",
        NONNEG,
        reads=("claim_contacts", "claim_chases", "claims"),
        doc="contacts made to get an answer (chases of back-office work left out) / "
        "complaints needing an exception",
    ),
    Kpi(
        "rep_error_rate_start",
        CounterValue("rep_error_rate_start"),
        "reps' mean error rate at the start",
        "share",
        "{:.1%}",
        SHARE,
        doc=_ERROR_DOC,
    ),
    Kpi(
        "rep_error_rate_end",
        CounterValue("rep_error_rate_end"),
        "reps' mean error rate at the end",
        "share",
        "{:.1%}",
        SHARE,
        doc=_ERROR_DOC,
    ),
    Kpi(
        "reps_replaced",
        CounterValue("reps_replaced"),
        "reps replaced after errors found by audits",
        "reps",
        "{:,.0f}",
        NONNEG,
        doc="reps replaced after audits found `replace_after` errors, over the run",
    ),
]
