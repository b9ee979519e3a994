"""The KPI registry: every KPI of a run, in ``kpis.csv`` column order, with how it is
computed, its label, unit, display format, the range it cannot leave, and which tables
and plots show it.

A new KPI is one :class:`Kpi` entry (or a :class:`Family` of entries, e.g. one per
staff pool or per escalation channel): it then appears in ``kpis.csv``, ``summary.csv``,
the paired differences, and in every table or plot its ``views`` name. Definitions are
written out in docs/metrics.md.

Views: ``headline`` (the KPI table printed after a run and in ``headline.md``),
``paired`` (the differences shown in the report), ``cost_parts`` (the stacked cost
breakdown plot), ``sweep`` (KPIs plotted against a swept parameter). Each view lists its
KPIs by rank (the value in ``views``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from escalationsim.analysis.costs import hourly_costs
from escalationsim.analysis.fairness import median_ratio
from escalationsim.analysis.mser import Stationarity, cycle_batch, stationarity
from escalationsim.analysis.stats import ComplaintStats, Group
from escalationsim.config.scenario import ScenarioConfig, StaffBasis
from escalationsim.engine import channels
from escalationsim.engine.staff import POOLS, WORK_POOLS

if TYPE_CHECKING:
    from escalationsim.engine.model import RunResult

INF = math.inf
SHARE = (0.0, 1.0)
GAP = (-1.0, 1.0)
NONNEG = (0.0, INF)
ANY = (-INF, INF)

MIN_GROUP = 30
"""Smallest first-channel group that enters the channel TTR ratio."""


def ratio(num: float, den: float) -> float:
    """num / den, NaN when there is nothing to divide by."""
    return num / den if den > 0 else math.nan


def _ends(n: int) -> int:
    """Days at each end of a window of ``n`` daily snapshots compared for growth."""
    return 7 if n >= 14 else n // 2


def queue_stable(backlog: np.ndarray, inflow: int) -> tuple[bool, float]:
    """Whether a queue is stable over the window, and its backlog growth.

    Growth is the mean daily backlog over the last 7 days minus that over the first 7
    (or the last and first halves when fewer than 14 snapshots). A queue is unstable when
    it grew by more than 5% of the requests that entered it in the window, plus 5.
    """
    n = len(backlog)
    if n < 2:
        return True, 0.0
    k = _ends(n)
    growth = float(backlog[-k:].mean() - backlog[:k].mean())
    return growth <= 0.05 * inflow + 5, growth


def growth_per_week(backlog: np.ndarray) -> float:
    """The backlog's growth (:func:`queue_stable`) per week: over the days between the
    middles of the two ends compared (NaN with fewer than two snapshots)."""
    n = len(backlog)
    if n < 2:
        return math.nan
    k = _ends(n)
    growth = float(backlog[-k:].mean() - backlog[:k].mean())
    return growth * 7.0 / (n - k)


def channel_fairness(groups: Mapping[int, Group]) -> tuple[float, float]:
    """Largest over smallest median TTR across first channels (Kaplan-Meier medians over
    every complaint, the unresolved censored: +inf when a channel's median is not
    reached), and largest minus smallest resolution rate (channels with at least
    MIN_GROUP complaints)."""
    medians, rates = [], []
    for g in groups.values():
        if g.count < MIN_GROUP:
            continue
        rates.append(g.resolved / g.count)
        medians.append(g.survival.quantile(0.5))
    r = median_ratio(max(medians), min(medians)) if len(medians) >= 2 else math.nan
    gap = float(max(rates) - min(rates)) if len(rates) >= 2 else math.nan
    return r, gap


@dataclass
class KpiInputs:
    """What a run's KPIs are computed from, with the intermediate figures several KPIs
    share computed once."""

    result: RunResult
    scenario: ScenarioConfig
    stats: ComplaintStats
    queue_only: bool = False
    daily: pd.DataFrame | None = None
    """The run's daily series (analysis.metrics.daily_series), if known."""

    @property
    def n(self) -> int:
        """Complaints measured."""
        return self.stats.n

    @property
    def sums(self) -> dict[str, float]:
        """Totals over the measured complaints (:func:`~.stats.column_sums`)."""
        return self.stats.sums

    @cached_property
    def rates(self) -> dict[str, float]:
        return hourly_costs(self.scenario)

    @cached_property
    def staff(self) -> dict[str, float]:
        """Staff cost (USD over the window): ``busy`` (the pools' busy hours inside the
        window, whichever complaint they went to, plus the back office's hours for the
        measured complaints, which it is paid by the task), ``paid`` (every paid hour of
        the pools' schedules in the window, plus the back office), ``idle`` (paid minus
        busy) and ``charged`` (the one ``costs.staff_basis`` puts in the total). Hours in
        the window, not the hours spent on the measured complaints: a queue that never
        reaches the window's complaints (a CEO's inbox working through the warm-up's
        backlog) still costs the hours its staff work."""
        result = self.result
        pools_busy = sum(result.busy_h[p] * self.rates[p] for p in WORK_POOLS)
        pools_paid = sum(result.paid_h[p] * self.rates[p] for p in WORK_POOLS)
        bo = self.scenario.backoffice
        backoffice = self.sums["hours_backoffice"] * bo.hourly_cost_usd if bo.enabled else 0.0
        busy, paid = pools_busy + backoffice, pools_paid + backoffice
        basis_paid = self.scenario.costs.staff_basis == StaffBasis.paid
        return {
            "busy": busy,
            "pools_paid": pools_paid,
            "backoffice": backoffice,
            "paid": paid,
            "idle": paid - busy,
            "charged": paid if basis_paid else busy,
        }

    @cached_property
    def costs(self) -> dict[str, float]:
        """The parts of the total cost (USD over the window)."""
        s = self.sums
        return {
            "cost_staff": self.staff["charged"],
            # the CEO's hours inside the window, whichever letter they went to
            "cost_ceo": self.result.busy_h["ceo"] * self.rates["ceo"],
            "cost_compensation": s["compensation"],
            "cost_churn": s["cost_churn"],
            "cost_publicity": s["cost_publicity"],
            "cost_penalty": s["penalty"],
            "cost_fix": float(self.result.counters.get("fix_cost", 0.0)),
        }

    @cached_property
    def queues(self) -> tuple[bool, list[str], dict[str, float]]:
        """All queues stable?, the unstable ones, and each one's backlog growth."""
        unstable, growth = [], {}
        for pool in POOLS:
            ok, g = queue_stable(self.result.backlog[pool], self.result.inflow[pool])
            growth[pool] = g
            if not ok:
                unstable.append(pool)
        return not unstable, unstable, growth

    @cached_property
    def stationarity(self) -> Stationarity | None:
        """MSER on the window's daily series: complaints, their cost and every queue's
        length (analysis.mser; batches of a week under a weekly profile)."""
        if self.daily is None or self.daily.empty:
            return None
        cols = ["complaints", "cost", *(c for c in self.daily.columns if c.startswith("queue_"))]
        series = {c: self.daily[c].to_numpy(dtype=float) for c in cols if c in self.daily}
        arrivals = self.scenario.arrivals
        weekly = len(arrivals.weekly_profile) > 0 and len(set(arrivals.weekly_profile)) > 1
        return stationarity(series, 24.0, cycle_batch(weekly, False, 24.0))

    @cached_property
    def by_channel(self) -> tuple[float, float]:
        return channel_fairness(self.stats.channels)

    @property
    def window_h(self) -> float:
        lo, hi = self.result.window_h
        return hi - lo


Compute = Callable[[KpiInputs, dict[str, Any]], Any]


@dataclass(frozen=True)
class Kpi:
    """One KPI. ``compute(inputs, row)`` gets the run's inputs and the KPIs computed so
    far (those before it in the registry)."""

    name: str
    compute: Compute
    label: str
    unit: str = ""
    fmt: str = "{:.4g}"
    bounds: tuple[float, float] = ANY
    views: Mapping[str, float] = field(default_factory=dict)
    short: str = ""
    """Legend label in plots that show parts (e.g. the cost breakdown)."""
    plot_label: str = ""
    """Axis label in sweep plots (default: ``label``)."""
    queue_only: bool = False
    """Computed only for the queue-only scenario."""
    censored: bool = False
    """A quantile of a Kaplan-Meier estimate, or a ratio of two: +inf where not reached
    (too few complaints resolved), and +inf in a summary over replications if it is in
    any of them (no paired difference then)."""
    queues: tuple[str, ...] = ()
    """Pools whose queue this KPI measures the wait of: where one of them grows without
    bound the value depends on how long the run drains, so tables show the queue's
    growth a week instead (``unstable_<pool>``, ``backlog_growth_per_week_<pool>``)."""


@dataclass(frozen=True)
class Family:
    """Several KPIs made when the registry is read (e.g. one per staff pool or per
    escalation channel of the channel registry, so that a new pool or channel gets its
    KPIs without another entry)."""

    make: Callable[[], Iterable[Kpi]]


def _sum(col: str) -> Compute:
    return lambda inp, row: ratio(inp.sums[col], inp.n)


def _cost(part: str) -> Compute:
    return lambda inp, row: inp.costs[part]


def _cost_parts() -> Iterable[Kpi]:
    yield Kpi("cost_staff", _cost("cost_staff"), "staff cost (USD)", "USD", bounds=NONNEG)
    yield Kpi(
        "cost_ceo",
        _cost("cost_ceo"),
        "CEO time (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 4},
        short="CEO time",
    )
    yield Kpi(
        "cost_compensation",
        _cost("cost_compensation"),
        "compensation (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 5},
        short="compensation",
    )
    yield Kpi(
        "cost_churn",
        _cost("cost_churn"),
        "churn, as charged (USD)",
        "USD",
        bounds=ANY,  # incremental churn nets out the baseline: can be negative
        views={"cost_parts": 8},
        short="churn",
    )
    yield Kpi(
        "cost_publicity",
        _cost("cost_publicity"),
        "publicity (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 6},
        short="publicity",
    )
    yield Kpi(
        "cost_penalty",
        _cost("cost_penalty"),
        "deadline fines (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 7},
        short="deadline fines",
    )
    yield Kpi(
        "cost_fix",
        _cost("cost_fix"),
        "root-cause fixes (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 9},
        short="root-cause fixes",
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


def _staff_other(inp: KpiInputs, row: dict[str, Any]) -> float:
    return inp.staff["backoffice"]


def _staff_idle(inp: KpiInputs, row: dict[str, Any]) -> float:
    st = inp.staff
    return st["charged"] - st["busy"]


def _staff_extra() -> Iterable[Kpi]:
    yield Kpi(
        "cost_staff_backoffice",
        _staff_other,
        "staff cost, back office (USD)",
        "USD",
        bounds=NONNEG,
        views={"cost_parts": 3.5},
        short="back office",
    )
    yield Kpi(
        "cost_staff_idle",
        _staff_idle,
        "idle paid staff time (USD)",
        "USD",
        views={"cost_parts": 3.7},
        short="idle paid staff time",
    )
    yield Kpi(
        "cost_staff_paid",
        lambda inp, row: inp.staff["paid"],
        "staff cost, paid hours (USD)",
        "USD",
        bounds=NONNEG,
    )
    yield Kpi(
        "cost_staff_busy",
        lambda inp, row: inp.staff["busy"],
        "staff cost, busy hours (USD)",
        "USD",
        bounds=NONNEG,
    )
    yield Kpi(
        "cost_churn_incremental",
        lambda inp, row: inp.sums["cost_churn_incremental"],
        "churn beyond baseline attrition, margin over the horizon (USD)",
        "USD",
    )
    yield Kpi(
        "cost_churn_lifetime",
        lambda inp, row: inp.sums["cost_churn_lifetime"],
        "churned customers' lifetime value (USD)",
        "USD",
        bounds=NONNEG,
    )


def _occupancy() -> Iterable[Kpi]:
    for pool in POOLS:
        yield Kpi(
            f"occupancy_{pool}",
            (lambda p: lambda inp, row: ratio(inp.result.busy_h[p], inp.result.paid_h[p]))(pool),
            f"occupancy, {pool} (busy over paid hours)",
            "share",
            "{:.0%}",
            (0.0, INF),
        )


def _phone_contact_cost(inp: KpiInputs, row: dict[str, Any]) -> float:
    """Fully loaded cost of a handled call: the mean call time at the hourly cost of the
    pool that takes calls, over that pool's occupancy (idle paid time shared out)."""
    pool = inp.scenario.staff.work.phone.pool
    mean_h = inp.scenario.handle_times.phone.mean_min / 60.0
    return ratio(mean_h * inp.rates[pool], row[f"occupancy_{pool}"])


def _escalations() -> Iterable[Kpi]:
    views = {"social": {"headline": 5}, "ceo": {"headline": 6, "paired": 2, "sweep": 4}}
    for cls in channels.ladder():
        label = "escalated to CEO" if cls.name == "ceo" else f"escalated to {cls.name}"
        yield Kpi(
            f"escalation_rate_{cls.name}",
            _sum(f"escalated_{cls.name}"),
            label,
            "share",
            "{:.2%}",
            SHARE,
            views=views.get(cls.name, {}),
            plot_label="escalation rate to the CEO" if cls.name == "ceo" else "",
        )


def _utilisation() -> Iterable[Kpi]:
    for pool in POOLS:
        name = "util_exec" if pool == "exec_office" else f"util_{pool}"
        ceo = pool == "ceo"
        yield Kpi(
            name,
            (lambda p: lambda inp, row: inp.result.utilisation[p])(pool),
            "CEO utilisation" if ceo else f"utilisation, {pool}",
            "share",
            "{:.0%}",
            SHARE,
            views={"headline": 10, "sweep": 1} if ceo else {},
            plot_label="CEO utilisation (share of complaint hours)" if ceo else "",
        )


def _growth() -> Iterable[Kpi]:
    for pool in POOLS:
        yield Kpi(
            f"backlog_growth_{pool}",
            (lambda p: lambda inp, row: inp.queues[2][p])(pool),
            f"backlog growth, {pool} (requests)",
        )
    for pool in POOLS:
        yield Kpi(
            f"unstable_{pool}",
            (lambda p: lambda inp, row: float(p in inp.queues[1]) if inp.n else math.nan)(pool),
            f"queue unstable, {pool} (share of runs)",
            "share",
            "{:.0%}",
            SHARE,
        )
        yield Kpi(
            f"backlog_growth_per_week_{pool}",
            (lambda p: lambda inp, row: growth_per_week(inp.result.backlog[p]))(pool),
            f"backlog growth a week, {pool} (requests)",
            "requests",
            "{:,.0f}",
        )
        yield Kpi(
            f"unserved_share_{pool}",
            (
                lambda p: (
                    lambda inp, row: ratio(
                        inp.result.inflow[p] - inp.result.served.get(p, 0), inp.result.inflow[p]
                    )
                )
            )(pool),
            f"requests made in the window never served by the end, {pool}",
            "share",
            "{:.1%}",
            SHARE,
        )


def _meets_targets(inp: KpiInputs, row: dict[str, Any]) -> bool | float:
    if inp.n == 0:
        return math.nan  # nothing measured: no verdict
    t = inp.scenario.targets
    abandon = row["phone_abandon_rate"]
    breach = row["deadline_breach_rate"]
    return bool(
        inp.queues[0]
        and (math.isnan(abandon) or abandon <= t.phone_abandon_max)
        and not row["ttr_p90_h_resolved"] > t.ttr_p90_max_h
        and (math.isnan(breach) or breach <= t.deadline_breach_max)
    )


def _window_stationary(inp: KpiInputs, row: dict[str, Any]) -> bool | float:
    """No daily series trends once MSER has truncated it, and no queue grows without
    bound (a trend test on a few weekly means has little power; the queues' own growth
    test does not depend on it); NaN when the window is too short for MSER and the
    queues are stable."""
    if inp.n == 0:
        return math.nan
    if not inp.queues[0]:
        return False
    return inp.stationarity.stationary if inp.stationarity else math.nan


def _capacity(inp: KpiInputs, row: dict[str, Any]) -> float:
    return ratio(inp.staff["pools_paid"], inp.n)


def _channel_median(inp: KpiInputs, name: str) -> float:
    """Kaplan-Meier median time to resolution of the complaints first made on channel
    ``name`` (the unresolved censored); NaN if there are none."""
    g = inp.stats.channels.get(channels.code(name))
    return g.survival.quantile(0.5) if g is not None else math.nan


def _follower_gap(inp: KpiInputs, row: dict[str, Any]) -> float:
    top, rest = inp.stats.top, inp.stats.rest
    if top.count and rest.count:
        return top.resolved / top.count - rest.resolved / rest.count
    return math.nan


def _queue(key: str) -> Compute:
    def f(inp: KpiInputs, row: dict[str, Any]) -> float:
        s = inp.sums
        n = s["first_calls"]
        if n == 0:
            return math.nan
        if key == "occupancy":
            return inp.result.utilisation["reps"]
        if key == "mean_wait_min":
            return s["first_call_wait_h"] / n * 60.0
        return s[key] / n

    return f


REGISTRY: list[Kpi | Family] = [
    Kpi(
        "complaints", lambda inp, row: inp.n, "complaints measured", "complaints", "{:,.0f}", NONNEG
    ),
    Kpi(
        "prevented",
        lambda inp, row: inp.result.log.prevented,
        "complaints prevented by root-cause fixes",
        "complaints",
        "{:,.0f}",
        NONNEG,
    ),
    Kpi(
        "cost_total",
        lambda inp, row: sum(inp.costs.values()),
        "total cost (USD)",
        "USD",
        "{:,.0f}",
        NONNEG,
    ),
    Kpi(
        "cost_per_complaint",
        lambda inp, row: ratio(row["cost_total"], inp.n),
        "cost per complaint (USD)",
        "USD",
        "{:,.1f}",
        NONNEG,
        views={"headline": 0, "paired": 0, "sweep": 0},
    ),
    Kpi(
        "cost_per_day",
        lambda inp, row: ratio(row["cost_total"], inp.window_h / 24.0),
        "cost per day (USD)",
        "USD",
        "{:,.0f}",
        NONNEG,
    ),
    Family(_cost_parts),
    Family(_staff_by_pool),
    Family(_staff_extra),
    Kpi(
        "resolution_rate",
        _sum("resolved"),
        "resolution rate",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 1, "paired": 1},
    ),
    Kpi(
        "first_contact_resolution",
        _sum("first_contact_resolved"),
        "first-contact resolution",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 2},
    ),
    Kpi("gave_up_rate", _sum("gave_up"), "gave up", "share", "{:.1%}", SHARE),
    Kpi("open_rate", _sum("open"), "still open at the end", "share", "{:.1%}", SHARE),
    Kpi(
        "contacts_per_complaint",
        _sum("contacts"),
        "contacts per complaint",
        "contacts",
        "{:.2f}",
        NONNEG,
    ),
    Family(_escalations),
    Kpi(
        "ceo_channel_share",
        _sum("reached_ceo"),
        "reached the CEO",
        "share",
        "{:.2%}",
        SHARE,
        views={"headline": 7, "sweep": 3},
        plot_label="share of complaints reaching the CEO",
    ),
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
    ),
    Kpi(
        "ttr_mean_h_resolved",
        lambda inp, row: inp.stats.ttr.mean(),
        "mean time to resolution, resolved complaints only (h)",
        "h",
        "{:,.2f}",
        NONNEG,
    ),
    Kpi(
        "ttr_median_h_resolved",
        lambda inp, row: inp.stats.ttr.quantile(0.5),
        "median time to resolution, resolved complaints only (h)",
        "h",
        "{:,.2f}",
        NONNEG,
    ),
    Kpi(
        "ttr_p90_h_resolved",
        lambda inp, row: inp.stats.ttr.quantile(0.9),
        "P90 time to resolution, resolved complaints only (h)",
        "h",
        "{:,.1f}",
        NONNEG,
    ),
    Kpi(
        "phone_abandon_rate",
        lambda inp, row: ratio(inp.sums["abandoned_calls"], inp.sums["calls"]),
        "phone calls abandoned",
        "share",
        "{:.1%}",
        SHARE,
        views={"sweep": 7},
        plot_label="share of phone calls abandoned",
    ),
    Kpi(
        "phone_wait_mean_min",
        lambda inp, row: ratio(inp.sums["first_call_wait_h"], inp.sums["first_calls"]) * 60.0,
        "mean wait on a first call (min)",
        "min",
        "{:.2f}",
        NONNEG,
        queues=("reps",),
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
    ),
    Kpi(
        "fixed_quickly_share",
        _sum("fixed_quickly"),
        "fixed quickly (within churn.quick_resolution_h)",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "backoffice_share",
        _sum("backoffice"),
        "resolutions needing back-office work",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "chases_per_complaint",
        _sum("chases"),
        "chases of back-office work per complaint",
        "contacts",
        "{:.3f}",
        NONNEG,
    ),
    Kpi(
        "switch_rate",
        _sum("switched"),
        "switched between phone and email",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "roulette_rate",
        _sum("roulettes"),
        "asks again for another rep after a no (per complaint)",
        "contacts",
        "{:.3f}",
        NONNEG,
    ),
    Kpi(
        "redress_cost_per_complaint",
        _sum("compensation"),
        "redress (exceptions granted) per complaint (USD)",
        "USD",
        "{:.2f}",
        NONNEG,
    ),
    Kpi(
        "weak_claims_paid_usd",
        lambda inp, row: inp.sums["weak_paid"],
        "weak claims paid (USD over the window)",
        "USD",
        "{:,.0f}",
        NONNEG,
    ),
    Kpi(
        "weak_claims_granted_rate",
        lambda inp, row: ratio(inp.sums["weak_granted"], inp.sums["claims_weak"]),
        "weak claims granted",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "legit_claims_refused_rate",
        lambda inp, row: ratio(inp.sums["legit_refused"], inp.sums["claims_legit"]),
        "legitimate claims never granted",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "contacts_per_exception_complaint",
        lambda inp, row: ratio(inp.sums["claim_contacts"], inp.sums["claims"]),
        "contacts per complaint needing an exception",
        "contacts",
        "{:.2f}",
        NONNEG,
    ),
    Kpi(
        "hassle_per_exception_complaint",
        lambda inp, row: ratio(
            inp.sums["claim_contacts"] - inp.sums["claim_chases"], inp.sums["claims"]
        ),
        "hassle: contacts to get an answer per complaint needing an exception (no chases)",
        "contacts",
        "{:.2f}",
        NONNEG,
    ),
    Kpi(
        "rep_error_rate_start",
        lambda inp, row: float(inp.result.counters.get("rep_error_rate_start", 0.0)),
        "reps' mean error rate at the start",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "rep_error_rate_end",
        lambda inp, row: float(inp.result.counters.get("rep_error_rate_end", 0.0)),
        "reps' mean error rate at the end",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "reps_replaced",
        lambda inp, row: float(inp.result.counters.get("reps_replaced", 0.0)),
        "reps replaced after errors found by audits",
        "reps",
        "{:,.0f}",
        NONNEG,
    ),
    Kpi(
        "office_repeat_no_rate",
        lambda inp, row: ratio(inp.sums["letters_refused_no"], inp.sums["letters_refused"]),
        "CEO letters answered no, among those customer service had refused",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "office_resolve_unanswered_rate",
        lambda inp, row: ratio(
            inp.sums["letters_unanswered_resolved"], inp.sums["letters_unanswered"]
        ),
        "CEO letters resolved, among those customer service never answered",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "owner_assigned_rate",
        _sum("owner_assigned"),
        "complaints given a named owner with a direct line",
        "share",
        "{:.2%}",
        SHARE,
    ),
    Kpi(
        "lost_follow_up_rate",
        _sum("lost_follow_up"),
        "promises made without a ticket and lost",
        "share",
        "{:.2%}",
        SHARE,
    ),
    Kpi(
        "repeat_complaint_rate",
        lambda inp, row: ratio(inp.sums["repeats"], inp.n),
        "repeat complaints (a customer's second or later in the run)",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "social_first_share_repeat",
        lambda inp, row: ratio(inp.sums["repeats_social_first"], inp.sums["repeats"]),
        "repeat complaints that start on social",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "ceo_first_share_repeat",
        lambda inp, row: ratio(inp.sums["repeats_ceo_first"], inp.sums["repeats"]),
        "repeat complaints that start at the CEO's inbox",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "customers_left_base",
        lambda inp, row: float(inp.result.counters.get("customers_churned", 0.0)),
        "customers who churned and left the base (over the run)",
        "customers",
        "{:,.0f}",
        NONNEG,
    ),
    Kpi(
        "complaints_sent_social_by_publicity",
        lambda inp, row: float(inp.result.counters.get("publicity_sent_social", 0.0)),
        "complaints that started on social because of publicity (over the run)",
        "complaints",
        "{:,.0f}",
        NONNEG,
    ),
    Kpi(
        "social_answer_rate",
        lambda inp, row: ratio(inp.sums["posts_answered"], inp.sums["posts"]),
        "public posts answered",
        "share",
        "{:.1%}",
        SHARE,
    ),
    Kpi(
        "staff_cost_per_contact",
        lambda inp, row: ratio(inp.costs["cost_staff"], inp.sums["contacts"]),
        "staff cost per contact (USD)",
        "USD",
        "{:.2f}",
    ),
    Kpi(
        "deadline_breach_rate",
        lambda inp, row: ratio(inp.sums["late_letter_writers"], inp.sums["reached_ceo"]),
        "CEO letter writers answered past the deadline",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 9},
    ),
    Kpi(
        "impressions_per_complaint",
        _sum("impressions"),
        "negative impressions per complaint",
        "impressions",
        "{:,.0f}",
        NONNEG,
    ),
    Family(_utilisation),
    Family(_occupancy),
    Kpi(
        "cost_per_phone_contact",
        _phone_contact_cost,
        "fully loaded cost of a handled call (USD)",
        "USD",
        "{:.2f}",
        NONNEG,
    ),
    Kpi(
        "stable",
        lambda inp, row: inp.queues[0] if inp.n else math.nan,  # nothing measured: no verdict
        "queues stable (share of runs)",
        "share",
        "{:.0%}",
        SHARE,
        views={"headline": 11},
    ),
    Kpi(
        "window_stationary",
        _window_stationary,
        "measured window stationary (share of runs; MSER on the daily series)",
        "share",
        "{:.0%}",
        SHARE,
    ),
    Kpi(
        "mser_truncation_days",
        lambda inp, row: inp.stationarity.truncation_h / 24.0 if inp.stationarity else math.nan,
        "days of the window MSER would still drop as warm-up",
        "days",
        "{:.0f}",
        NONNEG,
    ),
    Kpi(
        "warmup_days",
        lambda inp, row: inp.result.window_h[0] / 24.0,
        "warm-up not measured (days)",
        "days",
        "{:g}",
        NONNEG,
    ),
    Kpi(
        "meets_targets",
        _meets_targets,
        "meets service targets (share of runs)",
        "share",
        "{:.0%}",
        SHARE,
        views={"headline": 12, "sweep": 6},
        plot_label="share of runs meeting service targets",
    ),
    Kpi(
        "cost_capacity_per_complaint",
        _capacity,
        "paid staff capacity per complaint (USD)",
        "USD",
        "{:,.1f}",
        NONNEG,
    ),
    Kpi("unstable_queues", lambda inp, row: ",".join(inp.queues[1]), "unstable queues"),
    Kpi(
        "ceo_backlog_end",
        lambda inp, row: int(inp.result.counters.get("ceo_letters_at_horizon", 0)),
        "letters in the CEO's inbox at the horizon",
        "letters",
        "{:,.0f}",
        NONNEG,
    ),
    Kpi(
        "ceo_hours_owed",
        lambda inp, row: float(inp.result.counters.get("ceo_hours_owed", 0.0)),
        "CEO hours owed at the horizon",
        "h",
        "{:,.1f}",
        NONNEG,
    ),
    Kpi(
        "ceo_wait_mean_h",
        lambda inp, row: ratio(inp.sums["ceo_wait_h"], inp.sums["ceo_waits"]),
        "wait for a CEO-channel answer (h)",
        "h",
        "{:,.1f}",
        NONNEG,
        views={"headline": 8},
        queues=("ceo", "exec_office"),
    ),
    Family(_growth),
    Kpi(
        "follower_ttr_ratio",
        lambda inp, row: median_ratio(
            inp.stats.top.survival.quantile(0.5), inp.stats.rest.survival.quantile(0.5)
        ),
        "TTR top 1% / rest (median)",
        "ratio",
        "{:.2f}",
        NONNEG,
        views={"headline": 13},
        censored=True,  # +inf where the top's median is not reached
    ),
    Kpi(
        "follower_ttr_ratio_resolved",
        lambda inp, row: ratio(
            inp.stats.top.ttr.quantile(0.5) if inp.stats.top.resolved else math.nan,
            inp.stats.rest.ttr.quantile(0.5) if inp.stats.rest.resolved else math.nan,
        ),
        "TTR top 1% / rest (median, resolved only)",
        "ratio",
        "{:.2f}",
        NONNEG,
    ),
    Kpi(
        "follower_resolution_gap",
        _follower_gap,
        "resolution rate, top 1% minus rest",
        "share",
        "{:+.1%}",
        GAP,
        views={"headline": 14, "paired": 5},
    ),
    Kpi(
        "channel_ttr_ratio",
        lambda inp, row: inp.by_channel[0],
        "TTR slowest / fastest first channel (median)",
        "ratio",
        "{:.2f}",
        NONNEG,
        censored=True,  # +inf where a group's median is not reached
    ),
    Kpi(
        "channel_resolution_gap",
        lambda inp, row: inp.by_channel[1],
        "resolution rate, best minus worst first channel",
        "share",
        "{:+.1%}",
        GAP,
    ),
    Kpi(
        "gini_ttr",
        lambda inp, row: inp.stats.ttr.gini(),
        "Gini of TTR (resolved complaints)",
        "index",
        "{:.2f}",
        SHARE,
        views={"headline": 15},
    ),
    Kpi(
        "jain_ttr",
        lambda inp, row: inp.stats.ttr.jain(),
        "Jain's index of TTR (resolved complaints)",
        "index",
        "{:.2f}",
        SHARE,
    ),
    Kpi(
        "audit_coverage",
        _sum("tracked"),
        "audit-trail coverage",
        "share",
        "{:.0%}",
        SHARE,
        views={"headline": 16},
    ),
    Kpi(
        "churn_rate",
        _sum("churned"),
        "churn rate",
        "share",
        "{:.1%}",
        SHARE,
        views={"headline": 17, "paired": 3, "sweep": 5},
    ),
    Kpi(
        "p_wait",
        _queue("first_calls_waited"),
        "P(wait > 0)",
        "share",
        "{:.4f}",
        SHARE,
        queue_only=True,
    ),
    Kpi(
        "mean_wait_min",
        _queue("mean_wait_min"),
        "mean wait (min)",
        "min",
        "{:.4f}",
        NONNEG,
        queue_only=True,
    ),
    Kpi(
        "p_abandon",
        _queue("first_calls_abandoned"),
        "P(abandon)",
        "share",
        "{:.4f}",
        SHARE,
        queue_only=True,
    ),
    Kpi("occupancy", _queue("occupancy"), "occupancy", "share", "{:.4f}", SHARE, queue_only=True),
    Kpi(
        "service_level_20s",
        _queue("first_calls_in_service_level"),
        "served within 20 s",
        "share",
        "{:.4f}",
        SHARE,
        queue_only=True,
    ),
]
"""Every KPI in ``kpis.csv`` order (after ``policy`` and ``replication``)."""


def kpis() -> list[Kpi]:
    """The registry with every family expanded, in order; a name declared twice (a
    plugin's KPI named like one of ours would silently replace it in every table) raises
    a ValueError naming it."""
    out: list[Kpi] = []
    for entry in REGISTRY:
        out.extend(entry.make() if isinstance(entry, Family) else [entry])
    if len({k.name for k in out}) < len(out):
        seen: set[str] = set()
        twice = sorted({k.name for k in out if k.name in seen or seen.add(k.name)})
        raise ValueError(f"KPI name(s) declared twice in analysis.kpis.REGISTRY: {twice}")
    return out


def by_name() -> dict[str, Kpi]:
    """The expanded registry by KPI name."""
    return {k.name: k for k in kpis()}


def view(name: str) -> list[Kpi]:
    """The KPIs a table or plot shows, in its order."""
    shown = [k for k in kpis() if name in k.views]
    return sorted(shown, key=lambda k: k.views[name])


def bounds(name: str) -> tuple[float, float]:
    """The range KPI ``name`` cannot leave ((-inf, inf) for a name not in the registry)."""
    k = by_name().get(name)
    return k.bounds if k else ANY


def compute(inputs: KpiInputs) -> dict[str, Any]:
    """One row of KPIs for a run: ``policy``, ``replication``, then every KPI."""
    row: dict[str, Any] = {"policy": inputs.result.policy, "replication": inputs.result.replication}
    for k in kpis():
        if k.queue_only and not inputs.queue_only:
            continue
        row[k.name] = k.compute(inputs, row)
    return row
