"""The ``optimize`` job (``escalationsim experiment=optimize``): Optuna chooses lever
values of one policy (:mod:`escalationsim.experiment.optimize`), and this module writes
what it found: ``trials.csv``, ``best.csv``, ``optimisation_history.png``, the
confirmation runs' ``kpis.csv``, ``summary.csv`` and ``paired.csv`` (the best
candidates compared as if they were policies, so the usual report applies to them) and a
paragraph of the report. The study itself is ``optuna.db`` (SQLite) in the run's folder;
rerunning the same command resumes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from escalationsim.analysis.aggregate import paired_differences, summarise
from escalationsim.app.files import write_csv
from escalationsim.app.tables import to_markdown
from escalationsim.config.fields import ConfigError
from escalationsim.experiment import optimize
from escalationsim.experiment.job import SimConfig
from escalationsim.experiment.studies import with_values
from escalationsim.experiment.warmup import AUTO, with_auto_warmup

if TYPE_CHECKING:
    from escalationsim.app.schema import AppConfig

log = logging.getLogger("escalationsim")

STORAGE = "optuna.db"
HISTORY = "optimisation_history.png"


def check(sim: SimConfig, app: AppConfig) -> None:
    """The optimisation's settings, and each lever at both ends of its range, checked as
    a job would be, before any trial runs."""
    opt = app.optimize
    optimize.validate(opt, list(sim.policies))
    most = sim.run.limits.max_replications
    for key in ("replications", "confirm_replications"):
        n = getattr(opt, key)
        if n > most:  # checked here, not when the first trial runs
            raise ConfigError(
                f"optimize.{key} = {n} is not allowed: must be at most "
                f"run.limits.max_replications = {most}"
            )
    for end in ("low", "high"):
        values = {n: getattr(lv, end) for n, lv in opt.levers.items()}
        try:
            # (a lever none of whose keys acts is refused by the command line itself)
            with_values(sim, optimize.apply(values, opt.levers), check_inert=False)
        except ConfigError as err:
            raise ConfigError(f"optimize.levers at their {end} ends: {err}") from None


def _fingerprint(sim: SimConfig, opt: optimize.OptimizeConfig) -> str:
    """What the trials' history depends on: the job's configuration without the settings
    that change how it runs, not what it finds (``run.workers``), and the optimisation's
    without those that only say how many trials to run or how to confirm them (so a
    study may be extended, or confirmed differently, and still resume)."""
    run = dataclasses.replace(sim.run, workers=1)
    same = dataclasses.replace(opt, trials=1, confirm_top=1, confirm_replications=2)
    return hashlib.sha256(repr((dataclasses.replace(sim, run=run), same)).encode()).hexdigest()


def optimize_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Run or resume the optimisation and write its files (the report is the caller's:
    :func:`escalationsim.app.cli.optimize_job`)."""
    import optuna

    opt = app.optimize
    storage = outdir / STORAGE
    digest = _fingerprint(sim, opt)
    if sim.run.warmup_days == AUTO:
        # one warm-up for every candidate, from the configured policy's pilots: candidates
        # are compared over the same measured window
        from dataclasses import replace

        base = replace(sim, run=replace(sim.run, policies=[opt.policy]))
        sim = replace(
            sim, run=replace(sim.run, warmup_days=with_auto_warmup(base)[0].run.warmup_days)
        )
    if storage.exists():  # a study of another configuration (overwrite=true): start afresh
        try:
            old = optuna.load_study(study_name=optimize.STUDY_NAME, storage=f"sqlite:///{storage}")
        except Exception as err:  # damaged or not ours: not ours to delete
            raise ConfigError(
                f"{storage} cannot be read as this program's Optuna study ({err}); remove it "
                "to start afresh, or choose another hydra.run.dir"
            ) from None
        if old.user_attrs.get("fingerprint") != digest:
            log.info("%s holds another configuration's study: started afresh", storage)
            storage.unlink()
    elif (outdir / "trials.csv").exists():
        raise ConfigError(f"{outdir} has trials.csv but no {STORAGE}: cannot resume it")
    storage.parent.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=optimize.STUDY_NAME, storage=f"sqlite:///{storage}", load_if_exists=True
    )
    study.set_user_attr("fingerprint", digest)
    done = optimize.complete_trials(study)
    if done:
        log.info("resuming the optimisation: %d of %d trials complete", done, opt.trials)

    def evaluate(values: dict[str, float], replications: int, seed: int) -> pd.DataFrame:
        trial_sim = with_values(sim, optimize.apply(values, opt.levers), check_inert=False)
        return optimize.simulate_policy(trial_sim, opt.policy, replications, seed)

    outcome = optimize.run(opt, sim.run.seed, evaluate, storage)
    write_files(outdir, opt, outcome)
    print()
    print(to_markdown(outcome.best) if not outcome.best.empty else "no feasible trial")
    print(f"\nwritten to {outdir.resolve()}")
    return 0


def write_files(outdir: Path, opt: optimize.OptimizeConfig, outcome: optimize.Outcome) -> None:
    """trials.csv, best.csv, the confirmation runs' kpis/summary/paired tables and the
    optimisation-history plot."""
    write_csv(outcome.trials, outdir / "trials.csv")
    write_csv(outcome.best, outdir / "best.csv")
    if not outcome.confirm.empty:
        labels = list(dict.fromkeys(outcome.confirm["policy"]))
        kpis = outcome.confirm
        write_csv(kpis, outdir / "kpis.csv")
        write_csv(summarise(kpis, labels), outdir / "summary.csv")
        write_csv(paired_differences(kpis, labels[0]), outdir / "paired.csv")
    from escalationsim.app.files import save_figure
    from escalationsim.app.plots import plot_optimisation_history, plt

    fig = plot_optimisation_history(outcome.trials, opt.objective)
    save_figure(fig, outdir / HISTORY)
    plt.close(fig)


def report_lines(folder: Path) -> list[str]:
    """The report's paragraph on an optimisation in ``folder`` (none if there is none)."""
    best_path, trials_path = folder / "best.csv", folder / "trials.csv"
    if not best_path.exists() or not trials_path.exists():
        return []
    trials = pd.read_csv(trials_path)
    try:
        best = pd.read_csv(best_path)
    except pd.errors.EmptyDataError:  # no feasible trial: nothing was confirmed
        best = pd.DataFrame()
    lines = ["", "## Optimisation", ""]
    n_feasible = int(trials["feasible"].sum()) if "feasible" in trials else 0
    lines.append(
        f"{len(trials)} trials, {n_feasible} meeting every constraint; the best "
        f"{len(best)} were re-run with more replications and compared with paired t-tests "
        "(Holm-corrected) against the best mean:"
    )
    if best.empty:
        return [*lines[:-1], f"{len(trials)} trials; none met every constraint."]
    shown = best.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: f"{v:.4g}")
    lines += ["", to_markdown(shown), ""]
    from escalationsim.analysis import kpis as kpi_registry

    kpi_names = set(kpi_registry.by_name())
    levers = [c for c in trials.columns if c not in ("order", "feasible")]
    levers = [c for c in levers if c not in kpi_names]
    winner = best.iloc[0]  # the best first (experiment.optimize._best_table)
    if not winner["feasible_confirmed"]:
        lines.append("No candidate met every constraint again on confirmation.")
        return lines
    lines.append(
        f"Best: {winner['candidate']} ({', '.join(f'{c} = {winner[c]:g}' for c in levers)}): "
        f"{winner['verdict']}. The history of the trials: `{HISTORY}`."
    )
    return lines
