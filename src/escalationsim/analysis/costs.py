"""What complaints cost: staff time at loaded hourly rates, the CEO's time (an
opportunity cost), publicity, churned customers' lifetime value, compensation and fines.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine.staff import POOLS


def hourly_costs(scenario: ScenarioConfig) -> dict[str, float]:
    """Loaded hourly cost by staff role (the CEO's is an opportunity cost)."""
    return {name: getattr(scenario.staff, name).hourly_cost_usd for name in POOLS}


def cost_columns(cols: Mapping[str, np.ndarray], scenario: ScenarioConfig) -> dict[str, np.ndarray]:
    """Per-complaint costs (USD): staff, CEO, publicity, churn, and the total."""
    rates = hourly_costs(scenario)
    staff = sum(cols[f"hours_{r}"] * rates[r] for r in POOLS if r != "ceo")
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
