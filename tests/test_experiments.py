"""Named experiments, sweeps through both launchers, failed jobs, and the sweep report."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_module
from omegaconf import OmegaConf, open_dict

from escalationsim.app.report import build_report
from escalationsim.app.report import main as report_main
from escalationsim.app.schema import to_sim_config
from escalationsim.experiment.job import validate
from tests.cli import run_cli

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

EXPERIMENTS = sorted(
    p.stem
    for p in (Path(__file__).resolve().parents[1] / "src/escalationsim/conf/experiment").glob(
        "*.yaml"
    )
)
TINY = [
    "run.replications=2",
    "run.horizon_days=3",
    "run.warmup_days=0.5",
    "run.drain_days=1",
    "run.workers=1",
    "run.policies=[rigid_script,empowered_rep]",
    "output.plots=false",
    "output.complaints=false",
]


def _compose(name: str):
    """The experiment's job config and, separately, its hydra node."""
    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        cfg = hydra_compose(
            config_name="config", overrides=[f"experiment={name}"], return_hydra_config=True
        )
    with open_dict(cfg):
        hydra = cfg.pop("hydra")
    return cfg, hydra


def _whole(cfg, hydra):
    """The job's config with its hydra node back (sweep values may interpolate the job's
    keys, as ``range(0,${robustness.scenarios})`` does)."""
    whole = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    whole.hydra = OmegaConf.create(OmegaConf.to_container(hydra, resolve=False))
    return whole


def test_the_named_experiments_exist():
    assert {
        "policy_comparison",
        "scalability",
        "fairness",
        "floodgates",
        "empowerment_budget",
        "validation",
        "blended_social",
        "shifts",
        "screening",
        "ceo_channel",
        "robustness",
        "optimize",
    } <= set(EXPERIMENTS)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_composes_and_validates(name):
    cfg, hydra = _compose(name)
    sim, app = to_sim_config(cfg)
    if app.job == "compare":
        validate(sim)
    if hydra.mode is not None and str(hydra.mode).endswith("MULTIRUN"):
        from escalationsim.app.sweeps import count_jobs

        assert hydra.sweeper.params, name
        assert (count_jobs(_whole(cfg, hydra)) or 0) >= 4, name


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_sweeps_compose_with_the_basic_launcher_and_their_first_values(name):
    """Every swept key exists and takes its values; the serial launcher can replace joblib."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    cfg, hydra = _compose(name)
    params = dict(_whole(cfg, hydra).hydra.sweeper.params or {})
    parsed = OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()])
    firsts = [f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()))}" for o in parsed]
    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        cfg = hydra_compose(
            config_name="config",
            overrides=[f"experiment={name}", "hydra/launcher=basic", *firsts],
            return_hydra_config=True,
        )
    assert "BasicLauncher" in cfg.hydra.launcher._target_
    with open_dict(cfg):
        cfg.pop("hydra")
    sim, app = to_sim_config(cfg)
    if app.job == "compare":
        validate(sim)


def test_scalability_spans_two_orders_of_magnitude():
    cfg, hydra = _compose("scalability")
    vols = [float(v) for v in str(hydra.sweeper.params["scenario.volume_per_day"]).split(",")]
    assert max(vols) / min(vols) >= 100
    assert cfg.scenario.staff.scale_with_volume


def test_floodgates_moves_both_ceo_policies_together():
    cfg, _ = _compose("floodgates")
    cfg.policies.ceo_responds.floodgates.strength = 0.123
    sim, _ = to_sim_config(cfg)
    assert sim.policies["ceo_redirects"].floodgates.strength == 0.123


def _sweep(root: Path, *extra: str, fail_volumes: str = "") -> subprocess.CompletedProcess:
    return run_cli(
        ["--multirun", *TINY, f"hydra.sweep.dir={root}", *extra], fail_volumes=fail_volumes
    )


GRID = "scenario.volume_per_day=100,200,400"
NO_PLOTS = "+hydra.callbacks.report.plots=false"  # sweep plots these tests do not look at


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """Two sweeps, shared by the tests that use them: one through the basic launcher,
    one with a job that fails."""
    tmp = tmp_path_factory.mktemp("sweeps")
    basic = _sweep(tmp / "basic", GRID, "hydra/launcher=basic")
    failing = _sweep(
        tmp / "failing", "scenario.volume_per_day=100,250,300", NO_PLOTS, fail_volumes="250"
    )
    return tmp, basic, failing


@pytest.mark.slow  # the fast suite has the same check on a study (test_study.py, joblib)
@pytest.mark.sweep
def test_sweep_results_do_not_depend_on_the_launcher(sweeps):
    tmp, basic, _ = sweeps
    joblib = _sweep(
        tmp / "joblib", GRID, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", NO_PLOTS
    )
    assert basic.returncode == 0, basic.stderr
    assert joblib.returncode == 0, joblib.stderr
    a = pd.read_csv(tmp / "basic" / "all_kpis.csv").sort_values(["job", "policy", "replication"])
    b = pd.read_csv(tmp / "joblib" / "all_kpis.csv").sort_values(["job", "policy", "replication"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert sorted(a["scenario.volume_per_day"].unique()) == [100, 200, 400]


@pytest.mark.sweep
def test_sweep_report_is_written_at_the_end(sweeps):
    """The end-of-sweep report has its tables and its plots of KPIs against the swept
    value (hydra.callbacks.report.plots), though each job ran with output.plots=false."""
    tmp, *_ = sweeps
    root = tmp / "basic"
    for name in ("all_kpis.csv", "summary.csv", "paired.csv", "report.md", "report.html"):
        assert (root / name).stat().st_size > 0, name
    assert "is the cheapest policy" in (root / "report.html").read_text()
    assert not list((root / "0").glob("*.png"))
    pngs = list(root.glob("*.png"))
    assert any(p.name.startswith("cost_per_complaint_vs_volume") for p in pngs)
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000
    paired = pd.read_csv(root / "paired.csv")
    assert set(paired["policy"]) == {"empowered_rep"}
    assert set(paired["baseline"]) == {"rigid_script"}
    # one row per job and KPI; each interval is around its difference (with two
    # replications the widths say little; CRN narrowing is tested in test_runner)
    cost = paired[paired["kpi"] == "cost_per_complaint"]
    assert len(cost) == 3
    assert (cost["paired_ci_low"] <= cost["diff"]).all()
    assert (cost["diff"] <= cost["paired_ci_high"]).all()
    assert (cost["unpaired_ci_low"] <= cost["diff"]).all()


@pytest.mark.sweep
def test_a_failed_job_is_named_and_the_others_are_aggregated(sweeps):
    tmp, _, failing = sweeps
    assert failing.returncode != 0
    root = tmp / "failing"
    assert (root / "1" / "FAILED").exists()
    kpis = pd.read_csv(root / "all_kpis.csv")
    assert sorted(kpis["scenario.volume_per_day"].unique()) == [100, 300]
    report = (root / "report.md").read_text()
    assert "Failed or unfinished jobs" in report and "`1`" in report
    assert "1 job(s) failed" in failing.stdout
    assert "injected failure at volume_per_day=250" in (root / "1" / "FAILED").read_text()


@pytest.mark.sweep
def test_a_bad_sweep_value_stops_the_sweep_before_any_job_runs(tmp_path):
    """Each override value is checked as its job would check it (types and ranges) before
    the sweep launches anything."""
    for value, says in (("-5", "scenario.volume_per_day = -5"), ("abc", "volume_per_day")):
        root = tmp_path / value
        proc = _sweep(root, f"scenario.volume_per_day=100,{value},300")
        assert proc.returncode != 0
        assert says in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
        assert not any(p.is_dir() for p in root.glob("*")), "a job ran"


@pytest.mark.sweep
def test_report_command_on_a_sweep_folder(sweeps, tmp_path, capsys):
    tmp, *_ = sweeps
    assert report_main([str(tmp / "failing"), "--out", str(tmp_path), "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert "failing/1" in err or "failing\\1" in err
    assert (tmp_path / "report.md").exists()


def test_sweep_job_count_for_the_progress_bar():
    from escalationsim.app.sweeps import count_jobs

    _, hydra = _compose("floodgates")
    cfg = OmegaConf.create({"hydra": OmegaConf.to_container(hydra, resolve=False)})
    cfg.hydra.overrides.task = ["run.seed=1,2"]
    assert count_jobs(cfg) == 5 * 4 * 2


@pytest.mark.sweep
def test_report_lists_jobs_that_never_started(sweeps, tmp_path):
    """A sweep stopped early: its grid promises jobs that have no folder."""
    import shutil

    tmp, *_ = sweeps
    copy = tmp_path / "stopped"
    shutil.copytree(tmp / "basic", copy)
    shutil.rmtree(copy / "2")
    _, failed = build_report(copy, plots=False)
    assert list(failed) == [copy / "2"]
    assert "never started" in failed[copy / "2"]
