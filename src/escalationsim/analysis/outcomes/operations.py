"""Operations: how much work there was, how loaded each pool was, and whether the queues
and the measured window were stable; whether the service targets were met."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from escalationsim.analysis.outcomes.base import (
    INF,
    NONNEG,
    SHARE,
    CounterValue,
    Family,
    Kpi,
    Theme,
    ratio,
)
from escalationsim.engine.staff import POOLS

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

THEME = Theme("operations", "Scalability and stability")


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


VOLUME: list[Kpi | Family] = [
    Kpi(
        "complaints",
        lambda inp, row: inp.n,
        "complaints measured",
        "complaints",
        "{:,.0f}",
        NONNEG,
        direction="none",  # how many there were says how big the run was, not a policy's worth
        doc="complaints that arrived in the measurement window",
    ),
    Kpi(
        "prevented",
        lambda inp, row: inp.result.log.prevented,
        "complaints prevented by root-cause fixes",
        "complaints",
        "{:,.0f}",
        NONNEG,
        direction="higher",
        doc="complaints a shipped root-cause fix prevented in the window",
    ),
    Kpi(
        "prevented_share",
        lambda inp, row: ratio(row["prevented"], row["prevented"] + row["complaints"]),
        "share of complaints prevented by root-cause fixes",
        "share",
        "{:.1%}",
        SHARE,
        direction="higher",
        views={"when_active": 0},
        doc="complaints prevented / (complaints + complaints prevented), in the window: how "
        "much root-cause fixing reduced the volume",
    ),
    Kpi(
        "root_cause_detected_day",
        lambda inp, row: _day(CounterValue("root_cause_detected_at_h")(inp, row)),
        "day the first root cause was found",
        "days",
        "{:.1f}",
        NONNEG,
        views={"when_active": 1},
        counters=("root_cause_detected_at_h",),
        doc="days from the start of the run to the first root cause found from the tickets' "
        "evidence (`policies.<name>.root_cause`); NaN when none was found within the run "
        "(censored: read it with `root_cause_fixes`)",
    ),
    Kpi(
        "root_cause_fixes",
        CounterValue("root_cause_fixes"),
        "root-cause fixes shipped",
        "fixes",
        "{:.1f}",
        NONNEG,
        direction="higher",
        views={"when_active": 2},
        doc="root-cause fixes shipped before the horizon",
    ),
]


def _day(hours: float) -> float:
    """Hours from the start as days; NaN for never (inf)."""
    return hours / 24.0 if math.isfinite(hours) else math.nan


def util_name(pool: str) -> str:
    """The utilisation KPI of staff pool ``pool`` (``util_exec`` for the executive office)."""
    return "util_exec" if pool == "exec_office" else f"util_{pool}"


def _utilisation() -> Iterable[Kpi]:
    for pool in POOLS:
        name = util_name(pool)
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


LOAD: list[Kpi | Family] = [
    Family(
        _utilisation,
        rows=(
            (
                "util_reps, util_social, util_managers, util_exec",
                "busy worker-hours in the window / paid worker-hours in the window (workers "
                "x window length for a pool staffed around the clock; NaN for a pool with no "
                "work)",
            ),
            (
                "util_ceo",
                "CEO hours worked in the window / CEO complaint hours scheduled in the window",
            ),
        ),
    ),
    Family(
        _occupancy,
        rows=(
            (
                "occupancy_<pool>",
                "busy worker-hours in the window / paid worker-hours of the pool's schedule "
                "in the window (`occupancy_reps`, ..., `occupancy_ceo`); equals "
                "`util_<pool>` for a pool staffed around the clock, and can exceed 1 when "
                "work in progress runs past the end of shifts",
            ),
        ),
    ),
]


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


STABILITY: list[Kpi | Family] = [
    Kpi(
        "stable",
        lambda inp, row: inp.queues[0] if inp.n else math.nan,  # nothing measured: no verdict
        "queues stable (share of runs)",
        "share",
        "{:.0%}",
        SHARE,
        views={"headline": 11},
        direction="higher",
        doc="true when no queue grew by more than 5% of the requests that entered it in the "
        "window, plus 5 (`unstable_queues` lists the ones that did). Abandonment keeps an "
        "overloaded phone queue bounded, so a queue can be stable and still give bad "
        "service: see `meets_targets`. A wait measured at a queue that grows without bound "
        "depends on how long the run drains, not on the policy: the tables and the report "
        'show "unstable: ... grows by N a week, M% never served" instead of such a wait '
        "(`phone_wait_mean_min`, `ceo_wait_mean_h`) when its queue was unstable in most runs",
    ),
    Kpi(
        "window_stationary",
        _window_stationary,
        "measured window stationary (share of runs; MSER on the daily series)",
        "share",
        "{:.0%}",
        SHARE,
        direction="higher",
        doc="the measured window looks stationary: no daily series (complaints, their cost, "
        "every queue's length) still trends once MSER has truncated it, and every queue is "
        "stable (docs/model.md, Runs); NaN when the window is too short to tell (fewer than "
        "four weeks under a weekly profile)",
    ),
    Kpi(
        "mser_truncation_days",
        lambda inp, row: inp.stationarity.truncation_h / 24.0 if inp.stationarity else math.nan,
        "days of the window MSER would still drop as warm-up",
        "days",
        "{:.0f}",
        NONNEG,
        doc="the latest MSER truncation point over those series, in days of the window: how "
        "much of the window still looks like start-up",
    ),
    Kpi(
        "warmup_days",
        lambda inp, row: inp.result.window_h[0] / 24.0,
        "warm-up not measured (days)",
        "days",
        "{:g}",
        NONNEG,
        doc="the warm-up the run used, in days (the one `run.warmup_days=auto` chose, when it did)",
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
        direction="higher",
        doc="stable, phone abandonment at most `targets.phone_abandon_max`, P90 time to "
        "resolution of the resolved complaints (`ttr_p90_h_resolved`) at most "
        "`targets.ttr_p90_max_h`, deadline breaches at most `targets.deadline_breach_max`",
    ),
]


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


QUEUES: list[Kpi | Family] = [
    Kpi(
        "unstable_queues",
        lambda inp, row: ",".join(inp.queues[1]),
        "unstable queues",
        direction="none",
        doc="the queues that were unstable (see `stable`), comma-separated",
    ),
    Kpi(
        "ceo_backlog_end",
        CounterValue("ceo_letters_at_horizon", int),
        "letters in the CEO's inbox at the horizon",
        "letters",
        "{:,.0f}",
        NONNEG,
        doc="letters in the CEO's inbox at the horizon (including one in progress); under "
        "`office` the executive office's queue shows in `backlog_growth_exec_office` instead",
    ),
    Kpi(
        "ceo_hours_owed",
        CounterValue("ceo_hours_owed"),
        "CEO hours owed at the horizon",
        "h",
        "{:,.1f}",
        NONNEG,
        doc="the CEO hours the letters in the inbox at the horizon still need (their "
        "handling time, the one in progress's remainder)",
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
        reads=("ceo_wait_h", "ceo_waits"),
        doc="mean time from writing to the CEO to the final answer; for letters still "
        "unanswered at the end of the run, their age then (a lower bound); letters whose "
        "writer gave up waiting (`letters_abandoned_rate`) are left out, so under a CEO "
        "who triages it is the wait of those answered",
    ),
    Family(
        _growth,
        rows=(
            (
                "backlog_growth_<queue>",
                "mean daily queue length over the last 7 days of the window minus that over "
                "the first 7 (halves if the window is shorter than 14 days)",
            ),
            (
                "backlog_growth_per_week_<queue>",
                "that growth per week: over the days between the middles of the two ends compared",
            ),
            (
                "unstable_<queue>",
                "1 when that queue is unstable (see `stable`), else 0: its mean in "
                "`summary.csv` is the share of runs in which it was",
            ),
            (
                "unserved_share_<queue>",
                "share of the requests made to that queue inside the window never served by "
                "the end of the run (a call abandoned or still waiting; a letter the CEO "
                "never finished)",
            ),
        ),
    ),
]
