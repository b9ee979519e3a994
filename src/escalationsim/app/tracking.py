"""Optional experiment tracking: every job of a run or a sweep logged to MLflow.

``escalationsim +tracking=mlflow`` adds :class:`MlflowLogger` to the Hydra callbacks
(``conf/tracking/mlflow.yaml``; the ``mlflow`` extra installs ``mlflow-skinny``). When a
job ends it opens one MLflow run named after the job's folder and logs: the job's
configuration as parameters (every leaf of ``scenario``, ``run``, ``policies`` and the
job's study settings, dotted), its seed, the git revision of the working folder, its
status and folder as tags, each policy's mean of every KPI of ``summary.csv`` as a metric
(``cost_per_complaint.rigid_script``), and its ``report.html``, ``kpis.csv``,
``summary.csv`` and ``manifest.json`` as artefacts. MLflow's own client does the
writing (a local file store or a tracking server): why not write the files ourselves is
that MLflow's store format is its own and changes between versions.
"""

from __future__ import annotations

import logging
import math
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger("escalationsim")

LOGGED_SECTIONS = ("scenario", "run", "policies", "robustness", "uncertainty", "optimize", "job")
"""The configuration's sections logged as parameters."""

ARTEFACTS = ("report.html", "report.md", "kpis.csv", "summary.csv", "manifest.json")
"""A job's files logged as artefacts (those it wrote)."""


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError:
        raise ImportError(
            "+tracking=mlflow needs MLflow: install the extra, pip install "
            "'escalationsim[mlflow]' (or pip install mlflow-skinny)"
        ) from None
    return mlflow


def flat_params(cfg: DictConfig) -> dict[str, str]:
    """The job's configuration as MLflow parameters: dotted keys, values as text (lists
    as their YAML flow form), MLflow's limits kept (key 250, value 6,000 characters)."""
    out: dict[str, str] = {}

    def walk(node: Any, prefix: str) -> None:
        if OmegaConf.is_dict(node):
            for k in node:
                walk(node[k], f"{prefix}.{k}" if prefix else str(k))
        else:
            value = OmegaConf.to_container(node) if OmegaConf.is_list(node) else node
            out[prefix[:250]] = str(value)[:6000]

    for section in LOGGED_SECTIONS:
        if section in cfg:
            walk(cfg[section], section)
    return out


def git_revision(folder: Path) -> str:
    """The working folder's git commit ("unknown" outside a git checkout), with
    ``+changes`` when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def kpi_metrics(summary: pd.DataFrame) -> dict[str, float]:
    """Each policy's mean of each KPI, ``<kpi>.<policy>``; only finite numbers (MLflow
    stores floats: "not reached" is left out)."""
    out = {}
    for _, row in summary.iterrows():
        value = pd.to_numeric(row["mean"], errors="coerce")
        if isinstance(value, float | int) and math.isfinite(value):
            out[f"{row['kpi']}.{row['policy']}"] = float(value)
    return out


class MlflowLogger(Callback):
    """Log each job to MLflow when it ends (see the module doc)."""

    def __init__(
        self, tracking_uri: str = "sqlite:///mlflow.db", experiment: str = "escalationsim"
    ) -> None:
        self.mlflow = _mlflow()  # refused when the sweep starts, not after its first job
        self.tracking_uri = tracking_uri
        self.experiment = experiment

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        outdir = Path(HydraConfig.get().runtime.output_dir)
        try:
            self.log_job(config, outdir)
        except Exception as err:  # tracking must never fail the run it records
            log.warning("MLflow: could not log the job in %s: %s", outdir, err)

    def log_job(self, config: DictConfig, outdir: Path) -> str:
        """Log the job of ``config`` whose files are in ``outdir``; its MLflow run id."""
        mlflow = self.mlflow
        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_experiment(self.experiment)
        status = "FAILED" if (outdir / "FAILED").exists() else "FINISHED"
        with mlflow.start_run(run_name=str(outdir)) as run:
            params = flat_params(config)
            items = list(params.items())
            for i in range(0, len(items), 100):  # MLflow takes at most 100 a call
                mlflow.log_params(dict(items[i : i + 100]))
            mlflow.set_tags(
                {
                    "escalationsim.seed": str(OmegaConf.select(config, "run.seed")),
                    "escalationsim.git_revision": git_revision(Path.cwd()),
                    "escalationsim.folder": str(outdir.resolve()),
                    "escalationsim.status": status,
                }
            )
            summary = outdir / "summary.csv"
            if summary.exists():
                mlflow.log_metrics(kpi_metrics(pd.read_csv(summary)))
            for name in ARTEFACTS:
                if (outdir / name).is_file():
                    mlflow.log_artifact(str(outdir / name))
            return run.info.run_id


__all__ = ["MlflowLogger", "flat_params", "git_revision", "kpi_metrics"]
