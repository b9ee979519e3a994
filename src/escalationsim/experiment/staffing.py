"""How many workers each pool has in a run, and when: as configured, or grown with volume.

This is decided before the run, from queueing formulas (Erlang A), which is why it lives
here and not in the engine: the engine takes the schedules it is given.
"""

from __future__ import annotations

import math

import numpy as np

from escalationsim.analysis.analytic import staff_for_targets
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine.population import profile_factor
from escalationsim.engine.staff import configured_schedules
from escalationsim.kernel.schedule import Schedule


def _phone_agents(scenario: ScenarioConfig, calls_h: float) -> int:
    """Fewest agents keeping abandonment of first calls arriving at ``calls_h`` an hour
    (Erlang A with the scenario's call time and mean patience) at or below half the
    abandonment target (occupancy at most 90% if callers never hang up)."""
    if calls_h <= 0:
        return 0
    ht = scenario.handle_times
    patience_s = scenario.channels.phone.patience_mean_s
    if not patience_s:  # callers never hang up: Erlang C, occupancy at most 90%
        return staff_for_targets(calls_h, 60.0 / ht.phone.mean_min, max_occupancy=0.9)
    return staff_for_targets(
        calls_h,
        60.0 / ht.phone.mean_min,
        max_abandon=scenario.targets.phone_abandon_max / 2,
        theta=3600.0 / patience_s,
    )


def staffing(scenario: ScenarioConfig) -> dict[str, Schedule]:
    """Every pool's schedule: as configured, or grown with volume if
    ``scale_with_volume``.

    Scaled, the pool that takes calls is staffed hour by hour of the week (the
    stationary independent period-by-period approach, SIPP: Erlang A on each hour's
    arrival rate, from the hour-of-day and day-of-week profiles; Green, Kolesar & Soares,
    Operations Research 2001, find it accurate when calls last minutes and rates change by
    the hour, as here, so no lag correction is applied), keeping abandonment at most half
    the target, plus the email load (and the social load, if the same pool answers posts)
    in Erlangs at the daily average, rounded up: that work waits, so it need not be
    staffed at its peak. Other pools keep their schedule's shape, each head count grown in
    proportion to volume and rounded up.
    """
    st = scenario.staff
    schedules = configured_schedules(scenario)
    if not st.scale_with_volume:
        return schedules
    vol = scenario.volume_per_day
    factor = vol / st.reference_volume_per_day
    for name, sch in schedules.items():
        schedules[name] = sch.scaled(factor)
    pop, ht, work = scenario.population, scenario.handle_times, st.work
    pool = work.phone.pool
    deferred = 0.0  # Erlangs of work that can wait for a free agent
    if work.email.pool == pool:
        deferred += vol / 24.0 * pop.first_channel_email * ht.email.mean_min / 60.0
    if work.social.pool == pool:
        deferred += vol / 24.0 * pop.first_channel_social * ht.social.mean_min / 60.0
    extra = math.ceil(deferred - 1e-9)
    hours = np.arange(168) + 0.5
    rates = vol / 24.0 * pop.first_channel_phone * profile_factor(scenario, hours)
    by_rate: dict[float, int] = {}
    table = []
    for r in rates.tolist():
        if r not in by_rate:
            by_rate[r] = _phone_agents(scenario, r)
        table.append(max(1, by_rate[r] + extra))
    schedules[pool] = Schedule.from_table(table)
    return schedules


def head_counts(scenario: ScenarioConfig) -> dict[str, int]:
    """Peak workers per pool (:func:`staffing`)."""
    return {name: sch.peak for name, sch in staffing(scenario).items()}
