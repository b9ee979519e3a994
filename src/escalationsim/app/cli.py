"""The ``escalationsim`` command: a Hydra app around :func:`escalationsim.experiment.simulate`.

Hydra composes ``conf/config.yaml`` (shipped inside the package, so an installed wheel
finds it) with the user's overrides; the typed schema (:mod:`escalationsim.app.schema`) rejects
unknown keys and wrong types, and :func:`escalationsim.experiment.job.validate` rejects
out-of-range values, both before anything is simulated. Results go to Hydra's run
directory (``hydra.run.dir=...`` to choose).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from escalationsim.app import manifest
from escalationsim.app.files import NoSpaceError
from escalationsim.app.inert import refuse
from escalationsim.app.progress import ProgressBar
from escalationsim.app.schema import AppConfig, check_override_keys, to_sim_config
from escalationsim.config.fields import ConfigError
from escalationsim.experiment.inert import inert_reason, inert_settings
from escalationsim.experiment.job import SimConfig, validate
from escalationsim.experiment.plugins import load_plugins
from escalationsim.policy.checked import LeverError

log = logging.getLogger("escalationsim")


def check_config(cfg: DictConfig, overrides: Sequence[str] = ()) -> tuple[SimConfig, AppConfig]:
    """Everything a job checks before it simulates or writes anything (keys, types,
    ranges, names, work bounds, and that no setting among ``overrides``, the user's, is
    one that cannot act: :mod:`escalationsim.app.inert`): raise a ConfigError naming the
    key. Sweeps call it on
    their jobs before launching any. A job of a robustness study first gets its
    scenario's values, in ``cfg`` itself (:func:`escalationsim.app.study.apply_scenario`),
    so that they are checked, recorded and hashed as the job's configuration."""
    from escalationsim.app.study import apply_scenario
    from escalationsim.experiment.validation import validate_validation

    apply_scenario(cfg)  # a job of a robustness study: its world's values, then checked
    sim, app = to_sim_config(cfg)
    if app.job not in JOBS:
        raise ConfigError(f"job = {app.job!r} is not allowed: must be one of {sorted(JOBS)}")
    # every section, whichever job runs: no bad value is kept silently (the optimiser's
    # trials keep no per-complaint records: its memory is estimated so)
    if app.job == "optimize":
        validate(dataclasses.replace(sim, run=dataclasses.replace(sim.run, records=False)))
    else:
        validate(sim)
    if app.job == "optimize":
        from escalationsim.app.optimize import check as check_optimize

        check_optimize(sim, app)
    validate_validation(app.validation, require_cases=app.job == "validation")
    if app.job == "calibrate":
        from escalationsim.app.calibrate import check as check_calibrate

        check_calibrate(app.calibrate, sim)
    refuse(overrides, job_inert(sim, app))
    refuse_varied(sim, app, overrides)
    return sim, app


def _job_inert(sim: SimConfig, app: AppConfig) -> dict[str, str]:
    compared = [app.optimize.policy] if app.job == "optimize" else None
    # a study's job, or a configuration that declares a study's uncertainties
    study = app.robustness.scenario >= 0 or bool(app.uncertainty)
    out = inert_settings(sim, app.job, app.output.complaints, compared, study)
    if app.job != "compare":
        out["output.contact_log"] = (
            "only a comparison writes contacts.parquet (the runs' contacts); drop "
            "experiment=... to run one"
        )
    if app.job == "calibrate":  # the calibration's parts read their own settings only
        cal = app.calibrate
        if not cal.backtest_days:
            for key in ("replications", "tolerance", "min_coverage"):
                out[f"calibrate.{key}"] = (
                    "only the backtest reads it; set calibrate.backtest_days=N to run one"
                )
        if not cal.simfit.trials:
            for key in ("timeout_s", "replications", "startup_trials", "warmup_days", "ranges"):
                out[f"calibrate.simfit.{key}"] = (
                    "only the simulation-based fit reads it; set calibrate.simfit.trials=N"
                )
        if not cal.backtest_days and not cal.simfit.trials:
            out["calibrate.policy"] = (
                "only the backtest and the simulation-based fit simulate the company's "
                "policy; set calibrate.backtest_days=N or calibrate.simfit.trials=N"
            )
    if not app.output.contact_log or app.job != "compare":
        out["output.contact_log_start"] = (
            "it dates contacts.parquet, which is written only with output.contact_log=true"
        )
    return out


def refuse_varied(sim: SimConfig, app: AppConfig, overrides: Sequence[str]) -> None:
    """Raise a ConfigError for an optimiser's lever or a study's uncertainty that the user
    gave or changed (in ``overrides``) none of whose keys can act in the job: its trials
    or worlds would differ in nothing. (One key of several may be idle: an uncertainty
    sets the same value in every policy, and acts through those that read it. A shipped
    one may be idle in a user's narrower job, e.g. word of mouth with two policies whose
    CEO is not seen: the study then reports it as having no effect.)"""
    inert = _job_inert(sim, app)
    given = {str(o).lstrip("+~").split("=")[0] for o in overrides}

    def user_set(where: str) -> bool:
        return any(g == where or g.startswith(where + ".") for g in given)

    varied = [(f"uncertainty.{n}", u.keys) for n, u in app.uncertainty.items()]
    if app.job == "optimize":
        varied += [(f"optimize.levers.{n}", lv.keys) for n, lv in app.optimize.levers.items()]
    for where, keys in varied:
        if not user_set(where):
            continue
        why = [inert_reason(key, inert) for key in keys]
        if keys and all(why):
            raise ConfigError(
                f"{where}.keys: {keys[0]} cannot act in this configuration, so the values "
                f"tried would change nothing: {why[0]}"
            )


def job_inert(sim: SimConfig, app: AppConfig) -> dict[str, str]:
    """The settings that cannot act in this job (:mod:`escalationsim.app.inert`)."""
    out = _job_inert(sim, app)
    for name, u in app.uncertainty.items():  # a study sets these in each of its worlds
        for key in u.keys:
            out[key] = (
                f"a robustness study sets it in each world it samples (uncertainty.{name}); "
                f"change its range there (uncertainty.{name}.low / .high), or remove the "
                f"uncertainty (~uncertainty.{name}) to fix it"
            )
    return out


def compose(overrides: list[str] | None = None, config_name: str = "config") -> SimConfig:
    """The default job's SimConfig with Hydra-style overrides, for use from Python."""
    return compose_job(overrides, config_name)[0]


def compose_job(
    overrides: list[str] | None = None, config_name: str = "config"
) -> tuple[SimConfig, AppConfig]:
    """The job's SimConfig and the app's settings (uncertainties, robustness study,
    optimisation, output) with Hydra-style overrides, for use from Python: e.g.
    ``compose_job(["experiment=optimize"])[1].optimize``."""
    if isinstance(overrides, str) or not all(isinstance(o, str) for o in overrides or []):
        raise ConfigError(
            f"overrides = {overrides!r} is not allowed: must be a list of strings such as "
            '["run.seed=3", "scenario.volume_per_day=800"]'
        )
    load_plugins()
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    check_override_keys(list(overrides or []))  # a misspelt key: the one meant

    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        cfg = hydra_compose(config_name=config_name, overrides=overrides or [])
    sim, app = to_sim_config(cfg)
    refuse(overrides or [], job_inert(sim, app))
    return sim, app


def _fail(err: ConfigError) -> int:
    log.error("invalid configuration: %s", err)
    print(f"escalationsim: invalid configuration: {err}", file=sys.stderr)
    return 2


def compare_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Compare ``run.policies`` on the scenario; write tables and plots."""
    from escalationsim.app.output import write_outputs
    from escalationsim.app.tables import headline_table, render
    from escalationsim.experiment.runner import simulate

    log.info(
        "policies %s x %d replications, %g days (%s warm-up), scenario %s",
        ", ".join(sim.run.policies),
        sim.run.replications,
        sim.run.horizon_days,
        sim.run.warmup_days,
        sim.scenario.name,
    )
    t0 = time.perf_counter()
    with ProgressBar(enabled=app.output.progress) as bar:
        results = simulate(sim, progress=bar, contacts=app.output.contact_log)
    pr = sim.run.precision
    if pr.kpi:
        used = int(results.kpis["replication"].nunique())
        how = f"{pr.half_width:.0%} of each difference" if pr.relative else f"{pr.half_width:g}"
        met = "reached" if used < pr.max_replications else "stopped at the maximum"
        log.info(
            "precision on %s (paired 95%% half-width at most %s): %s after %d replications",
            pr.kpi,
            how,
            met,
            used,
        )
    written = write_outputs(
        outdir,
        sim,
        results,
        plots=app.output.plots,
        complaints=app.output.complaints,
        best_on=app.output.best_on,
        contact_log_start=app.output.contact_log_start,
    )
    if app.robustness.scenario >= 0:
        from escalationsim.app.files import write_csv
        from escalationsim.app.study import UNCERTAIN_FILE, uncertain_row
        from escalationsim.experiment.uncertainty import point

        values = point(app.uncertainty, app.robustness, sim.run.seed)
        written.append(write_csv(uncertain_row(app, values), outdir / UNCERTAIN_FILE))
    from escalationsim.app.report import build_report

    report, _ = build_report(outdir, plots=app.output.plots, current=outdir)
    written.append(report)
    print()
    print(render(headline_table(results.summary, sim.run.policies)))
    print()
    print(f"{len(written)} files written to {outdir.resolve()}")
    log.info("done in %.1f s; outputs in %s", time.perf_counter() - t0, outdir.resolve())
    return 0


def validation_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Simulate the queue-only cases and compare them with Erlang C / Erlang A, and those
    with no exact formula with Allen-Cunneen and Ciw."""
    from escalationsim.app.files import write_csv
    from escalationsim.experiment.validation import run_validation

    cfg = app.validation
    t0 = time.perf_counter()

    def progress(case: str) -> None:
        log.info("case %s done (%.1f s)", case, time.perf_counter() - t0)

    table = run_validation(cfg, progress)
    path = write_csv(table, outdir / "validation.csv")
    shown = table.drop(columns=[c for c in table.columns if c.startswith(("reference_", "diff"))])
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    within, agrees = table["within_ci"], table["agrees"]
    print(
        f"\n{int(within.sum())}/{int(within.notna().sum())} analytic values inside the "
        f"simulated {cfg.level:.0%} confidence intervals (the other "
        f"{int(within.isna().sum())} have no exact formula)"
    )
    if agrees.notna().any():
        print(
            f"{int(agrees.sum())}/{int(agrees.notna().sum())} estimates agree with Ciw's "
            f"(the {cfg.level:.0%} Welch interval of the difference contains 0)"
        )
    print(f"written to {path.resolve()}")
    return 0


def optimize_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Choose lever values of one policy with Optuna (app/optimize.py)."""
    from escalationsim.app.optimize import optimize_job as run_optimize
    from escalationsim.app.report import build_report

    code = run_optimize(sim, app, outdir)
    if code == 0 and (outdir / "kpis.csv").exists():  # the confirmed candidates, compared
        build_report(outdir, plots=app.output.plots, current=outdir)
    return code


def calibrate_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Fit a scenario to a contact log (app/calibrate.py); the job's own scenario
    overrides go into the scenario it writes."""
    from escalationsim.app.calibrate import calibrate_job as run_calibrate

    task = OmegaConf.to_container(HydraConfig.get().overrides.task, resolve=False)
    return run_calibrate(sim, app.calibrate, outdir, [str(o) for o in task])


def screen_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Each uncertainty at its ends, one at a time (app/screen.py)."""
    from escalationsim.app.screen import screen_job as run_screen

    return run_screen(sim, app, outdir)


JOBS: dict[str, Callable[[SimConfig, AppConfig, Path], int]] = {
    "compare": compare_job,
    "validation": validation_job,
    "optimize": optimize_job,
    "calibrate": calibrate_job,
    "screen": screen_job,
}


def run_job(
    cfg: DictConfig, outdir: Path, overrides: list[str] | None = None, sweeping: bool = False
) -> int:
    """Check the composed config, take the output folder (manifest and lock:
    :mod:`escalationsim.app.manifest`), run the job it names and record what it wrote;
    return an exit code. Nothing is written before the checks pass."""
    try:
        # the project's sweeper checked a sweep's overrides against every job before it
        # launched any; under another (Hydra's basic sweeper) each job checks its own
        sim, app = check_config(cfg, [] if sweeping and _checked_by_sweeper() else overrides or [])
    except ConfigError as err:
        return _fail(err)
    overrides = list(overrides or [])
    with manifest.locked(outdir):
        digest = manifest.config_hash(cfg)
        decision, removed = manifest.prepare(
            outdir,
            digest,
            sweeping=sweeping,
            resume=app.output.resume,
            overwrite=app.output.overwrite,
        )
        if decision == manifest.SKIP:
            log.info("results complete for this configuration in %s: skipped", outdir)
            print(f"{outdir}: results complete for this configuration, skipped")
            return 0
        if removed:
            log.info("removed a previous run's files from %s: %s", outdir, ", ".join(removed))
        _write_record(cfg, outdir, overrides)
        record = manifest.new_manifest(digest, overrides)
        manifest.write(outdir, record)
        before = manifest.snapshot(outdir)  # a user's own files are not the run's
        code = JOBS[app.job](sim, app, outdir)
        if code == 0:
            written = manifest.written_since(outdir, before)
            manifest.complete(outdir, record, [outdir / name for name in written])
    return code


def _checked_by_sweeper() -> bool:
    """Whether this sweep's sweeper is the project's (it checks every job's overrides
    before launching any: hydra_plugins.escalationsim_sweeper)."""
    try:
        target = str(HydraConfig.get().sweeper.get("_target_", ""))
    except ValueError:  # not under Hydra (a test calling run_job directly)
        return True
    return target.endswith("CoveringSweeper")


def _write_record(cfg: DictConfig, outdir: Path, overrides: list[str]) -> None:
    """The composed configuration and the overrides, for reproducing the run
    (``.hydra/``, as Hydra would write them; Hydra's own writing is off so that nothing
    is written before the folder is checked)."""
    from omegaconf import OmegaConf

    from escalationsim.app.files import write_text

    write_text(OmegaConf.to_yaml(cfg), outdir / ".hydra" / "config.yaml")
    write_text(OmegaConf.to_yaml(OmegaConf.create(overrides)), outdir / ".hydra" / "overrides.yaml")


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
        overrides = OmegaConf.to_container(hc.overrides.task, resolve=False)  # as typed
        code = run_job(cfg, outdir, [str(o) for o in overrides], sweeping)
    except manifest.FolderError as err:  # the folder is not ours: write no results into it
        log.error("%s", err)
        print(f"escalationsim: {err}", file=sys.stderr)
        if not sweeping:
            sys.exit(2)
        return 2  # the sweeper checked the folder before launching: a race, not ours
    except (LeverError, NoSpaceError) as err:  # a plugin's bug, a full disk: a message
        log.error("%s", err)
        print(f"escalationsim: {err}", file=sys.stderr)
        if not sweeping:
            sys.exit(1)
        with contextlib.suppress(OSError):  # the disk may still be full
            _mark_failed(outdir, str(err))
        return 1
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


def _output_dir_problem(argv: list[str]) -> str | None:
    """Why an output folder given on the command line (``hydra.run.dir=``,
    ``hydra.sweep.dir=``) cannot be created, before Hydra tries (its own failure is a
    traceback); None if it can."""
    log_file = "cli.log"  # Hydra's <hydra.job.name>.log (a plain name: config_dir.check_argv)
    for arg in argv:
        key, sep, value = arg.partition("=")
        if sep and key.lstrip("+") == "hydra.job.name":
            log_file = f"{value.strip(chr(39) + chr(34))}.log"
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep or key.lstrip("+") not in ("hydra.run.dir", "hydra.sweep.dir"):
            continue
        try:  # the value as Hydra reads it (quotes removed)
            from hydra.core.override_parser.overrides_parser import OverridesParser

            value = str(OverridesParser.create().parse_override(arg).value())
        except Exception:  # Hydra will report a malformed override itself
            continue
        if not value.strip():
            return f"{key} is empty: must name a folder"
        unknown = _unknown_interpolation(value)
        if unknown:  # Hydra would fail with a traceback when it makes the folder
            return (
                f"{key} = {value!r} interpolates ${{{unknown}}}, which is not a key of the "
                f"configuration (its sections: {', '.join(SECTIONS)})"
            )
        if "${" not in value:
            path = Path(value)
            from escalationsim.app.manifest import planted_links

            links = planted_links(path, log_file) if key.lstrip("+") == "hydra.run.dir" else []
            if links:  # before Hydra opens cli.log through one
                return (
                    f"{key} = {value!r} has symbolic links where this program writes "
                    f"({', '.join(links)}); it never makes them and will not write through "
                    "them: remove them, or choose another folder"
                )
            try:
                path.mkdir(parents=True, exist_ok=True)
                probe = path / ".escalationsim.write-test"
                probe.touch()
                probe.unlink()
            except OSError as err:
                return (
                    f"{key} = {value!r} cannot be used as an output folder: {err.strerror or err}"
                )
    return None


SECTIONS = (
    "hydra",
    "job",
    "scenario",
    "policies",
    "run",
    "output",
    "validation",
    "uncertainty",
    "robustness",
    "optimize",
    "calibrate",
    "experiment",
)
"""Top-level keys a folder name may interpolate (``${run.seed}``, ``${hydra.job.num}``...)."""


def _unknown_interpolation(value: str) -> str | None:
    """The first plain interpolation ``${key}`` of ``value`` whose section is not one of
    the configuration's (resolvers such as ``${now:%H}`` are Hydra's to check)."""
    import re

    for inner in re.findall(r"\$\{([^{}]*)\}", value):
        if ":" in inner:
            continue
        head = inner.strip().lstrip(".").split(".")[0].split("[")[0]
        if head and head not in SECTIONS:
            return inner
    return None


def main() -> None:
    """Console-script entry point."""
    from escalationsim.app.config_dir import check_argv

    if any(a in ("--help", "-h") for a in sys.argv[1:]):  # ours: groups and main keys
        from escalationsim.app.help import help_text

        print(help_text(), end="")
        sys.exit(0)
    try:  # a config dir's files and any _target_, before Hydra reads them
        check_argv(sys.argv[1:])
        check_override_keys(sys.argv[1:])  # a misspelt key: the one meant, not "use +"
    except ConfigError as err:
        print(f"escalationsim: invalid configuration: {err}", file=sys.stderr)
        sys.exit(2)
    problem = _output_dir_problem(sys.argv[1:])
    if problem:
        print(f"escalationsim: {problem}", file=sys.stderr)
        sys.exit(2)
    # A log line that cannot be written (a full disk under cli.log) is dropped, not printed
    # as a traceback: the error it meets is reported once, as a message, by _app.
    raising, logging.raiseExceptions = logging.raiseExceptions, False
    try:
        _app()
    finally:
        logging.raiseExceptions = raising


if __name__ == "__main__":
    main()
