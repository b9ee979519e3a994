"""What complaints cost: staff time at loaded hourly rates, the CEO's time (an
opportunity cost), publicity, churned customers' lifetime value, compensation and fines.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from escalationsim.config import ScenarioConfig
from escalationsim.kernel.staff import STAFF_ROLES


def hourly_costs(scenario: ScenarioConfig) -> dict[str, float]:
    """Loaded hourly cost by staff role (the CEO's is an opportunity cost)."""
    st = scenario.staff
    return {
        "reps": st.reps.hourly_cost_usd,
        "social": st.social.hourly_cost_usd,
        "managers": st.managers.hourly_cost_usd,
        "exec_office": st.exec_office.hourly_cost_usd,
        "ceo": st.ceo.hourly_cost_usd,
    }


def cost_columns(cols: Mapping[str, np.ndarray], scenario: ScenarioConfig) -> dict[str, np.ndarray]:
    """Per-complaint costs (USD): staff, CEO, publicity, churn, and the total."""
    rates = hourly_costs(scenario)
    staff = sum(cols[f"hours_{r}"] * rates[r] for r in STAFF_ROLES if r != "ceo")
    out = {
        "cost_staff": staff + cols["hours_audit"] * rates["managers"],
        "cost_ceo": cols["hours_ceo"] * rates["ceo"],
        "cost_publicity": cols["impressions"] * scenario.costs.cost_per_impression_usd,
        "cost_churn": np.where(cols["churned"], cols["clv"], 0.0),
    }
    out["cost_total"] = (
        out["cost_staff"]
        + out["cost_ceo"]
        + cols["compensation"]
        + out["cost_publicity"]
        + out["cost_churn"]
        + cols["penalty"]
    )
    return out
