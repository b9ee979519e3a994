"""Break-even values of the pricing parameters, from one run, without simulating again.

Some parameters only price what happened: staff and CEO hourly costs, the staff's
shrinkage (paid hours per scheduled hour), the back office's hourly cost, the cost of a
negative impression, the median customer value, the fine for a late letter, the churn
horizon. Changing one changes no behaviour of the model (no
column of ``complaints.parquet`` but the costs, the customer value and the fines:
tests/test_breakeven.py checks it), only the cost parts it scales. So each policy's cost
per complaint is, in every replication, a line in a transform ``x`` of the parameter
(``x = p`` for a price, ``x = min(1, horizon / lifetime)`` for the churn horizon,
``x = 1 / (1 - shrinkage)`` for a pool's shrinkage):
``cost(x) = cost_now + part_now * (x / x_now - 1) / complaints``, with ``part_now`` the
cost part it scales, read from the run's KPI row.

For the cheapest policy (by mean cost per complaint) against each other one, the paired
difference ``d_r(x) = alpha_r + beta_r * x`` over replications ``r`` is zero at the
break-even value ``x* = -mean(alpha) / mean(beta)``; its 95% interval is Fieller's: the
values of ``x`` at which the paired t-test of ``d(x)`` does not reject 0 (the set where
``mean(d(x))^2 <= t^2 var(d(x)) / R``, a quadratic inequality in ``x``). A break-even
outside the parameter's allowed range is ``never``.

``breakeven.csv`` columns: ``parameter``, ``policy_a`` (the cheapest), ``policy_b`` (the
others, the runner-up first),
``breakeven``, ``ci_low``, ``ci_high``, ``current``, ``unit``, and ``note`` (why a value
is ``never``, unknown, or its interval unbounded).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escalationsim.analysis.outcomes.operations import util_name
from escalationsim.config.scenario import ChurnAccounting, ScenarioConfig, StaffBasis
from escalationsim.engine.staff import WORK_POOLS

Part = Callable[[pd.Series, ScenarioConfig], float]
"""The cost (USD over the window) in a KPI row that the parameter scales."""


def _proportional(p: float, scenario: ScenarioConfig) -> float:
    return p


@dataclass(frozen=True)
class Pricing:
    """A parameter that only prices outcomes: its dotted key under ``scenario``, words,
    unit, allowed range, the cost part it scales, and the transform ``x(p)`` the part is
    proportional to (``p`` itself by default), with its inverse."""

    key: str
    label: str
    unit: str
    low: float
    high: float
    part: Part
    x: Callable[[float, ScenarioConfig], float] = _proportional
    inverse: Callable[[float, ScenarioConfig], float | None] = _proportional
    group: str = ""
    """The cost part it scales, when parameters share one (the median customer value and
    the churn horizon both scale churn: their factors multiply); its key by default."""

    def current(self, scenario: ScenarioConfig) -> float:
        node: object = scenario
        for name in self.key.split("."):
            node = getattr(node, name)
        return float(node)  # type: ignore[arg-type]


def _staff(pool: str) -> Part:
    def part(row: pd.Series, scenario: ScenarioConfig) -> float:
        busy = float(row[f"cost_staff_{pool}"])
        if scenario.costs.staff_basis != StaffBasis.paid:
            return busy
        util = float(row[util_name(pool)])  # busy / scheduled hours
        if math.isnan(util):  # no paid hours: the pool costs nothing
            return 0.0
        if util <= 0:  # idle all along: paid cost unknown
            return math.nan
        # paid cost: the scheduled hours' (busy / util) over 1 - shrinkage
        return busy / util / (1.0 - getattr(scenario.staff, pool).shrinkage)

    return part


def _paid_staff(pool: str) -> Part:
    """A pool's paid cost under the paid basis (what its shrinkage scales), else 0."""
    whole = _staff(pool)

    def part(row: pd.Series, scenario: ScenarioConfig) -> float:
        return whole(row, scenario) if scenario.costs.staff_basis == StaffBasis.paid else 0.0

    return part


def _shrinkage_x(s: float, scenario: ScenarioConfig) -> float:
    return 1.0 / (1.0 - s)  # paid hours per scheduled hour


def _shrinkage_inverse(x: float, scenario: ScenarioConfig) -> float | None:
    return 1.0 - 1.0 / x if x >= 1.0 else None  # fewer paid hours than scheduled: none


def _column(name: str) -> Part:
    return lambda row, scenario: float(row[name])


def _churn_horizon_part(row: pd.Series, scenario: ScenarioConfig) -> float:
    # the horizon prices churn only under incremental accounting (margin over the horizon)
    incremental = scenario.churn.accounting == ChurnAccounting.incremental
    return float(row["cost_churn"]) if incremental else 0.0


def _horizon_x(h: float, scenario: ScenarioConfig) -> float:
    return min(1.0, h / scenario.churn.lifetime_years)


def _horizon_inverse(x: float, scenario: ScenarioConfig) -> float | None:
    # beyond the lifetime a longer horizon changes nothing: no horizon gives x > 1
    return x * scenario.churn.lifetime_years if 0.0 <= x <= 1.0 else None


KINDS: dict[Callable[[float, ScenarioConfig], float], str] = {
    _horizon_x: "horizon",
    _shrinkage_x: "shrinkage",
}
"""The what-if panel's name for each transform other than the price itself (its script
computes ``x`` by the same formula)."""

PRICING: tuple[Pricing, ...] = (
    *(
        Pricing(
            f"staff.{pool}.hourly_cost_usd",
            f"hourly cost of the {pool.replace('_', ' ')}",
            "USD/h",
            0.0,
            1e6,
            _staff(pool),
            group=f"staff.{pool}",
        )
        for pool in WORK_POOLS
    ),
    *(
        Pricing(
            f"staff.{pool}.shrinkage",
            f"shrinkage of the {pool.replace('_', ' ')} (share of paid hours off the schedule)",
            "share",
            0.0,
            0.9,
            _paid_staff(pool),
            _shrinkage_x,
            _shrinkage_inverse,
            group=f"staff.{pool}",
        )
        for pool in WORK_POOLS
    ),
    Pricing(
        "staff.ceo.hourly_cost_usd",
        "the CEO's hourly (opportunity) cost",
        "USD/h",
        0.0,
        1e6,
        _column("cost_ceo"),
    ),
    Pricing(
        "backoffice.hourly_cost_usd",
        "hourly cost of the back office",
        "USD/h",
        0.0,
        1e6,
        _column("cost_staff_backoffice"),
    ),
    Pricing(
        "costs.cost_per_impression_usd",
        "cost of a negative impression",
        "USD",
        0.0,
        1e6,
        _column("cost_publicity"),
    ),
    Pricing(
        "population.clv_median_usd",
        "median customer value",
        "USD",
        0.0,
        1e9,
        _column("cost_churn"),
        group="churn",
    ),
    Pricing(
        "channels.ceo.deadline_fine_usd",
        "fine per letter answered after the deadline",
        "USD",
        0.0,
        1e9,
        _column("cost_penalty"),
    ),
    Pricing(
        "ombudsman.case_fee_usd",
        "ombudsman's fee per case",
        "USD",
        0.0,
        1e6,
        lambda row, scenario: (
            float(row["ombudsman_cases_rate"])
            * float(row["complaints"])
            * scenario.ombudsman.case_fee_usd
        ),
    ),
    Pricing(
        "churn.horizon_years",
        "horizon over which churn is charged",
        "years",
        0.0,
        100.0,
        _churn_horizon_part,
        _horizon_x,
        _horizon_inverse,
        group="churn",
    ),
)
"""The pricing parameters, in ``breakeven.csv`` order."""

COLUMNS = ("parameter", "policy_a", "policy_b", "breakeven", "ci_low", "ci_high", "current")
COLUMNS_ALL = (*COLUMNS, "unit", "note")


def fieller(alpha: np.ndarray, beta: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Where ``mean(alpha) + mean(beta) * x`` is 0, and the ``level`` interval of the
    values of ``x`` at which the paired t-test of ``alpha_r + beta_r * x`` does not reject
    0 (Fieller's interval): ``(x*, lo, hi)``. ``x*`` is NaN if ``mean(beta)`` is 0; the
    interval is (-inf, inf) when it is unbounded (the slope is not significantly
    different from 0), NaN with fewer than two replications."""
    a, b = float(np.mean(alpha)), float(np.mean(beta))
    x_star = -a / b if b != 0 else math.nan
    r = len(alpha)
    if r < 2:
        return x_star, math.nan, math.nan
    cov = np.cov(np.vstack([alpha, beta]), ddof=1)
    k = stats.t.ppf(0.5 + level / 2.0, r - 1) ** 2 / r
    qa = b * b - k * cov[1, 1]
    qb = 2.0 * (a * b - k * cov[0, 1])
    qc = a * a - k * cov[0, 0]
    disc = qb * qb - 4.0 * qa * qc
    if qa <= 0 or disc < 0:  # the slope is not clearly non-zero: unbounded
        return x_star, -math.inf, math.inf
    root = math.sqrt(disc)
    lo, hi = sorted(((-qb - root) / (2 * qa), (-qb + root) / (2 * qa)))
    return x_star, lo, hi


def _lines(
    kpis: pd.DataFrame, policy: str, pricing: Pricing, scenario: ScenarioConfig, x_now: float
) -> tuple[pd.Series, pd.Series]:
    """A policy's cost per complaint by replication as ``const + slope * x``."""
    rows = kpis[kpis["policy"] == policy].set_index("replication").sort_index()
    part = rows.apply(lambda row: pricing.part(row, scenario), axis=1).astype(float)
    per = part / rows["complaints"].astype(float)
    slope = per / x_now
    const = rows["cost_per_complaint"].astype(float) - per
    return const, slope


def breakeven_table(kpis: pd.DataFrame, scenario: ScenarioConfig) -> pd.DataFrame:
    """``breakeven.csv`` (see the module doc) from a run's KPI rows (``kpis.csv``: one
    row per policy and replication) in ``scenario``; empty with fewer than two
    policies."""
    means = kpis.groupby("policy", sort=False)["cost_per_complaint"].mean()
    if len(means) < 2 or not np.isfinite(means).all():
        return pd.DataFrame(columns=list(COLUMNS_ALL))
    cheapest = str(means.idxmin())
    rows = []
    for pricing in PRICING:
        current = pricing.current(scenario)
        x_now = pricing.x(current, scenario)
        for other in means.sort_values(kind="stable").index:  # the runner-up first
            if other == cheapest:
                continue
            row = {
                "parameter": pricing.key,
                "policy_a": cheapest,
                "policy_b": str(other),
                "breakeven": math.nan,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "current": current,
                "unit": pricing.unit,
                "note": "",
            }
            rows.append(row)
            if x_now == 0:
                row["note"] = (
                    "its current value is 0, so the run's costs do not show the quantity it "
                    "prices: run with a value above 0 to find its break-even"
                )
                continue
            const_a, slope_a = _lines(kpis, cheapest, pricing, scenario, x_now)
            const_b, slope_b = _lines(kpis, str(other), pricing, scenario, x_now)
            alpha = (const_a - const_b).to_numpy()
            beta = (slope_a - slope_b).to_numpy()
            if not (np.isfinite(alpha).all() and np.isfinite(beta).all()):
                row["note"] = "a cost part it scales is not known for every replication"
                continue
            x_star, lo, hi = fieller(alpha, beta)
            p_star = None if math.isnan(x_star) else pricing.inverse(x_star, scenario)
            if p_star is None or not pricing.low <= p_star <= pricing.high:
                row["breakeven"] = "never"
                # the difference is a line, negative now (policy_a is the cheapest), and
                # crosses 0 outside the range (or never): negative over the whole range
                row["note"] = (
                    f"{cheapest} stays cheaper for every value in [{pricing.low:g}, "
                    f"{pricing.high:g}] {pricing.unit}"
                )
                continue
            row["breakeven"] = p_star
            bounds = []
            for end, edge in ((lo, pricing.low), (hi, pricing.high)):
                value = pricing.inverse(end, scenario) if math.isfinite(end) else None
                bounds.append(edge if value is None else min(max(value, pricing.low), pricing.high))
            row["ci_low"], row["ci_high"] = (
                (math.nan, math.nan) if math.isnan(lo) else (bounds[0], bounds[1])
            )
            if math.isinf(lo) or math.isinf(hi):
                row["note"] = "the interval reaches the ends of the allowed range"
    return pd.DataFrame(rows, columns=list(COLUMNS_ALL))


def whatif(kpis: pd.DataFrame, scenario: ScenarioConfig) -> dict[str, Any] | None:
    """What the report's what-if panel needs to price a run again in the browser: each
    pricing parameter (key, label, unit, current value, allowed range, the cost part it
    scales and its transform: ``linear``, or ``horizon`` with the customer lifetime) and
    each policy's mean cost per complaint and mean cost part per complaint by parameter.
    A policy's cost at other prices is then its cost now plus, for each cost part, the
    part times (the product of its parameters' ``x(p) / x(p_now)``, minus 1): exact, as
    the costs are lines in each parameter (see the module doc). None with fewer than two
    policies."""
    policies = list(dict.fromkeys(kpis["policy"]))
    if len(policies) < 2:
        return None
    params = []
    costs: dict[str, dict[str, Any]] = {}
    for policy in policies:
        rows = kpis[kpis["policy"] == policy]
        costs[policy] = {"cost": float(rows["cost_per_complaint"].mean()), "parts": {}}
    for pricing in PRICING:
        current = pricing.current(scenario)
        if pricing.x(current, scenario) == 0:
            continue  # nothing in the run to scale
        parts = {}
        for policy in policies:
            rows = kpis[kpis["policy"] == policy]
            part = rows.apply(lambda row, p=pricing: p.part(row, scenario), axis=1)
            parts[policy] = float((part / rows["complaints"]).mean())
        if not all(np.isfinite(list(parts.values()))) or not any(parts.values()):
            continue  # unknown, or prices nothing in this run
        for policy, value in parts.items():
            costs[policy]["parts"][pricing.key] = value
        params.append(
            {
                "key": pricing.key,
                "label": pricing.label,
                "unit": pricing.unit,
                "current": current,
                "low": pricing.low,
                "high": pricing.high,
                "group": pricing.group or pricing.key,
                "kind": KINDS.get(pricing.x, "linear"),
                "lifetime": scenario.churn.lifetime_years,
            }
        )
    return {"params": params, "policies": costs}


__all__ = ["COLUMNS", "PRICING", "Pricing", "breakeven_table", "fieller", "whatif"]
