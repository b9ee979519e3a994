"""``run.warmup_days=auto`` (experiment.warmup): the warm-up chosen by MSER from pilot
runs, on an M/M/c queue whose transient is known: started empty it settles within
hours; started with 1,000 callers waiting (arrivals 80 an hour, 10 servers serving 100
an hour) it needs about 1,000 / (100 - 80) = 50 hours to drain first."""

from __future__ import annotations

import pytest

from escalationsim import ConfigError, compose, simulate, validate
from escalationsim.experiment.warmup import with_auto_warmup


def _queue(initial: int, seed: int, *more: str):
    return compose(
        [
            "scenario=queue_only",
            "scenario.arrivals_per_hour=80",
            "scenario.servers=10",
            "scenario.service_minutes=6",
            f"scenario.initial_customers={initial}",
            "run.horizon_days=7",
            "run.warmup_days=auto",
            "run.drain_days=0",
            f"run.seed={seed}",
            "run.workers=1",
            *more,
        ]
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_queue_started_full_gets_a_warm_up_past_its_drain_and_one_started_empty_hardly_any(
    seed: int,
) -> None:
    empty, _ = with_auto_warmup(_queue(0, seed))
    full, pilots = with_auto_warmup(_queue(1000, seed))
    assert empty.run.warmup_days * 24 <= 25
    assert 45 <= full.run.warmup_days * 24 <= 90
    assert pilots[0].step_h == 1.0 and not pilots[0].stationarity.trending


def test_the_job_runs_with_the_chosen_warm_up_and_records_it() -> None:
    res = simulate(_queue(1000, 1, "run.replications=2"))
    chosen, _ = with_auto_warmup(_queue(1000, 1))
    assert (res.kpis["warmup_days"] == chosen.run.warmup_days).all()
    # the measured window starts after the drain: its waits are those of the settled queue
    assert (res.kpis["mean_wait_min"] < 5).all()


def test_a_warm_up_is_a_number_of_days_or_auto() -> None:
    validate(_queue(0, 1))
    with pytest.raises(ConfigError, match=r'run\.warmup_days.*"auto"'):
        validate(compose(["run.warmup_days=soon"]))


def test_a_horizon_too_short_for_mser_is_refused() -> None:
    """Under the default weekly profile a batch is a week: 20 days are fewer than four
    batches, and the pilot would choose nothing (it used to choose 0 days in silence)."""
    cfg = compose(
        ["run.policies=[rigid_script]", "run.horizon_days=20", "run.warmup_days=auto"]
        + ["run.drain_days=0", "run.workers=1", "scenario.volume_per_day=200"]
    )
    with pytest.raises(ConfigError, match=r"run\.warmup_days = auto needs a longer"):
        with_auto_warmup(cfg)
