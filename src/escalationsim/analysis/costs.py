"""What complaints cost: staff time at loaded hourly rates, the CEO's time (an
opportunity cost), publicity, churn, compensation, fines and ombudsman cases.

Per complaint, staff are charged for the hours spent on it (busy time). A run's total
can charge every paid hour instead (``costs.staff_basis``: the KPIs add the idle paid
time, which belongs to no complaint). Churn is charged as the scenario's
``churn.accounting`` says: ``lifetime`` (every churned customer at their whole lifetime
value) or ``incremental`` (churn beyond the baseline attrition every customer has,
valued at the margin lost over the horizon).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from escalationsim.config.scenario import ChurnAccounting, ChurnConfig, ScenarioConfig
from escalationsim.engine.staff import POOLS, WORK_POOLS


def hourly_costs(scenario: ScenarioConfig) -> dict[str, float]:
    """Loaded hourly cost by staff role (the CEO's is an opportunity cost)."""
    return {name: getattr(scenario.staff, name).hourly_cost_usd for name in POOLS}


def margin_share(churn: ChurnConfig) -> float:
    """Share of a customer's lifetime value lost over the churn horizon."""
    return min(1.0, churn.horizon_years / churn.lifetime_years)


def churn_costs(cols: Mapping[str, np.ndarray], churn: ChurnConfig) -> dict[str, np.ndarray]:
    """Per-complaint churn costs (USD): ``cost_churn_lifetime`` (churned: whole lifetime
    value), ``cost_churn_incremental`` (churned minus the baseline attrition, times the
    margin over the horizon; negative for a customer who stays) and ``cost_churn``, the one
    the scenario's accounting charges."""
    clv = cols["clv"]
    lifetime = np.where(cols["churned"], clv, 0.0)
    incremental = (cols["churned"] - churn.baseline_attrition) * (clv * margin_share(churn))
    charged = incremental if churn.accounting == ChurnAccounting.incremental else lifetime
    return {
        "cost_churn": charged,
        "cost_churn_lifetime": lifetime,
        "cost_churn_incremental": incremental,
    }


def ombudsman_costs(cols: Mapping[str, np.ndarray], scenario: ScenarioConfig) -> np.ndarray:
    """Per-complaint cost of an ombudsman's case (USD): the case fee and the executive
    office's hours on every case, the claim's value and the award on an upheld one."""
    om = scenario.ombudsman
    if not om.enabled:  # no case (and a table without the columns, from before them)
        return np.zeros(len(cols["hours_ceo"]))
    case = cols["ombudsman_case"].astype(float)
    upheld = cols["ombudsman_upheld"].astype(float)
    per_case = om.case_fee_usd + om.staff_hours * scenario.staff.exec_office.hourly_cost_usd
    return case * per_case + upheld * (cols["exception_value"] + om.award_usd)


def cost_columns(cols: Mapping[str, np.ndarray], scenario: ScenarioConfig) -> dict[str, np.ndarray]:
    """Per-complaint costs (USD): staff (busy time), CEO, publicity, churn, the total."""
    rates = hourly_costs(scenario)
    staff = sum(cols[f"hours_{r}"] * rates[r] for r in WORK_POOLS)
    staff = staff + cols["hours_audit"] * rates["managers"]
    if scenario.backoffice.enabled:
        staff = staff + cols["hours_backoffice"] * scenario.backoffice.hourly_cost_usd
    churn = churn_costs(cols, scenario.churn)
    out = {
        "cost_staff": staff,
        "cost_ceo": cols["hours_ceo"] * rates["ceo"],
        "cost_publicity": cols["impressions"] * scenario.costs.cost_per_impression_usd,
        "cost_churn": churn["cost_churn"],
        "cost_ombudsman": ombudsman_costs(cols, scenario),
    }
    out["cost_total"] = (
        out["cost_staff"]
        + out["cost_ceo"]
        + cols["compensation"]
        + out["cost_publicity"]
        + out["cost_churn"]
        + cols["penalty"]
        + out["cost_ombudsman"]
    )
    out["cost_churn_lifetime"] = churn["cost_churn_lifetime"]
    out["cost_churn_incremental"] = churn["cost_churn_incremental"]
    return out
