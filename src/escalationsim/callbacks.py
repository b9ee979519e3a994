"""Hydra callbacks: aggregate a sweep as soon as it ends.

Configured in ``conf/config.yaml`` under ``hydra.callbacks``. Jobs never raise (a failed
job leaves a ``FAILED`` marker instead, see :mod:`escalationsim.cli`), so the sweep always
reaches its end and the report covers every job that finished; the command then exits
non-zero if any job failed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("escalationsim")


class SweepReport(Callback):
    """Run ``escalationsim-report`` on the sweep folder when a multirun ends."""

    def __init__(self, plots: bool = True) -> None:
        self.plots = plots

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        num = config.hydra.job.get("num")
        if num is not None:
            log.info("sweep job %s finished", num)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from escalationsim.report import build_report

        sweep = Path(config.hydra.sweep.dir)
        try:
            report, failed = build_report(sweep, plots=self.plots)
        except FileNotFoundError:
            log.error("no job of the sweep in %s produced results", sweep)
            raise SystemExit(1) from None
        log.info("sweep report: %s", report.resolve())
        print(f"sweep report written to {report.resolve()}")
        if failed:
            for job, why in failed.items():
                log.error("failed job %s: %s", job, why)
            print(f"{len(failed)} job(s) failed: " + ", ".join(str(j) for j in failed))
            raise SystemExit(1)
