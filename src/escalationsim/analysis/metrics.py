"""Key performance indicators of one run, from its complaints' summary and staff measurements.

All complaint-level figures cover the complaints that arrived in the measurement window
(after the warm-up, before the horizon). Money is in USD, times in hours. Definitions are
written out in docs/metrics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from escalationsim.analysis.costs import cost_columns, hourly_costs
from escalationsim.analysis.fairness import median_ratio
from escalationsim.analysis.stats import ComplaintStats, Group
from escalationsim.config import ScenarioConfig
from escalationsim.engine.model import RunResult
from escalationsim.kernel.staff import STAFF_ROLES

MIN_GROUP = 30
"""Smallest first-channel group that enters the channel TTR ratio."""


def add_costs(df: pd.DataFrame, scenario: ScenarioConfig) -> pd.DataFrame:
    """Add the per-complaint cost columns of :func:`cost_columns` to a complaint frame."""
    needed = ("hours_audit", "impressions", "churned", "clv", "compensation", "penalty")
    cols = {name: df[name].to_numpy() for name in (*(f"hours_{r}" for r in STAFF_ROLES), *needed)}
    for name, values in cost_columns(cols, scenario).items():
        df[name] = values
    return df


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _channel_fairness(channels: Mapping[int, Group]) -> tuple[float, float]:
    """Largest over smallest median TTR of resolved complaints across first channels, and
    largest minus smallest resolution rate (channels with at least MIN_GROUP complaints)."""
    medians, rates = [], []
    for g in channels.values():
        if g.count < MIN_GROUP:
            continue
        rates.append(g.resolved / g.count)
        if g.resolved >= MIN_GROUP:
            medians.append(g.ttr.quantile(0.5))
    ratio = max(medians) / min(medians) if len(medians) >= 2 and min(medians) > 0 else math.nan
    gap = float(max(rates) - min(rates)) if len(rates) >= 2 else math.nan
    return ratio, gap


def queue_stable(backlog: np.ndarray, inflow: int) -> tuple[bool, float]:
    """Whether a queue is stable over the window, and its backlog growth.

    Growth is the mean daily backlog over the last 7 days minus that over the first 7
    (or the last and first halves when fewer than 14 snapshots). A queue is unstable when
    it grew by more than 5% of the requests that entered it in the window, plus 5.
    """
    n = len(backlog)
    if n < 2:
        return True, 0.0
    k = 7 if n >= 14 else n // 2
    growth = float(backlog[-k:].mean() - backlog[:k].mean())
    return growth <= 0.05 * inflow + 5, growth


def run_kpis(result: RunResult, scenario: ScenarioConfig, stats: ComplaintStats) -> dict[str, Any]:
    """One row of KPIs for a run, from the summary of its complaints."""
    n = stats.n
    s = stats.sums
    ttr = stats.ttr
    channel_ratio, channel_gap = _channel_fairness(stats.channels)
    costs = {
        "cost_staff": s["cost_staff"],
        "cost_ceo": s["cost_ceo"],
        "cost_compensation": s["compensation"],
        "cost_churn": s["cost_churn"],
        "cost_publicity": s["cost_publicity"],
        "cost_penalty": s["penalty"],
        "cost_fix": float(result.counters.get("fix_cost", 0.0)),
    }
    total = sum(costs.values())
    rates = hourly_costs(scenario)
    by_role = {f"cost_staff_{r}": s[f"hours_{r}"] * rates[r] for r in STAFF_ROLES if r != "ceo"}
    by_role["cost_staff_managers"] += s["hours_audit"] * rates["managers"]
    stable = True
    unstable: list[str] = []
    growth: dict[str, float] = {}
    for role in STAFF_ROLES:
        ok, g = queue_stable(result.backlog[role], result.inflow[role])
        growth[f"backlog_growth_{role}"] = g
        if not ok:
            stable = False
            unstable.append(role)
    top, rest = stats.top, stats.rest
    row: dict[str, Any] = {
        "policy": result.policy,
        "replication": result.replication,
        "complaints": n,
        "prevented": result.log.prevented,
        "cost_total": total,
        "cost_per_complaint": _ratio(total, n),
        "cost_per_day": _ratio(total, (result.window_h[1] - result.window_h[0]) / 24.0),
        **costs,
        **by_role,
        "resolution_rate": _ratio(s["resolved"], n),
        "first_contact_resolution": _ratio(s["first_contact_resolved"], n),
        "gave_up_rate": _ratio(s["gave_up"], n),
        "open_rate": _ratio(s["open"], n),
        "contacts_per_complaint": _ratio(s["contacts"], n),
        "escalation_rate_social": _ratio(s["escalated_social"], n),
        "escalation_rate_ceo": _ratio(s["escalated_ceo"], n),
        "ceo_channel_share": _ratio(s["reached_ceo"], n),
        "ttr_mean_h": ttr.mean(),
        "ttr_median_h": ttr.quantile(0.5),
        "ttr_p90_h": ttr.quantile(0.9),
        "phone_abandon_rate": _ratio(s["abandoned_calls"], s["calls"]),
        "social_answer_rate": _ratio(s["posts_answered"], s["posts"]),
        "staff_cost_per_contact": _ratio(costs["cost_staff"], s["contacts"]),
        "deadline_breach_rate": _ratio(s["deadline_breaches"], s["reached_ceo"]),
        "impressions_per_complaint": _ratio(s["impressions"], n),
    }
    for role in STAFF_ROLES:
        key = "util_exec" if role == "exec_office" else f"util_{role}"
        row[key] = result.utilisation[role]
    t = scenario.targets
    abandon = row["phone_abandon_rate"]
    breach = row["deadline_breach_rate"]
    meets = (
        stable
        and (math.isnan(abandon) or abandon <= t.phone_abandon_max)
        and not row["ttr_p90_h"] > t.ttr_p90_max_h
        and (math.isnan(breach) or breach <= t.deadline_breach_max)
    )
    window = result.window_h[1] - result.window_h[0]
    paid = sum(result.staff_count[r] * window * rates[r] for r in STAFF_ROLES if r != "ceo")
    row.update(
        {
            "stable": stable,
            "meets_targets": bool(meets),
            "cost_capacity_per_complaint": _ratio(paid, n),
            "unstable_queues": ",".join(unstable),
            "ceo_backlog_end": int(result.counters.get("ceo_letters_at_horizon", 0)),
            "ceo_hours_owed": float(result.counters.get("ceo_hours_owed", 0.0)),
            "ceo_wait_mean_h": _ratio(s["ceo_wait_h"], s["ceo_waits"]),
            **growth,
            "follower_ttr_ratio": median_ratio(top.median_effective(), rest.median_effective()),
            "follower_ttr_ratio_resolved": _ratio(
                top.ttr.quantile(0.5) if top.resolved else math.nan,
                rest.ttr.quantile(0.5) if rest.resolved else math.nan,
            ),
            "follower_resolution_gap": top.resolved / top.count - rest.resolved / rest.count
            if top.count and rest.count
            else math.nan,
            "channel_ttr_ratio": channel_ratio,
            "channel_resolution_gap": channel_gap,
            "gini_ttr": ttr.gini(),
            "jain_ttr": ttr.jain(),
            "audit_coverage": _ratio(s["tracked"], n),
            "churn_rate": _ratio(s["churned"], n),
        }
    )
    return row


def daily_series(result: RunResult, counts: np.ndarray) -> pd.DataFrame:
    """Per simulated day of the window: complaints arrived, the share that reached the
    CEO (by arrival day) and went straight there, and each queue's length at the start of
    the day. ``counts`` are the window's :func:`escalationsim.analysis.stats.day_counts`."""
    lo, hi = result.window_h
    days = np.arange(int(lo // 24), int(np.ceil(hi / 24)))
    out = pd.DataFrame({"day": days})
    n, ceo, direct = counts
    with np.errstate(invalid="ignore", divide="ignore"):
        out["complaints"] = n
        out["ceo_channel_share"] = np.where(n > 0, ceo / n, np.nan)
        out["direct_to_ceo_share"] = np.where(n > 0, direct / n, np.nan)
    for role, snaps in result.backlog.items():
        # snapshots are taken at lo, lo + 24, ...
        snap_days = (lo + 24.0 * np.arange(len(snaps))) / 24.0
        series = pd.Series(snaps, index=np.floor(snap_days + 1e-9).astype(int))
        out[f"queue_{role}"] = out["day"].map(series)
    out.insert(0, "replication", result.replication)
    out.insert(0, "policy", result.policy)
    return out
