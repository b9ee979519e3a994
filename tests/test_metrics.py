"""KPI helpers: queue stability and the KPI row."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from escalationsim.analysis.kpis import queue_stable
from tests.conftest import NO_TRIAGE

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check


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
        assert row["ttr_median_h_resolved"] == g.loc[g.resolved, "time_to_resolution_h"].median()
        # over every complaint, the unresolved censored at the end of the run: the first
        # duration by which half are resolved (every measured complaint is followed past
        # the median here, so Kaplan-Meier is the plain order statistic)
        d = np.sort(np.where(g.resolved, g.time_to_resolution_h, np.inf))
        assert row["ttr_median_h_all"] == d[math.ceil(len(d) / 2) - 1]
        fcr = (g["resolved"] & (g["contacts"] == 1)).mean()
        assert row["first_contact_resolution"] == fcr
        assert row["audit_coverage"] == g["tracked"].mean()
        assert row["cost_total"] > 0


@pytest.fixture(scope="module")
def two_drains():
    """The status quo (stable queues) and a responding CEO who never hands a letter over
    (an inbox that grows without bound), 3 replications, drained for 20 and for 40 days
    after the horizon."""
    from escalationsim import compose, simulate

    def run(drain: int):
        cfg = compose(
            [
                "run.policies=[rigid_script,ceo_responds]",
                "run.replications=3",
                "run.horizon_days=24",
                "run.warmup_days=3",
                f"run.drain_days={drain}",
                "run.workers=1",
                "run.records=false",
                *NO_TRIAGE,
            ]
        )
        return simulate(cfg)

    return run(20), run(40)


def test_doubling_the_drain_changes_no_reported_kpi_of_a_stable_queue(two_drains):
    """Every headline KPI of the stable status quo stays within its 95% interval when the
    run drains twice as long (a KPI that depended on the drain would move with it)."""
    from escalationsim.app.tables import headline_kpis

    short, long = (r.summary.set_index(["policy", "kpi"]) for r in two_drains)
    assert short.loc[("rigid_script", "stable"), "mean"] == 1.0
    for k in headline_kpis():
        a, b = short.loc[("rigid_script", k.name)], long.loc[("rigid_script", k.name)]
        if math.isinf(a["mean"]) or math.isinf(b["mean"]):
            assert a["mean"] == b["mean"], k.name  # not reached either way
            continue
        half = max(a["mean"] - a["ci_low"], a["ci_high"] - a["mean"], 1e-9)
        assert abs(b["mean"] - a["mean"]) <= half, (k.name, a["mean"], b["mean"], half)


def test_an_unstable_queue_is_flagged_and_its_hours_charged_whatever_the_drain(two_drains):
    """A responding CEO's inbox grows without bound with either drain: the run says so
    (not stable, the CEO's queue unstable, a growth a week and a share never answered
    that do not depend on the drain), the table shows the growth instead of a wait, and
    the CEO's hours inside the window are charged (they were 0 when only the hours spent
    on measured letters were, since no measured letter was ever reached)."""
    from escalationsim.app.tables import headline_table

    for res in two_drains:
        k = res.kpis[res.kpis.policy == "ceo_responds"]
        assert (k["stable"] == 0).all() and (k["unstable_ceo"] == 1).all()
        assert (k["backlog_growth_per_week_ceo"] > 100).all()
        assert (k["unserved_share_ceo"] > 0.8).all()
        assert (k["cost_ceo"] > 0).all()
        cell = headline_table(res.summary, ["rigid_script", "ceo_responds"]).set_index("KPI")
        assert cell.loc["wait for a CEO-channel answer (h)", "ceo_responds"].startswith(
            "unstable: the CEO's inbox grows by"
        )
        assert not cell.loc["wait for a CEO-channel answer (h)", "rigid_script"].startswith(
            "unstable"
        )
    short, long = (r.kpis[r.kpis.policy == "ceo_responds"].reset_index() for r in two_drains)
    for kpi in ("cost_ceo", "backlog_growth_per_week_ceo", "util_ceo"):
        pd.testing.assert_series_equal(short[kpi], long[kpi])


def test_a_kpi_declared_twice_stops_the_job_before_it_runs(monkeypatch):
    from escalationsim import validate
    from escalationsim.analysis import kpis
    from tests.conftest import small_config

    twin = kpis.Kpi("cost_per_complaint", lambda inp, row: 0.0, "a twin", "USD", "{:.2f}")
    monkeypatch.setattr(kpis, "REGISTRY", [*kpis.REGISTRY, twin])
    with pytest.raises(ValueError, match=r"declared twice .*\['cost_per_complaint'\]"):
        validate(small_config(policies=["rigid_script"]))
