"""Hydra callbacks: aggregate a sweep as soon as it ends.

Configured in ``conf/config.yaml`` under ``hydra.callbacks``. Jobs never raise (a failed
job leaves a ``FAILED`` marker instead, see :mod:`escalationsim.app.cli`), so the sweep
always reaches its end and the report covers every job that finished; the command then
exits non-zero if any job failed. It also says how many jobs a resumed sweep skipped, and
stops the sweep's worker processes when the sweep is sent SIGTERM or SIGINT.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from escalationsim.app import manifest
from escalationsim.app.sweeps import count_jobs

log = logging.getLogger("escalationsim")


class SweepReport(Callback):
    """Run ``escalationsim-report`` on the sweep folder when a multirun ends."""

    def __init__(self, plots: bool = True) -> None:
        self.plots = plots
        self._bar: Any = None
        self._started = ""
        self._handlers: dict[int, Any] = {}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check_folder(config)
        self._started = manifest.now()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._handlers[sig] = signal.signal(sig, _stop_workers)
        total = count_jobs(config)
        if total:
            from tqdm import tqdm

            # Updated where jobs end in this process (the basic launcher); the joblib
            # launcher prints its own progress lines from its workers.
            self._bar = tqdm(total=total, desc="sweep jobs", unit="job", disable=None)

    @staticmethod
    def _check_folder(config: DictConfig) -> None:
        """Before any sweeper writes (this project's checks the folder itself; Hydra's
        basic one, ``hydra/sweeper=basic``, would not): a folder holding another sweep's
        or a run's results stops the sweep, exit code 2."""
        from escalationsim.app.sweeps import check_sweep_folder, grid_jobs
        from escalationsim.config.fields import ConfigError

        n_jobs = OmegaConf.select(config, "hydra.launcher.n_jobs", default=None)
        if isinstance(n_jobs, int) and not isinstance(n_jobs, bool) and n_jobs == 0:
            msg = (
                "hydra.launcher.n_jobs = 0 is not allowed: must be a number of worker "
                "processes >= 1 (or -1: one per core)"
            )
            log.error("%s", msg)
            print(f"escalationsim: invalid configuration: {msg}", file=sys.stderr)
            raise SystemExit(2)
        if config.hydra.sweeper.get("_target_", "").startswith("hydra_plugins.escalationsim"):
            return  # checked by the sweeper, with each job's configuration hash too
        jobs = grid_jobs(config)
        if jobs is None:
            return
        overwrite = bool(OmegaConf.select(config, "output.overwrite", default=False))
        try:
            check_sweep_folder(Path(config.hydra.sweep.dir), jobs, overwrite)
        except ConfigError as err:
            log.error("%s", err)
            print(f"escalationsim: {err}", file=sys.stderr)
            raise SystemExit(2) from None

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
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        sweep = Path(config.hydra.sweep.dir)
        skipped = _skipped(sweep, self._started)
        if skipped:
            print(
                f"{skipped} job(s) skipped: their results were complete for the same "
                "configuration (output.resume=false reruns them)"
            )
        # The sweep's own plots (KPIs against the swept values) follow this callback's
        # setting (hydra.callbacks.report.plots), not output.plots, which is each job's:
        # named sweeps turn the jobs' plots off and keep the sweep's.
        try:
            report, failed = build_report(sweep, plots=self.plots)
        except FileNotFoundError:
            from escalationsim.app.report import find_jobs

            log.error("no job of the sweep in %s produced results", sweep)
            _, failed = find_jobs(sweep)
            _report_failures(failed)
            raise SystemExit(1) from None
        except Exception as err:  # Hydra would turn it into a warning and exit 0
            log.exception("the sweep's report failed")
            print(f"escalationsim: the sweep's report failed: {err}", file=sys.stderr)
            raise SystemExit(1) from None
        log.info("sweep report: %s", report.resolve())
        print(f"sweep report written to {report.resolve()}")
        if failed:
            _report_failures(failed)
            raise SystemExit(1)


def _skipped(sweep: Path, started: str) -> int:
    """Jobs of this sweep's grid whose complete results were there before it started
    (another sweep's results in a job folder are not this sweep's skipped job)."""
    from escalationsim.app.report import _grid
    from escalationsim.app.sweeps import job_of_grid

    expected = _grid(sweep)
    n = 0
    for path in sweep.glob(f"*/{manifest.MANIFEST}"):
        try:
            m = manifest.read(path.parent)
            i = int(path.parent.name)
        except (manifest.FolderError, ValueError):
            continue
        if m is None or not m.complete or m.finished >= started:
            continue
        if expected is not None and (
            i >= len(expected) or not job_of_grid(m.overrides, expected[i])
        ):
            continue
        n += 1
    return n


def _children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (from /proc; empty where there is none)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _stop_workers(signum: int, frame: Any) -> None:
    """SIGTERM or SIGINT to a sweep: stop its worker processes (the joblib launcher's
    loky workers would otherwise go on running jobs for minutes), then end as the signal
    says. Jobs that had not finished have no complete manifest: rerunning the same
    command resumes the sweep."""
    for pid in _children(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    log.error("sweep stopped by signal %d; rerun the same command to resume it", signum)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _report_failures(failed: dict[Path, str]) -> None:
    for job, why in failed.items():
        log.error("failed job %s: %s", job, why)
    if failed:
        print(f"{len(failed)} job(s) failed: " + ", ".join(str(j) for j in failed))
