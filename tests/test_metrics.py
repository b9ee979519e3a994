"""KPI helpers: queue stability and the KPI row."""

from __future__ import annotations

import numpy as np

from escalationsim.analysis.kpis import queue_stable


def test_flat_queue_is_stable():
    rng = np.random.default_rng(0)
    backlog = rng.poisson(20, size=50)
    ok, growth = queue_stable(backlog, inflow=5000)
    assert ok and abs(growth) < 10


def test_growing_queue_is_unstable():
    backlog = np.arange(50) * 8  # 8 more letters waiting every day
    ok, growth = queue_stable(backlog, inflow=600)
    assert not ok
    assert growth == np.mean(backlog[-7:]) - np.mean(backlog[:7])


def test_small_growth_within_tolerance():
    backlog = np.r_[np.zeros(25), np.full(25, 4)]
    assert queue_stable(backlog, inflow=10)[0]  # grew by 4 <= 0.05*10 + 5


def test_short_window_uses_halves():
    ok, growth = queue_stable(np.array([0, 0, 10, 10]), inflow=0)
    assert growth == 10 and not ok
    assert queue_stable(np.array([3]), inflow=0) == (True, 0.0)


def test_kpi_row_matches_complaints(all_presets):
    k = all_presets.kpis.set_index("policy")
    df = all_presets.complaints
    for policy, g in df.groupby("policy", observed=True):
        row = k.loc[policy]
        assert row["complaints"] == len(g)
        assert row["resolution_rate"] == g["resolved"].mean()
        assert row["contacts_per_complaint"] == g["contacts"].mean()
        assert row["churn_rate"] == g["churned"].mean()
        assert row["ttr_median_h"] == g.loc[g.resolved, "time_to_resolution_h"].median()
        fcr = (g["resolved"] & (g["contacts"] == 1)).mean()
        assert row["first_contact_resolution"] == fcr
        assert row["audit_coverage"] == g["tracked"].mean()
        assert row["cost_total"] > 0
