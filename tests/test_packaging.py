"""The package works from an installed wheel, run from another directory (slow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_install_finds_its_configs(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(ROOT)], check=True, timeout=900)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            str(venv / "bin" / "escalationsim"),
            "run.replications=1",
            "run.horizon_days=3",
            "run.warmup_days=1",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "kpis.csv").exists()
    assert list(out.glob("*.png"))
    assert "is the cheapest policy" in (out / "report.html").read_text()  # its template too
