"""A robustness study end to end (``experiment=robustness``): a small study of 8 tiny
worlds, its files, its resume, its launcher independence, and its bad inputs."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from tests.cli import run_cli

SMALL = [
    "experiment=robustness",
    "robustness.scenarios=8",
    "run.policies=[rigid_script,empowered_rep]",
    "run.replications=1",
    "run.horizon_days=3",
    "run.warmup_days=1",
    "run.drain_days=2",
    "scenario.volume_per_day=100",
    "output.progress=false",
]
STUDY_FILES = ("robustness.csv", "ranking.csv", "sensitivity.csv", "discovery.md")

pytestmark = pytest.mark.sweep


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study") / "rb"
    proc = run_cli([*SMALL, f"hydra.sweep.dir={root}", "hydra/launcher=basic"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def test_the_study_writes_its_files(study):
    for name in (*STUDY_FILES, "report.md", "report.html", "regret.png", "sensitivity.png"):
        assert (study / name).stat().st_size > 0, name
    declared = yaml.safe_load((study / "0" / ".hydra" / "config.yaml").read_text())["uncertainty"]
    recorded = yaml.safe_load((study / "multirun.yaml").read_text())
    assert "cwd" not in recorded["hydra"]["runtime"]  # no path of this machine in the record
    long = pd.read_csv(study / "robustness.csv")
    assert sorted(long["scenario"].unique()) == list(range(8))
    assert set(long["policy"]) == {"rigid_script", "empowered_rep"}
    assert long.groupby(["scenario", "policy"])["kpi"].nunique().eq(long["kpi"].nunique()).all()
    for name, u in declared.items():  # every sampled value inside its declared range
        assert long[name].between(u["low"], u["high"]).all(), name
    rank = pd.read_csv(study / "ranking.csv")
    assert rank["best_cost_share"].sum() == pytest.approx(1.0)
    assert (rank["regret_mean"] >= 0).all() and (rank["scenarios"] == 8).all()
    sens = pd.read_csv(study / "sensitivity.csv")
    assert set(sens["parameter"]) == set(declared)
    assert sens["rank"].tolist() == list(range(1, len(declared) + 1))
    text = (study / "discovery.md").read_text()
    assert "rigid_script" in text and "empowered_rep" in text
    html = (study / "report.html").read_text()
    assert "sampled worlds" in html and "Ranking across scenarios" in html
    from tests.test_html_report import _check

    checker = _check(html)  # well-formed, self-contained, ids unique
    assert not checker.errors and not checker.stack and not checker.external
    assert len(checker.ids) == len(set(checker.ids))


def test_each_job_ran_with_its_scenario_values(study):
    """The values a job records are those its configuration was given, at every key."""
    values = pd.read_csv(study / "5" / "uncertain.csv").iloc[0]
    config = yaml.safe_load((study / "5" / ".hydra" / "config.yaml").read_text())
    assert values["scenario"] == 5
    assert config["scenario"]["population"]["clv_median_usd"] == pytest.approx(
        values["clv_median_usd"]
    )
    assert config["scenario"]["claims"]["weak_share"] == pytest.approx(values["weak_share"])
    for policy in ("rigid_script", "omnichannel"):  # one uncertainty, several keys
        strength = config["policies"][policy]["floodgates"]["strength"]
        assert strength == pytest.approx(values["word_of_mouth_strength"])
    other = pd.read_csv(study / "6" / "uncertain.csv").iloc[0]
    assert other["clv_median_usd"] != values["clv_median_usd"]
    kpis = pd.read_csv(study / "robustness.csv")
    cost = kpis[(kpis["kpi"] == "cost_per_complaint")].groupby("scenario")["mean"].mean()
    assert cost.nunique() == 8  # eight different worlds, eight different costs


STUDY_TABLES = ("robustness.csv", "ranking.csv", "sensitivity.csv")


@pytest.mark.slow  # a study interrupted and resumed, about 14 s (make test under 4 minutes)
def test_a_resumed_study_gives_the_same_files(study, tmp_path):
    """Rerunning after an interruption (one job's folder gone, the study's files not yet
    written) skips every complete job and gives identical files."""
    copy = tmp_path / "again"
    shutil.copytree(study, copy)
    for name in STUDY_FILES:
        (copy / name).unlink()
    shutil.rmtree(copy / "5")  # as if killed before job 5 ran
    proc = run_cli([*SMALL, f"hydra.sweep.dir={copy}", "hydra/launcher=basic"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "7 job(s) skipped" in proc.stdout
    for name in STUDY_TABLES:
        assert (copy / name).read_bytes() == (study / name).read_bytes(), name


@pytest.mark.slow
def test_a_joblib_study_gives_the_same_files(study, tmp_path):
    """The joblib launcher with two workers gives the basic launcher's files."""
    par = tmp_path / "par"
    proc = run_cli([*SMALL, f"hydra.sweep.dir={par}", "hydra.launcher.n_jobs=2"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in STUDY_TABLES:
        assert (par / name).read_bytes() == (study / name).read_bytes(), name


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "+uncertainty.bad={keys:[scenario.population.nope],low:0,high:1,source:a}",
            "uncertainty.bad.keys: scenario.population.nope is not a key",
        ),
        (
            "robustness.sampler=sobol robustness.scenarios=12",
            "robustness.scenarios = 12 .*power of two",
        ),
        ("uncertainty.weak_share.low=0.9", "uncertainty.weak_share.high = 0.35 is not allowed"),
        ("robustness.cost_kpi=profit", "robustness.cost_kpi: 'profit' is not allowed"),
    ],
)
def test_a_bad_study_stops_before_any_job_runs(tmp_path, override, message):
    root = tmp_path / "bad"
    given = override.split(" ") if override.startswith("robustness.") else [override]
    small = [a for a in SMALL if a.split("=")[0] not in {g.split("=")[0] for g in given}]
    proc = run_cli([*small, *given, f"hydra.sweep.dir={root}", "hydra/launcher=basic"])
    assert proc.returncode != 0
    assert pytest.importorskip("re").search(message, proc.stderr + proc.stdout), proc.stderr[-2000:]
    assert not list(root.glob("*/kpis.csv"))


def test_the_python_api_gives_the_sweeps_files(study, tmp_path):
    """``escalationsim.robustness`` from Python, on the same configuration, gives the
    command line's study to the byte: the same worlds, runs and tables."""
    import escalationsim as es
    from escalationsim.app.files import write_csv

    sim, app = es.compose_job(SMALL)
    result = es.robustness(sim, app.uncertainty, app.robustness)
    for name, table in (("ranking.csv", result.ranking), ("robustness.csv", result.robustness)):
        write_csv(table, tmp_path / name)
        assert (tmp_path / name).read_bytes() == (study / name).read_bytes(), name
    sens = result.sensitivity
    cli = pd.read_csv(study / "sensitivity.csv")
    pd.testing.assert_series_equal(
        sens["pawn"].reset_index(drop=True), cli["pawn"], check_names=False, rtol=1e-12
    )
