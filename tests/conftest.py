"""Shared fixtures: small jobs composed from the packaged configs."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from escalationsim import SimConfig, compose, simulate
from escalationsim.experiment.runner import Results

PRESETS = ["rigid_script", "empowered_rep", "ceo_responds", "ceo_redirects", "omnichannel"]


FAILPOINT = Path(__file__).parent / "failpoint"


def run_cli(args: list[str], cwd: Path | None = None, timeout: int = 600, fail_volumes: str = ""):
    """Run the ``escalationsim`` command in a subprocess, as a user would; jobs whose
    ``scenario.volume_per_day`` is in ``fail_volumes`` crash while running
    (tests/failpoint)."""
    env = dict(os.environ, HYDRA_FULL_ERROR="0")
    if fail_volumes:
        env["PYTHONPATH"] = os.pathsep.join([str(FAILPOINT), env.get("PYTHONPATH", "")])
        env["ESCALATIONSIM_FAIL_VOLUMES"] = fail_volumes
    return subprocess.run(
        [sys.executable, "-m", "escalationsim.app.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def small_config(*overrides: str, policies: list[str] | None = None) -> SimConfig:
    """A short, single-process job; overrides in Hydra syntax."""
    pols = policies or PRESETS
    base = [
        f"run.policies=[{','.join(pols)}]",
        "run.replications=1",
        "run.horizon_days=6",
        "run.warmup_days=1",
        "run.workers=1",
        "scenario.volume_per_day=300",
    ]
    return compose(base + list(overrides))


@functools.cache
def _cached_run(overrides: tuple[str, ...]) -> Results:
    return simulate(small_config(*overrides))


@pytest.fixture(scope="session")
def all_presets() -> Results:
    """Every preset, one short replication, complaint rows kept."""
    return _cached_run(())


# Property-based tests draw the same examples on every run and machine, so they never flake.
hypothesis_settings.register_profile("escalationsim", derandomize=True, database=None)
hypothesis_settings.load_profile("escalationsim")
