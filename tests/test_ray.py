"""Sweeps on a Ray cluster (slow; needs the ``ray`` extra, which ``make test-slow``
installs): a local cluster started with ``ray start --head``, the Hydra Ray launcher
connecting to it by address, results equal to the basic launcher's, and a resume that
skips the jobs already complete.

hydra-ray-launcher 1.2.2 sets ``object_store_memory`` in ``ray.init`` unless the key is
given (``setdefault``), and Ray refuses that argument when it connects to an existing
cluster; giving the key as null (``+hydra.launcher.ray.init.object_store_memory=null``)
keeps it out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from escalationsim.app import manifest
from tests.cli import run_cli

pytestmark = pytest.mark.slow

RAY_ARGS = [
    "hydra/launcher=ray",
    "hydra.launcher.ray.init.address=auto",
    "+hydra.launcher.ray.init.object_store_memory=null",
]
GRID = [
    "--multirun",
    "run.replications=2",
    "run.horizon_days=3",
    "run.warmup_days=1",
    "run.drain_days=1",
    "run.workers=1",
    "output.plots=false",
    "scenario.volume_per_day=100,150,200",
]


@pytest.fixture(scope="module")
def ray_cluster():
    pytest.importorskip("ray", reason="install the ray extra: pip install -e '.[ray]'")
    ray = str(Path(sys.executable).with_name("ray"))
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    subprocess.run([ray, "stop", "--force"], capture_output=True, env=env)
    start = subprocess.run(
        [ray, "start", "--head", "--num-cpus=2", "--include-dashboard=false"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert start.returncode == 0, start.stderr
    try:
        yield
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True, env=env, timeout=120)


def test_a_ray_sweep_equals_the_basic_one_and_resumes(ray_cluster, tmp_path):
    basic = tmp_path / "basic"
    on_ray = tmp_path / "ray"
    assert run_cli([*GRID, f"hydra.sweep.dir={basic}", "hydra/launcher=basic"]).returncode == 0
    proc = run_cli([*GRID, f"hydra.sweep.dir={on_ray}", *RAY_ARGS], subprocess_=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("all_kpis.csv", "summary.csv"):
        assert (on_ray / name).read_bytes() == (basic / name).read_bytes(), name
    # a job killed mid-way: its manifest says running; the resumed sweep redoes it only
    m = manifest.read(on_ray / "1")
    m.status = "running"
    manifest.write(on_ray / "1", m)
    (on_ray / "summary.csv").unlink()
    shutil.rmtree(on_ray / "2")
    resumed = run_cli([*GRID, f"hydra.sweep.dir={on_ray}", *RAY_ARGS], subprocess_=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "1 job(s) skipped" in resumed.stdout
    for name in ("all_kpis.csv", "summary.csv"):
        assert (on_ray / name).read_bytes() == (basic / name).read_bytes(), name


def test_no_ray_cluster_at_the_address_is_a_message(tmp_path):
    """address=auto with no cluster running: a message saying what to do, exit 1, no
    traceback, no job folder."""
    pytest.importorskip("ray", reason="install the ray extra: pip install -e '.[ray]'")
    ray = str(Path(sys.executable).with_name("ray"))
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    subprocess.run([ray, "stop", "--force"], capture_output=True, env=env, timeout=120)
    out = tmp_path / "ray"
    proc = subprocess.run(
        [sys.executable, "-m", "escalationsim.app.cli", *GRID, f"hydra.sweep.dir={out}",
         *RAY_ARGS],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "the Ray launcher found no Ray cluster" in proc.stderr, proc.stderr[-3000:]
    assert "ray start --head" in proc.stderr and "Traceback" not in proc.stderr
    assert not list(out.glob("*/kpis.csv"))
