"""The engine reproduces Erlang C and Erlang A (statistical, seeded, decisive), and, where
no formula is exact (M/G/c+G), agrees with Ciw.

Each case's five estimates are compared with theory through 99.9% confidence intervals
over independent replications (30 comparisons: a correct model fails one by chance with
probability about 3%; the seeds are fixed, so the outcome is the same on every run). A
model whose service times are 5% too long is caught in every case.

The M/G/c+G cases (lognormal service of cv 0.5 and 2, constant service, lognormal
patience, both) are simulated by the engine and by Ciw, each with its own replications;
every metric's difference of means must have a 99.9% Welch interval containing 0 (25
comparisons), and a Ciw queue with another cv (of service, or of patience) must be told
apart. Those runs are long (marked slow) and need the optional package ciw.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from escalationsim.analysis.analytic import erlang_c
from escalationsim.config.fields import ConfigError
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.experiment import ciw_reference
from escalationsim.experiment.validation import (
    COLUMNS,
    METRICS,
    ValidationConfig,
    analytic_values,
    approximate_values,
    compare_case,
    run_validation,
    validate_validation,
)

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

CASES = {
    "light": QueueOnlyScenario(arrivals_per_hour=100, servers=10, service_minutes=3),
    "heavy_0.95": QueueOnlyScenario(arrivals_per_hour=190, servers=10, service_minutes=3),
    "many_servers": QueueOnlyScenario(arrivals_per_hour=1100, servers=60, service_minutes=3),
    "erlang_a": QueueOnlyScenario(
        arrivals_per_hour=300, servers=16, service_minutes=3, patience_minutes=1
    ),
    "erlang_a_overloaded": QueueOnlyScenario(
        arrivals_per_hour=600, servers=25, service_minutes=3, patience_minutes=2
    ),
}
EFFORT = {
    "light": (8, 2.0),
    "heavy_0.95": (10, 4.0),
    "many_servers": (8, 1.0),
    "erlang_a": (8, 2.0),
    "erlang_a_overloaded": (8, 1.5),
}


def _cfg(name: str, level: float = 0.999) -> ValidationConfig:
    reps, days = EFFORT[name]
    return ValidationConfig(
        replications=reps, horizon_days=days, warmup_days=0.25, level=level, seed=7, workers=2
    )


@pytest.mark.parametrize("name", list(CASES))
def test_simulation_agrees_with_theory(name):
    table = compare_case(name, CASES[name], _cfg(name))
    assert list(table["metric"]) == list(METRICS)
    bad = table[~table["within_ci"]]
    assert bad.empty, bad.to_string()
    # the intervals are narrow enough to see a 5% error in the load
    occ = table.set_index("metric").loc["occupancy"]
    assert (occ["ci_high"] - occ["ci_low"]) / 2 < 0.045 * occ["analytic"]


@pytest.mark.parametrize("name", list(CASES))
def test_a_five_percent_slower_service_is_caught(name):
    """Simulate with service times 5% too long; theory for the true queue must reject it."""
    case = CASES[name]
    wrong = QueueOnlyScenario(
        arrivals_per_hour=case.arrivals_per_hour,
        servers=case.servers,
        service_minutes=case.service_minutes * 1.05,
        patience_minutes=case.patience_minutes,
    )
    table = compare_case(name, wrong, _cfg(name), theory=case)
    assert not table["within_ci"].all()
    assert not table.set_index("metric").loc["occupancy", "within_ci"]


def test_analytic_values_of_the_published_case():
    v = analytic_values(QueueOnlyScenario(arrivals_per_hour=200, servers=14, service_minutes=3))
    assert v["p_wait"] == pytest.approx(0.1741, abs=1e-4)
    assert v["service_level_20s"] == pytest.approx(0.8884, abs=1e-4)
    assert v["mean_wait_min"] * 60 == pytest.approx(7.84, abs=0.01)
    assert v["occupancy"] == pytest.approx(0.7143, abs=1e-4)
    assert v["p_abandon"] == 0.0


def test_unstable_case_without_patience_is_rejected():
    cfg = ValidationConfig(cases={"bad": QueueOnlyScenario(arrivals_per_hour=300, servers=10)})
    with pytest.raises(ConfigError, match="validation.cases.bad"):
        run_validation(cfg)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"replications": 1}, "validation.replications"),
        ({"level": 1.5}, "validation.level"),
        ({"warmup_days": 5.0}, "validation.warmup_days"),
        ({"cases": {}}, "validation.cases"),
        ({"cases": {"x": QueueOnlyScenario(servers=0)}}, "validation.cases.x.servers"),
        (
            {"cases": {"x": QueueOnlyScenario(service_dist="weibull")}},
            "validation.cases.x.service_dist",
        ),
        ({"cases": {"x": QueueOnlyScenario(service_cv=-1.0)}}, "validation.cases.x.service_cv"),
        (
            {"cases": {"x": QueueOnlyScenario(patience_minutes=1, patience_dist="gamma")}},
            "validation.cases.x.patience_dist",
        ),
        ({"cases": {"x": QueueOnlyScenario(patience_cv=-0.5)}}, "validation.cases.x.patience_cv"),
    ],
)
def test_bad_validation_settings_are_rejected(changes, key):
    base = {"cases": {"ok": QueueOnlyScenario()}, "horizon_days": 1.0}
    cfg = ValidationConfig(**{**base, **changes})
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        run_validation(cfg)


# ------------------------------------------------------------------------ no exact formula

MG = dict(arrivals_per_hour=240, servers=14, service_minutes=3)
"""An M/G/c queue at utilisation 0.86."""


def test_no_exact_formula_no_analytic_value_but_what_holds_for_any_distribution():
    mg = analytic_values(QueueOnlyScenario(**MG, service_dist="lognormal", service_cv=0.5))
    assert mg["p_abandon"] == 0.0
    assert mg["occupancy"] == pytest.approx(240 * 3 / 60 / 14, rel=1e-15)
    assert all(math.isnan(mg[m]) for m in ("p_wait", "mean_wait_min", "service_level_20s"))
    patient = QueueOnlyScenario(**MG, patience_minutes=1, patience_dist="lognormal")
    assert all(math.isnan(v) for v in analytic_values(patient).values())


def test_allen_cunneen_beside_the_simulation_without_patience_only():
    ec = erlang_c(240, 20, 14)
    expo = approximate_values(QueueOnlyScenario(**MG))
    assert expo["p_wait"] == ec.p_wait
    assert expo["mean_wait_min"] == pytest.approx(ec.mean_wait * 60, rel=1e-15)
    const = approximate_values(QueueOnlyScenario(**MG, service_dist="constant", service_cv=3.0))
    assert const["mean_wait_min"] == pytest.approx(ec.mean_wait * 60 / 2, rel=1e-15)
    cv2 = approximate_values(QueueOnlyScenario(**MG, service_dist="lognormal", service_cv=2.0))
    assert cv2["mean_wait_min"] == pytest.approx(ec.mean_wait * 60 * 2.5, rel=1e-15)
    assert math.isnan(cv2["occupancy"])
    patient = QueueOnlyScenario(**MG, patience_minutes=1)
    assert all(math.isnan(v) for v in approximate_values(patient).values())


def test_a_case_without_a_formula_claims_no_pass_it_did_not_check():
    q = QueueOnlyScenario(**MG, service_dist="lognormal", service_cv=0.5)
    cfg = ValidationConfig(
        replications=4, horizon_days=1.0, warmup_days=0.25, seed=3, ciw_reference=False
    )
    table = compare_case("mg", q, cfg)
    assert list(table.columns) == list(COLUMNS)
    table = table.set_index("metric")
    for metric in ("p_wait", "mean_wait_min", "service_level_20s"):
        assert table.loc[metric, "within_ci"] is pd.NA, metric
    assert table.loc["p_abandon", "within_ci"]  # exact whatever the distributions
    assert table.loc["occupancy", "within_ci"]
    assert table["approximation"].notna().sum() == 2
    assert table["reference"].isna().all()
    assert table["agrees"].isna().all()


def test_without_ciw_a_case_needing_it_is_stopped_before_anything_runs(monkeypatch):
    monkeypatch.setattr(ciw_reference, "ciw_available", lambda: False)
    cfg = ValidationConfig(
        cases={"mm": QueueOnlyScenario(), "mg": QueueOnlyScenario(service_dist="constant")}
    )
    with pytest.raises(ConfigError, match=r"validation\.ciw_reference.*\['mg'\]"):
        validate_validation(cfg)
    validate_validation(replace(cfg, ciw_reference=False))  # simulated, not compared
    validate_validation(cfg, require_cases=False)  # another job: Ciw is not needed
    validate_validation(replace(cfg, cases={"mm": QueueOnlyScenario()}))  # exact formula


MGG_CASES = {
    "lognormal_cv0.5": QueueOnlyScenario(**MG, service_dist="lognormal", service_cv=0.5),
    "lognormal_cv2": QueueOnlyScenario(**MG, service_dist="lognormal", service_cv=2.0),
    "constant": QueueOnlyScenario(**MG, service_dist="constant"),
    "lognormal_patience": QueueOnlyScenario(
        arrivals_per_hour=300,
        servers=16,
        service_minutes=3,
        patience_minutes=1,
        patience_dist="lognormal",
        patience_cv=0.5,
    ),
    "mgg_overloaded": QueueOnlyScenario(
        arrivals_per_hour=600,
        servers=25,
        service_minutes=3,
        service_dist="lognormal",
        service_cv=0.5,
        patience_minutes=2,
        patience_dist="lognormal",
        patience_cv=1.5,
    ),
}
MGG_EFFORT = {  # (replications, days) per simulator
    "lognormal_cv0.5": (20, 3.0),
    "lognormal_cv2": (20, 3.0),
    "constant": (20, 3.0),
    "lognormal_patience": (12, 2.0),
    "mgg_overloaded": (10, 1.5),
}


def _mgg_cfg(name: str) -> ValidationConfig:
    reps, days = MGG_EFFORT[name]
    return ValidationConfig(
        replications=reps, horizon_days=days, warmup_days=0.25, level=0.999, seed=7, workers=2
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MGG_CASES))
def test_engine_and_ciw_agree_where_no_formula_exists(name):
    pytest.importorskip("ciw")
    table = compare_case(name, MGG_CASES[name], _mgg_cfg(name))
    assert table["agrees"].notna().all()
    bad = table[~table["agrees"]]
    assert bad.empty, bad.to_string()
    # the intervals are narrow enough to see a 3% difference in the load
    occ = table.set_index("metric").loc["occupancy"]
    assert (occ["difference_ci_high"] - occ["difference_ci_low"]) / 2 < 0.03 * occ["reference"]
    checked = table[table["within_ci"].notna()]  # what is exact for any distribution
    assert checked["within_ci"].all(), checked.to_string()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "other", "metric"),
    [
        ("lognormal_cv0.5", {"service_cv": 1.0}, "mean_wait_min"),
        ("lognormal_patience", {"patience_cv": 1.0}, "p_wait"),
    ],
    ids=["service-cv-1", "patience-cv-1"],
)
def test_ciw_tells_a_queue_with_another_cv_apart(name, other, metric):
    """The engine simulates the case, Ciw the same queue with another coefficient of
    variation (same means): the comparison must reject it."""
    pytest.importorskip("ciw")
    case = MGG_CASES[name]
    table = compare_case(name, case, _mgg_cfg(name), reference=replace(case, **other))
    assert not table.set_index("metric").loc[metric, "agrees"]
