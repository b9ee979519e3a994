"""The engine reproduces Erlang C and Erlang A (statistical, seeded, decisive).

Each case's five estimates are compared with theory through 99.9% confidence intervals
over independent replications (30 comparisons: a correct model fails one by chance with
probability about 3%; the seeds are fixed, so the outcome is the same on every run). A
model whose service times are 5% too long is caught in every case.
"""

from __future__ import annotations

import pytest

from escalationsim.config.fields import ConfigError
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.experiment.validation import (
    METRICS,
    ValidationConfig,
    analytic_values,
    compare_case,
    run_validation,
)

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
    ],
)
def test_bad_validation_settings_are_rejected(changes, key):
    base = {"cases": {"ok": QueueOnlyScenario()}, "horizon_days": 1.0}
    cfg = ValidationConfig(**{**base, **changes})
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        run_validation(cfg)
