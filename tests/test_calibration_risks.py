"""Escalation against resolution as competing risks (escalationsim.calibration.risks):
the Aalen-Johansen estimate on complaints of the tests' own with known hazards, and what
the naive share would say instead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from escalationsim.calibration.risks import HORIZONS_H, aalen_johansen, fit_risks

T0 = pd.Timestamp("2026-01-05", tz="UTC")
ESCALATE, RESOLVE = 0.01, 0.04
"""Hazards per hour of escalating and of being resolved."""


def truth(k: int, t: float) -> float:
    total = ESCALATE + RESOLVE
    return (ESCALATE if k == 1 else RESOLVE) / total * (1.0 - math.exp(-total * t))


def risks_log(n: int, seed: int, days: float = 21.0) -> pd.DataFrame:
    """``n`` complaints opened uniformly over ``days`` on the phone; each escalates (a
    social post) or is resolved after exponential times, whichever first, unless the log
    has ended."""
    rng = np.random.default_rng(seed)
    opened = np.sort(rng.uniform(0, days * 24, n))
    up, done = rng.exponential(1 / ESCALATE, n), rng.exponential(1 / RESOLVE, n)
    end = days * 24
    h = lambda x: T0 + pd.to_timedelta(x, unit="h")  # noqa: E731
    rows = []
    for i in range(n):
        resolved = opened[i] + done[i] if done[i] < up[i] and opened[i] + done[i] <= end else None
        rows.append((i, "phone", opened[i], resolved))
        if up[i] < done[i] and opened[i] + up[i] <= end:
            rows.append((i, "social", opened[i] + up[i], None))
    df = pd.DataFrame(rows, columns=["ticket_id", "channel", "arrived", "resolved"])
    return pd.DataFrame(
        {
            "ticket_id": df["ticket_id"],
            "channel": df["channel"],
            "arrived_at": h(df["arrived"]),
            "resolved_at": h(df["resolved"].astype(float)),
        }
    ).sort_values("arrived_at", kind="stable")


def test_without_censoring_the_estimate_is_the_plain_share():
    """Every complaint followed to its event: the cumulative incidence at the last time
    is each cause's share."""
    t = np.array([1.0, 2.0, 2.0, 3.0, 5.0])
    cause = np.array([1, 2, 1, 2, 2])
    cif = aalen_johansen(t, cause, np.array([10.0]))
    assert cif[:, 0] == pytest.approx([0.4, 0.6])


def test_the_cumulative_incidences_cover_the_known_truth_where_the_naive_share_does_not():
    """4,000 complaints over three weeks, censored at the log's end: the intervals at 24,
    72 and 168 hours cover the exponential model's cumulative incidences. Over a log of
    five days, the share of complaints escalated by its end (ignoring that the late ones
    had little time) lies below the interval of the three-day incidence, which the
    estimate still covers."""
    log = risks_log(4000, seed=5)
    fits = fit_risks(log, seed=1)
    for name, k in (("escalation_cif", 1), ("resolution_cif", 2)):
        for h in HORIZONS_H:
            r = fits[(fits["quantity"] == name) & (fits["horizon_h"] == h)].iloc[0]
            assert r["ci_low"] <= truth(k, h) <= r["ci_high"], (name, h, r.to_dict())
    short = risks_log(4000, seed=6, days=5.0)
    fits = fit_risks(short, seed=1)
    three = fits[(fits["quantity"] == "escalation_cif") & (fits["horizon_h"] == 72.0)].iloc[0]
    assert three["ci_low"] <= truth(1, 72.0) <= three["ci_high"]
    naive = short.groupby("ticket_id")["channel"].apply(lambda c: (c == "social").any()).mean()
    assert naive < three["ci_low"]
