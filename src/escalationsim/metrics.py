"""Key performance indicators of one run, from its complaint log and staff measurements.

All complaint-level figures cover the complaints that arrived in the measurement window
(after the warm-up, before the horizon). Money is in USD, times in hours. Definitions are
written out in docs/metrics.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from escalationsim.config import ScenarioConfig
from escalationsim.fairness import effective_ttr, gini, jain, ratio_of_medians, top_share_mask
from escalationsim.model import RunResult
from escalationsim.staff import STAFF_ROLES

MIN_GROUP = 30
"""Smallest first-channel group that enters the channel TTR ratio."""


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


def add_costs(df: pd.DataFrame, scenario: ScenarioConfig) -> pd.DataFrame:
    """Add per-complaint cost columns (USD): staff, CEO, publicity, churn, total."""
    rates = hourly_costs(scenario)
    staff = sum(df[f"hours_{r}"] * rates[r] for r in STAFF_ROLES if r != "ceo")
    df["cost_staff"] = staff + df["hours_audit"] * rates["managers"]
    df["cost_ceo"] = df["hours_ceo"] * rates["ceo"]
    df["cost_publicity"] = df["impressions"] * scenario.costs.cost_per_impression_usd
    df["cost_churn"] = np.where(df["churned"], df["clv"], 0.0)
    df["cost_total"] = (
        df["cost_staff"]
        + df["cost_ceo"]
        + df["compensation"]
        + df["cost_publicity"]
        + df["cost_churn"]
        + df["penalty"]
    )
    return df


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _channel_fairness(
    first: np.ndarray, ttr: np.ndarray, resolved: np.ndarray
) -> tuple[float, float]:
    """Largest over smallest median TTR of resolved complaints across first channels, and
    largest minus smallest resolution rate (channels with at least MIN_GROUP complaints)."""
    medians, rates = [], []
    for ch in np.unique(first):
        sel = first == ch
        if sel.sum() < MIN_GROUP:
            continue
        rates.append(resolved[sel].mean())
        if resolved[sel].sum() >= MIN_GROUP:
            medians.append(float(np.median(ttr[sel & resolved])))
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


def run_kpis(result: RunResult, scenario: ScenarioConfig, df: pd.DataFrame) -> dict[str, Any]:
    """One row of KPIs for a run; ``df`` is its complaint frame with costs added."""
    n = len(df)
    resolved = df["resolved"].to_numpy()
    ttr = df["time_to_resolution_h"].to_numpy()
    ttr_res = ttr[resolved]
    eff = effective_ttr(ttr, resolved)
    top = top_share_mask(df["followers"].to_numpy())
    first = df["first_channel"].cat.codes.to_numpy()
    channel_ratio, channel_gap = _channel_fairness(first, ttr, resolved)
    ceo_wait = df["ceo_wait_h"].to_numpy()
    ceo_wait = ceo_wait[~np.isnan(ceo_wait)]

    costs = {
        "cost_staff": float(df["cost_staff"].sum()),
        "cost_ceo": float(df["cost_ceo"].sum()),
        "cost_compensation": float(df["compensation"].sum()),
        "cost_churn": float(df["cost_churn"].sum()),
        "cost_publicity": float(df["cost_publicity"].sum()),
        "cost_penalty": float(df["penalty"].sum()),
        "cost_fix": float(result.counters.get("fix_cost", 0.0)),
    }
    total = sum(costs.values())
    rates = hourly_costs(scenario)
    by_role = {
        f"cost_staff_{r}": float(df[f"hours_{r}"].sum() * rates[r])
        for r in STAFF_ROLES
        if r != "ceo"
    }
    by_role["cost_staff_managers"] += float(df["hours_audit"].sum() * rates["managers"])
    stable = True
    unstable: list[str] = []
    growth: dict[str, float] = {}
    for role in STAFF_ROLES:
        ok, g = queue_stable(result.backlog[role], result.inflow[role])
        growth[f"backlog_growth_{role}"] = g
        if not ok:
            stable = False
            unstable.append(role)
    contacts = int(df["contacts"].sum())
    calls = int(df["calls"].sum())
    posts = int(df["posts"].sum())
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
        "resolution_rate": float(resolved.mean()) if n else math.nan,
        "first_contact_resolution": float((resolved & (df["contacts"].to_numpy() == 1)).mean())
        if n
        else math.nan,
        "gave_up_rate": float((df["status"] == "gave_up").mean()) if n else math.nan,
        "open_rate": float((df["status"] == "open").mean()) if n else math.nan,
        "contacts_per_complaint": _ratio(contacts, n),
        "escalation_rate_social": float(df["escalated_social"].mean()) if n else math.nan,
        "escalation_rate_ceo": float(df["escalated_ceo"].mean()) if n else math.nan,
        "ceo_channel_share": float(df["reached_ceo"].mean()) if n else math.nan,
        "ttr_mean_h": float(ttr_res.mean()) if len(ttr_res) else math.nan,
        "ttr_median_h": float(np.median(ttr_res)) if len(ttr_res) else math.nan,
        "ttr_p90_h": float(np.quantile(ttr_res, 0.9)) if len(ttr_res) else math.nan,
        "phone_abandon_rate": _ratio(int(df["abandoned_calls"].sum()), calls),
        "social_answer_rate": _ratio(int(df["posts_answered"].sum()), posts),
        "staff_cost_per_contact": _ratio(costs["cost_staff"], contacts),
        "deadline_breach_rate": _ratio(
            int(df["deadline_breaches"].sum()), int(df["reached_ceo"].sum())
        ),
        "impressions_per_complaint": _ratio(float(df["impressions"].sum()), n),
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
            "ceo_wait_mean_h": float(ceo_wait.mean()) if len(ceo_wait) else math.nan,
            **growth,
            "follower_ttr_ratio": ratio_of_medians(eff[top], eff[~top]),
            "follower_ttr_ratio_resolved": _ratio(
                float(np.median(ttr[top & resolved])) if (top & resolved).any() else math.nan,
                float(np.median(ttr[~top & resolved])) if (~top & resolved).any() else math.nan,
            ),
            "follower_resolution_gap": float(resolved[top].mean() - resolved[~top].mean())
            if top.any() and (~top).any()
            else math.nan,
            "channel_ttr_ratio": channel_ratio,
            "channel_resolution_gap": channel_gap,
            "gini_ttr": gini(ttr_res),
            "jain_ttr": jain(ttr_res),
            "audit_coverage": float(df["tracked"].mean()) if n else math.nan,
            "churn_rate": float(df["churned"].mean()) if n else math.nan,
        }
    )
    return row


def daily_series(result: RunResult, df: pd.DataFrame) -> pd.DataFrame:
    """Per simulated day of the window: complaints arrived, the share that reached the
    CEO (by arrival day) and went straight there, and each queue's length at the start of
    the day."""
    lo, hi = result.window_h
    day = np.floor(df["arrival_time"].to_numpy() / 24.0).astype(int)
    days = np.arange(int(lo // 24), int(np.ceil(hi / 24)))
    frame = pd.DataFrame({"day": day, "ceo": df["reached_ceo"].to_numpy()})
    frame["direct"] = (df["first_channel"] == "ceo").to_numpy()
    g = frame.groupby("day")
    out = pd.DataFrame({"day": days})
    out["complaints"] = out["day"].map(g.size()).fillna(0).astype(int)
    out["ceo_channel_share"] = out["day"].map(g["ceo"].mean())
    out["direct_to_ceo_share"] = out["day"].map(g["direct"].mean())
    for role, snaps in result.backlog.items():
        # snapshots are taken at lo, lo + 24, ...
        snap_days = (lo + 24.0 * np.arange(len(snaps))) / 24.0
        series = pd.Series(snaps, index=np.floor(snap_days + 1e-9).astype(int))
        out[f"queue_{role}"] = out["day"].map(series)
    out.insert(0, "replication", result.replication)
    out.insert(0, "policy", result.policy)
    return out
