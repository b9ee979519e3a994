"""The staff of a run: which pools exist, in which order their hours are kept, and
building them from the scenario.

Pools are named in the plural (``reps``, ``managers``: the ``hours_<pool>``,
``cost_staff_<pool>``, ``util_<pool>`` and ``queue_<pool>`` columns), while who
*resolved* a complaint is a :class:`~escalationsim.kernel.codes.Role` in the singular
(``rep``, ``manager``: the ``resolved_by`` column).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalationsim.kernel.ceo_desk import CeoDesk
from escalationsim.kernel.staff_pool import StaffPool

if TYPE_CHECKING:
    import simpy

    from escalationsim.config.scenario import ScenarioConfig

POOLS: tuple[str, ...] = ("reps", "social", "managers", "exec_office", "ceo")
"""Staff pools in a fixed order: per-complaint handling hours are kept in this order."""

AUDIT_SLOT = len(POOLS)
"""Slot after the pools for managers' audit hours: spent after the customer was served."""

HOUR_SLOTS = AUDIT_SLOT + 1
"""Length of a customer's ``hours`` list."""

HOUR_COLUMNS: tuple[str, ...] = tuple(f"hours_{p}" for p in (*POOLS, "audit"))
"""Complaint columns of handling hours, by slot."""


def configured_counts(scenario: ScenarioConfig) -> dict[str, int]:
    """Workers per pool as configured (no scaling with volume); the CEO is one person."""
    return {name: getattr(scenario.staff, name).count for name in POOLS if name != "ceo"}


def build_staff(
    env: simpy.Environment,
    scenario: ScenarioConfig,
    counts: dict[str, int],
    window: tuple[float, float],
) -> dict[str, StaffPool | CeoDesk]:
    """Every pool of the run, in :data:`POOLS` order, with ``counts`` workers each."""
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
            staff[name] = StaffPool(env, name, i, counts[name], cfg.hourly_cost_usd, window)
    return staff
