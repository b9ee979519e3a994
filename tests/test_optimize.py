"""Simulation-optimisation with Optuna: the known optimum of a staffing toy problem, a
resume equal to an uninterrupted run, and the ``optimize`` job's files and checks."""

from __future__ import annotations

import pandas as pd
import pytest

from escalationsim import compose
from escalationsim.analysis.analytic import staff_for_targets
from escalationsim.app.optimize import with_values
from escalationsim.config.fields import ConfigError
from escalationsim.experiment import optimize
from escalationsim.experiment.optimize import Lever, LeverKind, OptimizeConfig
from tests.cli import run_cli

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

ARRIVALS, SERVICE_MIN, PATIENCE_MIN, TARGET = 200.0, 3.0, 2.0, 0.05


def _queue():
    return compose(
        [
            "scenario=queue_only",
            f"scenario.arrivals_per_hour={ARRIVALS}",
            f"scenario.service_minutes={SERVICE_MIN}",
            f"scenario.patience_minutes={PATIENCE_MIN}",
            "run.horizon_days=2",
            "run.warmup_days=0.25",
            "run.drain_days=0",
            "run.workers=1",
        ]
    )


def _staffing(trials: int) -> OptimizeConfig:
    return OptimizeConfig(
        policy="rigid_script",
        levers={"servers": Lever(["scenario.servers"], 4, 30, LeverKind.int)},
        objective="cost_staff_paid",
        constraints={"p_abandon": TARGET},
        trials=trials,
        replications=2,
        confirm_top=3,
        confirm_replications=4,
        startup_trials=6,
    )


def _evaluate(sim, opt):
    def evaluate(values, replications, seed):
        trial = with_values(sim, optimize.apply(values, opt.levers))
        return optimize.simulate_policy(trial, opt.policy, replications, seed)

    return evaluate


@pytest.mark.slow  # an optimisation of 8 s, statistical (make test under 4 minutes)
def test_the_optimiser_finds_the_fewest_servers_meeting_the_abandonment_target(tmp_path):
    """Staff cost grows with the servers and abandonment falls: the optimum is the fewest
    servers whose abandonment is at most the target, which Erlang A gives exactly."""
    sim, opt = _queue(), _staffing(20)
    expected = staff_for_targets(
        ARRIVALS, 60 / SERVICE_MIN, max_abandon=TARGET, theta=60 / PATIENCE_MIN
    )
    out = optimize.run(opt, sim.run.seed, _evaluate(sim, opt), tmp_path / "s.db")
    winner = out.best.iloc[0]
    assert int(winner["servers"]) == expected == 13
    assert winner["verdict"] == optimize.VERDICTS["best"] and out.verdict.clear
    assert winner["feasible_confirmed"] and winner["p_abandon"] <= TARGET
    trials = out.trials
    assert len(trials) == 20 and list(trials["order"]) == list(range(1, 21))
    assert not trials.loc[trials["servers"] < expected, "feasible"].any()  # fewer miss it
    assert trials.loc[trials["servers"] >= expected + 1, "feasible"].all()


@pytest.mark.slow  # two optimisations (7 s); the fast suite resumes the job once
def test_a_resumed_optimisation_equals_an_uninterrupted_one(tmp_path):
    """Three trials, then a trial left running by a kill, then the rest: the trials (in
    the order they completed), the candidates and their confirmation are those of one
    uninterrupted run."""
    import optuna

    sim, opt = _queue(), _staffing(7)
    whole = optimize.run(opt, sim.run.seed, _evaluate(sim, opt), tmp_path / "a.db")
    part = _staffing(3)
    optimize.run(part, sim.run.seed, _evaluate(sim, part), tmp_path / "b.db")
    study = optuna.load_study(
        study_name=optimize.STUDY_NAME, storage=f"sqlite:///{tmp_path / 'b.db'}"
    )
    study.ask()  # a trial that was running when the job was killed
    resumed = optimize.run(opt, sim.run.seed, _evaluate(sim, opt), tmp_path / "b.db")
    pd.testing.assert_frame_equal(whole.trials, resumed.trials)
    pd.testing.assert_frame_equal(whole.best, resumed.best)
    pd.testing.assert_frame_equal(whole.confirm, resumed.confirm)


def test_the_confirmation_uses_fresh_replications_the_same_for_every_candidate():
    seed = 12345
    assert optimize.confirm_seed(seed) != seed
    assert optimize.confirm_seed(seed) == optimize.confirm_seed(seed)


def test_levers_are_checked_before_any_trial():
    sim = _queue()
    with pytest.raises(ConfigError, match="optimize.floors.meets_target: 'meets_target'"):
        bad = _staffing(3)
        bad.floors = {"meets_target": 1.0}
        optimize.validate(bad, list(sim.policies))
    with pytest.raises(ConfigError, match="optimize.objective: 'profit'"):
        bad = _staffing(3)
        bad.objective = "profit"
        optimize.validate(bad, list(sim.policies))
    with pytest.raises(ConfigError, match="scenario.nope is not a key"):
        with_values(sim, {"scenario.nope": 3})
    with pytest.raises(ConfigError, match="optimize.levers is empty"):
        optimize.validate(OptimizeConfig(policy="rigid_script"), ["rigid_script"])
    bad = _staffing(3)
    bad.policy = "nobody"
    with pytest.raises(ConfigError, match="optimize.policy = 'nobody'"):
        optimize.validate(bad, list(sim.policies))
    bad = _staffing(3)
    bad.levers["servers"].low = 40
    with pytest.raises(ConfigError, match=r"optimize.levers.servers.high = 30 .*greater than low"):
        optimize.validate(bad, list(sim.policies))


SMALL = [
    "experiment=optimize",
    "optimize.trials=4",
    "optimize.startup_trials=2",
    "optimize.confirm_top=2",
    "optimize.confirm_replications=3",
    "run.horizon_days=3",
    "run.warmup_days=1",
    "run.drain_days=2",
    "scenario.volume_per_day=200",
    "output.progress=false",
]


def test_the_optimize_job_writes_its_files_and_resumes(tmp_path):
    out = tmp_path / "opt"
    proc = run_cli([*SMALL, f"hydra.run.dir={out}"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("trials.csv", "best.csv", "optimisation_history.png", "optuna.db", "kpis.csv"):
        assert (out / name).stat().st_size > 0, name
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 4 and trials["reps_day"].between(6, 20).all()
    assert list(trials["order"]) == [1, 2, 3, 4]
    best = pd.read_csv(out / "best.csv")
    assert list(best["candidate"]) == list(dict.fromkeys(pd.read_csv(out / "kpis.csv")["policy"]))
    assert "## Optimisation" in (out / "report.md").read_text()
    before = (out / "best.csv").read_bytes()
    again = run_cli([*SMALL, f"hydra.run.dir={out}"])
    assert again.returncode == 0, again.stderr[-3000:]
    assert "4 of 4 trials complete" in again.stderr + (out / "cli.log").read_text()
    assert (out / "best.csv").read_bytes() == before


def test_a_bad_lever_stops_the_job_before_it_runs(tmp_path):
    out = tmp_path / "bad"
    proc = run_cli(
        [*SMALL, "optimize.levers.reps_day.keys=[scenario.staff.reps.nope]", f"hydra.run.dir={out}"]
    )
    assert proc.returncode == 2
    assert "scenario.staff.reps.nope is not a key" in proc.stderr
    assert not (out / "trials.csv").exists()


def test_no_feasible_trial_is_said_plainly(tmp_path):
    """Too few servers to ever meet the target: nothing is confirmed or declared best."""
    from escalationsim.app.optimize import report_lines, write_files

    sim = _queue()
    opt = _staffing(3)
    opt.levers["servers"] = Lever(["scenario.servers"], 4, 8, LeverKind.int)
    out = optimize.run(opt, sim.run.seed, _evaluate(sim, opt), tmp_path / "s.db")
    assert not out.trials["feasible"].any()
    assert out.best.empty and out.confirm.empty and out.verdict is None
    write_files(tmp_path, opt, out)
    assert "none met every constraint" in " ".join(report_lines(tmp_path))
