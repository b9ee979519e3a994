"""The staff of a run: which pools exist, in which order their hours are kept, and
building them from the scenario.

Pools are named in the plural (``reps``, ``managers``: the ``hours_<pool>``,
``cost_staff_<pool>``, ``util_<pool>`` and ``queue_<pool>`` columns), while who
*resolved* a complaint is a :class:`~escalationsim.kernel.codes.Role` in the singular
(``rep``, ``manager``: the ``resolved_by`` column).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalationsim.config.scenario import WORK_POOLS
from escalationsim.kernel.ceo_desk import CeoDesk
from escalationsim.kernel.schedule import Schedule
from escalationsim.kernel.staff_pool import StaffPool

if TYPE_CHECKING:
    import simpy

    from escalationsim.config.scenario import ScenarioConfig

POOLS: tuple[str, ...] = (*WORK_POOLS, "ceo")
"""Staff pools in a fixed order: per-complaint handling hours are kept in this order. The
pools that can be given work (``WORK_POOLS``, re-exported here), then the CEO's desk."""

AUDIT_SLOT = len(POOLS)
"""Slot after the pools for managers' audit hours: spent after the customer was served."""

BACKOFFICE_SLOT = AUDIT_SLOT + 1
"""Slot for back-office hours: work a resolution needs after the contact, done outside
the contact centre's pools (engine.backoffice)."""

HOUR_SLOTS = BACKOFFICE_SLOT + 1
"""Length of a customer's ``hours`` list."""

HOUR_COLUMNS: tuple[str, ...] = tuple(f"hours_{p}" for p in (*POOLS, "audit", "backoffice"))
"""Complaint columns of handling hours, by slot."""


def configured_schedules(scenario: ScenarioConfig) -> dict[str, Schedule]:
    """Every pool's schedule as configured (no scaling with volume); a pool that no kind
    of work goes to (``staff.work``) is not staffed."""
    st = scenario.staff
    used = st.work.pools_in_use()
    return {
        name: getattr(st, name).weekly_schedule() if name in used else Schedule.constant(0)
        for name in WORK_POOLS
    }


def build_staff(
    env: simpy.Environment,
    scenario: ScenarioConfig,
    staffing: dict[str, Schedule | int],
    window: tuple[float, float],
) -> dict[str, StaffPool | CeoDesk]:
    """Every pool of the run, in :data:`POOLS` order: ``staffing`` gives each pool's
    schedule (or constant head count); the CEO has a desk of their own."""
    st = scenario.staff
    staff: dict[str, StaffPool | CeoDesk] = {}
    for i, name in enumerate(POOLS):
        if name == "ceo":
            c = st.ceo
            staff[name] = CeoDesk(
                env, i, c.hours_per_week, c.days_per_week, c.start_hour, c.hourly_cost_usd, window
            )
        else:
            cfg = getattr(st, name)
            sch = staffing[name]
            if isinstance(sch, int):
                sch = Schedule.constant(sch)
            staff[name] = StaffPool(env, name, i, sch.peak, cfg.hourly_cost_usd, window, sch)
    return staff
