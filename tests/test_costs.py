"""What things cost (analysis.costs, the cost KPIs): paid and busy staff hours, occupancy,
and churn net of baseline attrition valued at the margin over a horizon."""

from __future__ import annotations

import numpy as np
import pytest

from escalationsim import compose, simulate
from escalationsim.analysis.costs import churn_costs, margin_share
from escalationsim.config.scenario import ChurnAccounting, ChurnConfig

SHORT = [
    "run.policies=[rigid_script,empowered_rep]",
    "run.replications=2",
    "run.horizon_days=10",
    "run.warmup_days=2",
    "run.workers=1",
    "run.seed=5",
    "scenario=first_version",  # constant head counts, busy-hour staff cost, lifetime churn
]


def _run(*overrides: str):
    return simulate(compose(SHORT + list(overrides))).kpis


def test_paid_hours_are_the_schedule_and_busy_hours_the_work():
    reps = "{days:[0,1,2,3,4],start_hour:8,end_hour:20,count:6}"
    k = _run(f"scenario.staff.reps.schedule.shifts=[{reps}]", "scenario.costs.staff_basis=paid")
    # window: day 2 (a Wednesday) to day 10 (Thursday of week 1): six weekdays of 12 h
    paid_reps = 6 * 12 * 6 * 40.0
    paid_others = 8 * 24 * (2 * 45.0 + 2 * 70.0 + 2 * 90.0)
    np.testing.assert_allclose(k.cost_staff_paid, paid_reps + paid_others)
    assert (k.cost_staff_busy < k.cost_staff_paid).all()
    np.testing.assert_allclose(k.cost_staff, k.cost_staff_paid)
    np.testing.assert_allclose(k.cost_staff_idle, k.cost_staff_paid - k.cost_staff_busy)
    # occupancy: busy over paid hours, here of 432 paid rep-hours
    assert ((k.occupancy_reps > 0.3) & (k.occupancy_reps < 1.2)).all()
    parts = [c for c in k.columns if c.startswith("cost_staff_")]
    parts = [c for c in parts if c not in ("cost_staff_paid", "cost_staff_busy")]
    np.testing.assert_allclose(k[parts].sum(axis=1), k.cost_staff, rtol=1e-12)


def test_shrinkage_pays_hours_off_the_schedule_and_changes_nothing_else():
    """A third of the reps' paid hours off the schedule (shrinkage 1/3): paid hours are
    the scheduled ones over 2/3, the extra half is ``shrinkage_cost``, idle time and
    every behaviour stay as they were; the parts still add up to the staff cost; the
    fully loaded cost of a call rises by that half; under the busy basis it costs 0."""
    paid = ("scenario.costs.staff_basis=paid",)
    base = _run(*paid)
    shrunk = _run(*paid, "scenario.staff.reps.shrinkage=0.333333333333")
    scheduled_reps = 8 * 24 * 5 * 40.0  # five reps around the clock, the 8-day window
    np.testing.assert_allclose(shrunk.shrinkage_cost, scheduled_reps * 0.5, rtol=1e-9)
    np.testing.assert_allclose(shrunk.cost_staff_paid - base.cost_staff_paid, shrunk.shrinkage_cost)
    np.testing.assert_allclose(shrunk.cost_staff_idle, base.cost_staff_idle)
    for kpi in ("complaints", "occupancy_reps", "phone_abandon_rate", "resolution_rate"):
        np.testing.assert_array_equal(shrunk[kpi], base[kpi])
    np.testing.assert_allclose(shrunk.cost_per_phone_contact, base.cost_per_phone_contact * 1.5)
    parts = [c for c in shrunk.columns if c.startswith("cost_staff_")]
    parts = [c for c in parts if c not in ("cost_staff_paid", "cost_staff_busy")]
    np.testing.assert_allclose(
        shrunk[[*parts, "shrinkage_cost"]].sum(axis=1), shrunk.cost_staff, rtol=1e-12
    )
    assert (base.shrinkage_cost == 0).all()
    assert (_run("scenario.staff.reps.shrinkage=0.3").shrinkage_cost == 0).all()  # busy basis


def test_the_busy_basis_is_the_first_versions_accounting():
    k = _run()
    np.testing.assert_allclose(k.cost_staff, k.cost_staff_busy)
    assert (k.cost_staff_idle == 0).all()
    # with constant head counts, occupancy is utilisation
    np.testing.assert_allclose(k.occupancy_reps, k.util_reps)


def test_paid_basis_makes_staff_a_fixed_cost_of_the_schedule():
    """The same schedule costs the same under every policy: staff cost differences
    between policies vanish, only service differs."""
    k = _run("scenario.costs.staff_basis=paid")
    by = k.groupby("replication").cost_staff.agg(["min", "max"])
    np.testing.assert_allclose(by["min"], by["max"])


def test_incremental_churn_nets_out_baseline_attrition_and_counts_margin():
    cfg = ChurnConfig(
        accounting=ChurnAccounting.lifetime,
        baseline_attrition=0.1,
        horizon_years=1.0,
        lifetime_years=4.0,
    )
    cols = {"churned": np.array([True, False, True]), "clv": np.array([400.0, 400.0, 800.0])}
    out = churn_costs(cols, cfg)
    assert margin_share(cfg) == 0.25
    np.testing.assert_allclose(out["cost_churn_incremental"], [90.0, -10.0, 180.0])
    np.testing.assert_allclose(out["cost_churn_lifetime"], [400.0, 0.0, 800.0])
    np.testing.assert_allclose(out["cost_churn"], out["cost_churn_lifetime"])  # as set
    cfg.accounting = ChurnAccounting.incremental
    np.testing.assert_allclose(churn_costs(cols, cfg)["cost_churn"], [90.0, -10.0, 180.0])


def test_incremental_accounting_charges_a_fraction_of_the_old_churn_cost():
    old = _run()
    new = _run(
        "scenario.churn.accounting=incremental",
        "scenario.churn.baseline_attrition=0.1",
    )
    # the same customers churn; a fifth of the lifetime value, less the baseline's share
    np.testing.assert_allclose(new.churn_rate, old.churn_rate)
    np.testing.assert_allclose(new.cost_churn, new.cost_churn_incremental)
    np.testing.assert_allclose(new.cost_churn_lifetime, old.cost_churn)
    assert (new.cost_churn < 0.2 * old.cost_churn).all()
    ranks = old.cost_total.to_numpy() - new.cost_total.to_numpy()
    assert (ranks > 0).all()


@pytest.mark.parametrize(
    "bad", ["scenario.costs.staff_basis=payroll", "scenario.churn.accounting=x"]
)
def test_bad_accounting_names_the_key(bad):
    from escalationsim.config.fields import ConfigError
    from escalationsim.experiment.job import validate

    with pytest.raises((ConfigError, ValueError), match=bad.split("=")[0].split(".")[-1]):
        validate(compose(SHORT + [bad]))
