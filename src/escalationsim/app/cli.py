"""The ``escalationsim`` command: a Hydra app around :func:`escalationsim.experiment.simulate`.

Hydra composes ``conf/config.yaml`` (shipped inside the package, so an installed wheel
finds it) with the user's overrides; the typed schema (:mod:`escalationsim.app.schema`) rejects
unknown keys and wrong types, and :func:`escalationsim.experiment.job.validate` rejects
out-of-range values, both before anything is simulated. Results go to Hydra's run
directory (``hydra.run.dir=...`` to choose).
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from escalationsim.app.progress import ProgressBar
from escalationsim.app.schema import AppConfig, to_sim_config
from escalationsim.config.fields import ConfigError
from escalationsim.experiment.job import SimConfig, validate
from escalationsim.experiment.plugins import load_plugins

log = logging.getLogger("escalationsim")


def check_config(cfg: DictConfig) -> None:
    """Everything a job checks before it simulates (types, ranges, names): raise a
    ConfigError naming the key. Sweeps call it on their jobs before launching any."""
    sim, app = to_sim_config(cfg)
    if app.job not in JOBS:
        raise ConfigError(f"job = {app.job!r} is not allowed: must be one of {sorted(JOBS)}")
    if app.job == "validation":
        from escalationsim.experiment.validation import validate_validation

        validate_validation(app.validation)
    else:
        validate(sim)


def compose(overrides: list[str] | None = None, config_name: str = "config") -> SimConfig:
    """The default job's SimConfig with Hydra-style overrides, for use from Python."""
    load_plugins()
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        cfg = hydra_compose(config_name=config_name, overrides=overrides or [])
    return to_sim_config(cfg)[0]


def _fail(err: ConfigError) -> int:
    log.error("invalid configuration: %s", err)
    print(f"escalationsim: invalid configuration: {err}", file=sys.stderr)
    return 2


def compare_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Compare ``run.policies`` on the scenario; write tables and plots."""
    from escalationsim.app.output import write_outputs
    from escalationsim.app.tables import headline_table, render
    from escalationsim.experiment.runner import simulate

    try:
        validate(sim)
    except ConfigError as err:
        return _fail(err)
    log.info(
        "policies %s x %d replications, %g days (%g warm-up), scenario %s",
        ", ".join(sim.run.policies),
        sim.run.replications,
        sim.run.horizon_days,
        sim.run.warmup_days,
        sim.scenario.name,
    )
    t0 = time.perf_counter()
    with ProgressBar(enabled=app.output.progress) as bar:
        results = simulate(sim, progress=bar)
    written = write_outputs(
        outdir, sim, results, plots=app.output.plots, complaints=app.output.complaints
    )
    from escalationsim.app.report import build_report

    report, _ = build_report(outdir, plots=app.output.plots)
    written.append(report)
    print()
    print(render(headline_table(results.summary, sim.run.policies)))
    print()
    print(f"{len(written)} files written to {outdir.resolve()}")
    log.info("done in %.1f s; outputs in %s", time.perf_counter() - t0, outdir.resolve())
    return 0


def validation_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Simulate the queue-only cases and compare them with Erlang C / Erlang A."""
    from escalationsim.app.files import write_csv
    from escalationsim.experiment.validation import run_validation, validate_validation

    cfg = app.validation
    try:
        validate_validation(cfg)
    except ConfigError as err:
        return _fail(err)
    t0 = time.perf_counter()

    def progress(case: str) -> None:
        log.info("case %s done (%.1f s)", case, time.perf_counter() - t0)

    table = run_validation(cfg, progress)
    path = write_csv(table, outdir / "validation.csv")
    with pd.option_context("display.width", 120, "display.max_rows", 500):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    bad = int((~table["within_ci"]).sum())
    print(
        f"\n{len(table) - bad}/{len(table)} analytic values inside the simulated "
        f"{cfg.level:.0%} confidence intervals; written to {path.resolve()}"
    )
    return 0


JOBS: dict[str, Callable[[SimConfig, AppConfig, Path], int]] = {
    "compare": compare_job,
    "validation": validation_job,
}


def run_job(cfg: DictConfig, outdir: Path) -> int:
    """Type-check the composed config and run the job it names; return an exit code."""
    try:
        sim, app = to_sim_config(cfg)
    except ConfigError as err:
        return _fail(err)
    if app.job not in JOBS:
        return _fail(
            ConfigError(f"job = {app.job!r} is not allowed: must be one of {sorted(JOBS)}")
        )
    return JOBS[app.job](sim, app, outdir)


def _mark_failed(outdir: Path, reason: str) -> None:
    from escalationsim.app.files import write_text

    write_text(reason + "\n", outdir / "FAILED")


load_plugins()  # before Hydra composes: plugins' lever modes type policies' sections


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def _app(cfg: DictConfig) -> int:
    hc = HydraConfig.get()
    outdir = Path(hc.runtime.output_dir)
    sweeping = hc.mode == RunMode.MULTIRUN
    try:
        code = run_job(cfg, outdir)
    except Exception as err:
        if not sweeping:
            raise
        # One job of a sweep must not stop the others: record it, let the sweep go on.
        log.exception("job failed")
        _mark_failed(outdir, "".join(traceback.format_exception_only(err)).strip())
        return 1
    if code:
        if not sweeping:
            sys.exit(code)
        _mark_failed(outdir, f"exited with code {code} (see cli.log)")
    return code


def main() -> None:
    """Console-script entry point."""
    _app()


if __name__ == "__main__":
    main()
