"""The Ciw reference simulates the queue it is given: its distributions have the configured
means and variability, and on M/M/c and M/M/c+M queues it reproduces Erlang C and
Erlang A (the check that its set-up and its measurement are those of the engine, before
it is trusted where no formula exists). Needs the optional package ciw."""

from __future__ import annotations

import math

import pytest

from escalationsim.analysis.aggregate import mean_ci
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.experiment import ciw_reference
from escalationsim.experiment.validation import METRICS, analytic_values

LEVEL = 0.999


def test_without_ciw_the_reference_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(ciw_reference, "ciw_available", lambda: False)
    with pytest.raises(ImportError, match=r"\.\[bench\]"):
        ciw_reference.simulate_reference(QueueOnlyScenario(), 2, 0.1, 0.0, 1)


@pytest.mark.parametrize(
    ("dist", "cv", "mean_min", "sd_min"),
    [("exponential", 3.0, 3.0, 3.0), ("constant", 3.0, 3.0, 0.0), ("lognormal", 0.5, 3.0, 1.5)],
)
def test_service_distribution_has_the_configured_mean_and_cv(dist, cv, mean_min, sd_min):
    ciw = pytest.importorskip("ciw")
    q = QueueOnlyScenario(service_minutes=3.0, service_dist=dist, service_cv=cv)
    d = ciw_reference.service_distribution(ciw, q)
    assert d.mean * 60 == pytest.approx(mean_min, rel=1e-12)
    assert math.sqrt(d.variance) * 60 == pytest.approx(sd_min, abs=1e-12)


@pytest.mark.parametrize(("dist", "sd_min"), [("exponential", 2.0), ("lognormal", 3.0)])
def test_patience_distribution_has_the_configured_mean_and_cv(dist, sd_min):
    ciw = pytest.importorskip("ciw")
    q = QueueOnlyScenario(patience_minutes=2.0, patience_dist=dist, patience_cv=1.5)
    d = ciw_reference.patience_distribution(ciw, q)
    assert d.mean * 60 == pytest.approx(2.0, rel=1e-12)
    assert math.sqrt(d.variance) * 60 == pytest.approx(sd_min, rel=1e-12)
    assert ciw_reference.patience_distribution(ciw, QueueOnlyScenario()) is None


def test_arrivals_stop_at_the_horizon():
    ciw = pytest.importorskip("ciw")
    arrivals = ciw_reference._arrivals_until(ciw, 60.0, 10.0)
    assert 0 < arrivals.sample(t=9.99) < math.inf
    assert arrivals.sample(t=10.0) == math.inf


MARKOVIAN = {
    "erlang_c": (QueueOnlyScenario(arrivals_per_hour=200, servers=14, service_minutes=3), 2.0),
    "erlang_a": (
        QueueOnlyScenario(arrivals_per_hour=300, servers=16, service_minutes=3, patience_minutes=1),
        1.0,
    ),
}


def _reference(q: QueueOnlyScenario, days: float):
    return ciw_reference.simulate_reference(q, 8, days, 0.1, seed=11, workers=2)


@pytest.mark.parametrize("name", list(MARKOVIAN))
def test_ciw_reproduces_erlang_c_and_erlang_a(name):
    pytest.importorskip("ciw")
    q, days = MARKOVIAN[name]
    ref = _reference(q, days)
    assert list(ref.columns) == list(METRICS)
    exact = analytic_values(q)
    for metric in METRICS:
        m, lo, hi = mean_ci(ref[metric].to_numpy(), LEVEL)
        assert lo - 1e-12 <= exact[metric] <= hi + 1e-12, (metric, m, lo, hi, exact[metric])


def test_a_five_percent_slower_reference_is_caught():
    """The same check fails for a Ciw queue whose service is 5% too long."""
    pytest.importorskip("ciw")
    q, days = MARKOVIAN["erlang_a"]
    wrong = QueueOnlyScenario(
        arrivals_per_hour=q.arrivals_per_hour,
        servers=q.servers,
        service_minutes=q.service_minutes * 1.05,
        patience_minutes=q.patience_minutes,
    )
    ref = _reference(wrong, days)
    _, lo, hi = mean_ci(ref["occupancy"].to_numpy(), LEVEL)
    assert not lo <= analytic_values(q)["occupancy"] <= hi


def test_replications_do_not_depend_on_the_number_of_workers():
    pytest.importorskip("ciw")
    q = QueueOnlyScenario(arrivals_per_hour=60, servers=2, service_minutes=1.5)
    one = ciw_reference.simulate_reference(q, 3, 0.2, 0.0, seed=5, workers=1)
    two = ciw_reference.simulate_reference(q, 3, 0.2, 0.0, seed=5, workers=2)
    assert one.equals(two)
    assert not one.iloc[0].equals(one.iloc[1])  # each replication has its own seed


def test_a_window_with_nobody_measured_gives_nan_not_an_error():
    pytest.importorskip("ciw")
    q = QueueOnlyScenario(arrivals_per_hour=1e-3, servers=1)
    row = ciw_reference.replication(q, 0.01, 0.005, seed=1)
    assert math.isnan(row["p_wait"]) and math.isnan(row["mean_wait_min"])
    assert row["occupancy"] == 0.0
