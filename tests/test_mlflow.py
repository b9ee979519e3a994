"""Optional experiment tracking (app/tracking.py, ``+tracking=mlflow``): a job logged to
a local MLflow store with its configuration, seed, git revision, KPIs and report; refused
with the remedy where MLflow is not installed."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from tests.cli import run_cli

pytestmark = pytest.mark.cli

ARGS = [
    "+tracking=mlflow",
    "run.horizon_days=4",
    "run.warmup_days=1",
    "run.replications=2",
    "run.policies=[rigid_script,empowered_rep]",
    "scenario.volume_per_day=100",
    "output.progress=false",
]
HAS_MLFLOW = importlib.util.find_spec("mlflow") is not None


@pytest.mark.skipif(HAS_MLFLOW, reason="MLflow is installed here")
def test_without_mlflow_the_option_says_how_to_install_it(tmp_path) -> None:
    out = tmp_path / "run"
    proc = run_cli([*ARGS, f"hydra.run.dir={out}"], subprocess_=True)
    assert proc.returncode != 0
    assert "pip install 'escalationsim[mlflow]'" in proc.stderr
    assert not out.exists() or not any(out.iterdir())  # refused before anything was written


@pytest.mark.slow  # MLflow is in the slow suite's virtualenv (the mlflow extra)
@pytest.mark.skipif(not HAS_MLFLOW, reason="the mlflow extra is not installed")
def test_a_job_is_logged_with_its_configuration_seed_revision_kpis_and_report(tmp_path):
    from mlflow.tracking import MlflowClient

    out, uri = tmp_path / "run", f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = run_cli(
        [
            *ARGS,
            "run.seed=11",
            f"hydra.run.dir={out}",
            f"hydra.callbacks.mlflow.tracking_uri={uri}",
        ],
        cwd=tmp_path,
        subprocess_=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("escalationsim")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.params["run.seed"] == "11"
    assert run.data.params["scenario.volume_per_day"] == "100"  # as composed
    assert run.data.params["run.policies"] == "['rigid_script', 'empowered_rep']"
    tags = run.data.tags
    assert tags["escalationsim.seed"] == "11" and tags["escalationsim.status"] == "FINISHED"
    assert len(tags["escalationsim.git_revision"].split("+")[0]) in (40, 7)  # a commit id
    summary = pd.read_csv(out / "summary.csv").set_index(["kpi", "policy"])["mean"]
    assert run.data.metrics["cost_per_complaint.rigid_script"] == pytest.approx(
        summary[("cost_per_complaint", "rigid_script")]
    )
    artefacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "kpis.csv", "summary.csv", "manifest.json"} <= artefacts
