"""Hydra callbacks: aggregate a sweep as soon as it ends.

Configured in ``conf/config.yaml`` under ``hydra.callbacks``. Jobs never raise (a failed
job leaves a ``FAILED`` marker instead, see :mod:`escalationsim.app.cli`), so the sweep always
reaches its end and the report covers every job that finished; the command then exits
non-zero if any job failed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from escalationsim.app.sweeps import count_jobs

log = logging.getLogger("escalationsim")


class SweepReport(Callback):
    """Run ``escalationsim-report`` on the sweep folder when a multirun ends."""

    def __init__(self, plots: bool = True) -> None:
        self.plots = plots
        self._bar: Any = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        total = count_jobs(config)
        if total:
            from tqdm import tqdm

            # Updated where jobs end in this process (the basic launcher); the joblib
            # launcher prints its own progress lines from its workers.
            self._bar = tqdm(total=total, desc="sweep jobs", unit="job", disable=None)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        num = config.hydra.job.get("num")
        if num is not None:
            log.info("sweep job %s finished", num)
        if self._bar is not None:
            self._bar.update(1)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from escalationsim.app.report import build_report

        if self._bar is not None:
            self._bar.close()
        sweep = Path(config.hydra.sweep.dir)
        try:
            report, failed = build_report(sweep, plots=self.plots)
        except FileNotFoundError:
            from escalationsim.app.report import find_jobs

            log.error("no job of the sweep in %s produced results", sweep)
            _, failed = find_jobs(sweep)
            _report_failures(failed)
            raise SystemExit(1) from None
        log.info("sweep report: %s", report.resolve())
        print(f"sweep report written to {report.resolve()}")
        if failed:
            _report_failures(failed)
            raise SystemExit(1)


def _report_failures(failed: dict[Path, str]) -> None:
    for job, why in failed.items():
        log.error("failed job %s: %s", job, why)
    if failed:
        print(f"{len(failed)} job(s) failed: " + ", ".join(str(j) for j in failed))
