"""Checking a sweep's jobs up front: a covering subset of the batch."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalationsim.app.sweeps import covering_subset
from tests.cli import run_cli


def _grid(*axes: list[str]) -> list[list[str]]:
    return [list(job) for job in itertools.product(*axes)]


def test_a_grid_is_covered_by_as_many_jobs_as_its_longest_axis():
    vol = [f"scenario.volume_per_day={v}" for v in (100, 200, 300, 400, 500, 600)]
    seed = [f"run.seed={s}" for s in (1, 2, 3, 4)]
    batch = [["run.replications=5", *job] for job in _grid(vol, seed)]
    picked = covering_subset(batch)
    assert len(picked) == 6
    assert {o for job in picked for o in job} == {o for job in batch for o in job}
    assert all(job in batch for job in picked)
    assert picked == sorted(picked, key=batch.index)  # batch order kept


def test_degenerate_batches():
    assert covering_subset([]) == []
    assert covering_subset([[]]) == []  # a job without overrides needs no check
    assert covering_subset([["a=1"], ["a=1"]]) == [["a=1"]]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([f"k{k}={v}" for k in range(4) for v in range(5)]), max_size=4),
        max_size=30,
    )
)
def test_every_override_of_the_batch_is_in_some_picked_job(batch):
    picked = covering_subset(batch)
    assert {o for job in picked for o in job} == {o for job in batch for o in job}
    assert all(job in batch for job in picked)
    assert len(picked) <= len(batch)


@pytest.mark.sweep
@pytest.mark.parametrize(
    "grid",
    [
        ["scenario.volume_per_day=100,200", "run.seed=1,2,minus"],  # bad value, some jobs only
        ["scenario.volume_pr_day=100,200", "run.seed=1,2"],  # misspelt key
    ],
)
def test_a_bad_override_still_fails_before_any_job_runs(tmp_path, grid):
    """The up-front check composes every override once: a misspelt key, or a value of the
    wrong type that only some jobs of the grid have, stops the sweep before the first job
    runs. (The sweep is run by the project's own sweeper, configured in config.yaml.)"""
    root = tmp_path / "mr"
    proc = run_cli(
        [
            "--multirun",
            "run.replications=1",
            "run.horizon_days=2",
            "run.warmup_days=1",
            "run.workers=1",
            "output.plots=false",
            *grid,
            f"hydra.sweep.dir={root}",
        ]
    )
    assert proc.returncode != 0
    assert not list(root.glob("*/kpis.csv"))  # no job ran
    assert not list(root.glob("*/.hydra"))  # none even started
