"""Cost: what the complaints cost, in total and by part, and per unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from escalationsim.analysis.outcomes.base import ANY, NONNEG, Compute, Family, Kpi, Theme, ratio
from escalationsim.config.scenario import StaffBasis
from escalationsim.engine.staff import WORK_POOLS

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

THEME = Theme(
    "cost",
    "Cost",
    outro="""Staff and CEO time are charged for the hours worked inside the window (the paid hours,
or the busy ones, as `costs.staff_basis` says); the other costs (compensation, churn,
publicity, fines, the back office) are those of the measured complaints, including what
happens to them during the drain period. In steady state the two bases agree; where a
queue never reaches the window's own complaints, only the first charges its staff. The
complaint-level `cost_*` columns of `complaints.parquet` attribute to each complaint the
busy hours spent on it. A root-cause fix is charged when it ships inside the window.""",
)

_TOTAL_DOC = (
    "their sum, per complaint, and per day of the window (use the last when root-cause "
    "fixing changes the number of complaints)"
)

TOTALS: list[Kpi | Family] = [
    Kpi(
        "cost_total",
        lambda inp, row: sum(inp.costs.values()),
        "total cost (USD)",
        "USD",
        "{:,.0f}",
        NONNEG,
        doc=_TOTAL_DOC,
    ),
    Kpi(
        "cost_per_complaint",
        lambda inp, row: ratio(row["cost_total"], inp.n),
        "cost per complaint (USD)",
        "USD",
        "{:,.1f}",
        NONNEG,
        views={"headline": 0, "paired": 0, "sweep": 0},
        doc=_TOTAL_DOC,
    ),
    Kpi(
        "cost_per_day",
        lambda inp, row: ratio(row["cost_total"], inp.window_h / 24.0),
        "cost per day (USD)",
        "USD",
        "{:,.0f}",
        NONNEG,
        doc=_TOTAL_DOC,
    ),
]


def _cost(part: str) -> Compute:
    return lambda inp, row: inp.costs[part]


def _cost_parts() -> Iterable[Kpi]:
    yield Kpi(
        "cost_staff",
        _cost("cost_staff"),
        "staff cost (USD)",
        "USD",
        bounds=NONNEG,
        doc="the staff cost in `cost_total`: `cost_staff_busy` or `cost_staff_paid`, as "
        "`scenario.costs.staff_basis` says",
    )
    yield Kpi(
        "cost_ceo",
        _cost("cost_ceo"),
        "CEO time (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 4},
        short="CEO time",
        doc="the CEO's hours worked inside the window, whichever letter they went to, x the "
        "CEO's hourly opportunity cost (charging only the hours spent on measured letters "
        "charged nothing to a CEO whose inbox never reached them)",
    )
    yield Kpi(
        "cost_compensation",
        _cost("cost_compensation"),
        "compensation (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 5},
        short="compensation",
        doc="value of the exceptions granted",
    )
    yield Kpi(
        "cost_churn",
        _cost("cost_churn"),
        "churn, as charged (USD)",
        "USD",
        bounds=ANY,  # incremental churn nets out the baseline: can be negative
        views={"cost_parts": 8},
        short="churn",
        doc="the churn cost in `cost_total`, as `scenario.churn.accounting` says",
    )
    yield Kpi(
        "cost_publicity",
        _cost("cost_publicity"),
        "publicity (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 6},
        short="publicity",
        doc="negative impressions x `cost_per_impression_usd`",
    )
    yield Kpi(
        "cost_penalty",
        _cost("cost_penalty"),
        "deadline fines (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 7},
        short="deadline fines",
        doc="regulator fines for late final answers to CEO letters",
    )
    yield Kpi(
        "cost_ombudsman",
        _cost("cost_ombudsman"),
        "ombudsman cases (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 7.5},
        short="ombudsman cases",
        doc="refused claims taken to an ombudsman: each case's fee and the executive "
        "office's hours, each upheld one's claim value and award (`scenario.ombudsman`)",
    )
    yield Kpi(
        "cost_fix",
        _cost("cost_fix"),
        "root-cause fixes (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 9},
        short="root-cause fixes",
        doc="one-off cost of a root-cause fix, if one shipped",
    )


_POOL_SHORT = {
    "reps": "reps",
    "social": "social team",
    "managers": "managers",
    "exec_office": "executive office",
}


def _staff_by_pool() -> Iterable[Kpi]:
    def compute(pool: str) -> Compute:
        def f(inp: KpiInputs, row: dict[str, Any]) -> float:
            # busy hours inside the window (audits are the managers' pool's work too)
            return inp.result.busy_h[pool] * inp.rates[pool]

        return f

    for i, pool in enumerate(WORK_POOLS):
        yield Kpi(
            f"cost_staff_{pool}",
            compute(pool),
            f"staff cost, {pool} (USD)",
            "USD",
            bounds=NONNEG,
            views={"cost_parts": i},
            short=_POOL_SHORT.get(pool, pool),
        )


def _shrinkage_charged(inp: KpiInputs, row: dict[str, Any] | None = None) -> float:
    """The shrinkage's cost when the total charges paid hours, else 0."""
    paid = inp.scenario.costs.staff_basis == StaffBasis.paid
    return inp.staff["shrinkage"] if paid else 0.0


def _staff_extra() -> Iterable[Kpi]:
    yield Kpi(
        "cost_staff_backoffice",
        lambda inp, row: inp.staff["backoffice"],
        "staff cost, back office (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 3.5},
        short="back office",
        doc="the back office's hours for the measured complaints x its hourly cost (it is "
        "paid by the task)",
    )
    yield Kpi(
        "cost_staff_idle",
        lambda inp, row: inp.staff["charged"] - inp.staff["busy"] - _shrinkage_charged(inp),
        "idle paid staff time (USD)",
        "USD",
        views={"cost_parts": 3.7},
        short="idle paid staff time",
        doc="scheduled (logged-in) minus busy staff cost under the paid basis, else 0: with "
        "`cost_staff_<role>`, `cost_staff_backoffice` and `shrinkage_cost`, together "
        "`cost_staff`",
    )
    yield Kpi(
        "shrinkage_cost",
        _shrinkage_charged,
        "paid staff time off the schedule: breaks, training, leave (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 3.8},
        short="shrinkage",
        doc="under the paid basis, the paid hours beyond the scheduled ones (each pool's "
        "scheduled hours x `shrinkage` / (1 - `shrinkage`)) x its hourly cost; else 0",
    )
    yield Kpi(
        "cost_staff_paid",
        lambda inp, row: inp.staff["paid"],
        "staff cost, paid hours (USD)",
        "USD",
        bounds=NONNEG,
        doc="paid worker-hours of every staffed pool in the window (its scheduled hours / "
        "(1 - `shrinkage`)) x its hourly cost (idle time and shrinkage included), plus the "
        "back office's hours (paid by the task)",
    )
    yield Kpi(
        "cost_staff_busy",
        lambda inp, row: inp.staff["busy"],
        "staff cost, busy hours (USD)",
        "USD",
        bounds=NONNEG,
        doc="busy worker-hours of reps, social team, managers (including audits) and "
        "executive office inside the window, whichever complaint they went to, x each "
        "role's loaded hourly cost, plus the back office's hours for the measured "
        "complaints (it is paid by the task)",
    )
    yield Kpi(
        "cost_churn_incremental",
        lambda inp, row: inp.sums["cost_churn_incremental"],
        "churn beyond baseline attrition, margin over the horizon (USD)",
        "USD",
        reads=("cost_churn_incremental",),
        doc="sum over complaints of (churned - `baseline_attrition`) x lifetime value x "
        "min(1, `horizon_years` / `lifetime_years`): churn beyond the baseline, at the "
        "margin lost over the horizon",
    )
    yield Kpi(
        "cost_churn_lifetime",
        lambda inp, row: inp.sums["cost_churn_lifetime"],
        "churned customers' lifetime value (USD)",
        "USD",
        bounds=NONNEG,
        reads=("cost_churn_lifetime",),
        doc="lifetime value of the customers who churned",
    )


PARTS: list[Kpi | Family] = [
    Family(_cost_parts),
    Family(
        _staff_by_pool,
        rows=(
            (
                "cost_staff_<role>",
                "busy-hour cost inside the window by pool (`reps`, `social`, `managers` "
                "with audits, `exec_office`)",
            ),
        ),
    ),
    Family(_staff_extra),
]


def _staff_per_contact(inp: KpiInputs, row: dict[str, Any]) -> float:
    return ratio(inp.costs["cost_staff"], inp.sums["contacts"])


PER_CONTACT: list[Kpi | Family] = [
    Kpi(
        "staff_cost_per_contact",
        _staff_per_contact,
        "staff cost per contact (USD)",
        "USD",
        "{:.2f}",
        reads=("contacts",),
        doc="`cost_staff` / contacts",
    ),
]


def _phone_contact_cost(inp: KpiInputs, row: dict[str, Any]) -> float:
    """Fully loaded cost of a handled call: the mean call time at the hourly cost of the
    pool that takes calls, over that pool's occupancy and its logged-in share of paid
    hours (idle time and shrinkage shared out)."""
    pool = inp.scenario.staff.work.phone.pool
    mean_h = inp.scenario.handle_times.phone.mean_min / 60.0
    logged_in = 1.0 - getattr(inp.scenario.staff, pool).shrinkage  # of the paid hours
    return ratio(mean_h * inp.rates[pool], row[f"occupancy_{pool}"] * logged_in)


PHONE_CONTACT: list[Kpi | Family] = [
    Kpi(
        "cost_per_phone_contact",
        _phone_contact_cost,
        "fully loaded cost of a handled call (USD)",
        "USD",
        "{:.2f}",
        NONNEG,
        doc="fully loaded cost of a handled call: mean call handling time "
        "(`handle_times.phone.mean_min`) x hourly cost of the pool that takes calls / (that "
        "pool's occupancy x (1 - its `shrinkage`))",
    ),
]


def _capacity(inp: KpiInputs, row: dict[str, Any]) -> float:
    return ratio(inp.staff["pools_paid"], inp.n)


CAPACITY: list[Kpi | Family] = [
    Kpi(
        "cost_capacity_per_complaint",
        _capacity,
        "paid staff capacity per complaint (USD)",
        "USD",
        "{:,.1f}",
        NONNEG,
        doc="paid staff time of the pools in the window (their schedules' worker-hours x "
        "hourly cost, CEO excluded) per complaint",
    ),
]
