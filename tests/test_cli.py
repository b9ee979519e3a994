"""The command line, end to end: outputs, and bad input stopped early. The headline run
and one refusal go through a real process (files, exit codes as a shell sees them); the
others run the same command in this process (tests/cli.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.experiment.validation import COLUMNS, METRICS
from tests.cli import run_cli

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

CONF = Path(__file__).resolve().parents[1] / "src" / "escalationsim" / "conf"
VALIDATION_YAML = CONF / "experiment" / "validation.yaml"

TINY = [
    "run.replications=2",
    "run.horizon_days=4",
    "run.warmup_days=1",
    "run.workers=1",
    "scenario.volume_per_day=200",
]


@pytest.fixture(scope="module")
def headline_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    out = tmp / "out"
    proc = run_cli([*TINY, f"hydra.run.dir={out}"], cwd=tmp, subprocess_=True)
    return proc, out


@pytest.mark.cli
def test_cli_writes_tables_and_plots(headline_run):
    proc, out = headline_run
    assert proc.returncode == 0, proc.stderr
    for name in ("complaints.parquet", "kpis.csv", "summary.csv", "headline.md"):
        assert (out / name).stat().st_size > 0, name
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) >= 2
    for p in out.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert p.stat().st_size > 10_000
    assert not list(out.glob(".*.tmp"))


@pytest.mark.cli
def test_cli_tables_have_the_documented_columns(headline_run):
    _, out = headline_run
    kpis = pd.read_csv(out / "kpis.csv")
    required = [
        "policy",
        "replication",
        "complaints",
        "cost_total",
        "cost_per_complaint",
        "cost_staff",
        "cost_ceo",
        "cost_compensation",
        "cost_churn",
        "cost_publicity",
        "resolution_rate",
        "first_contact_resolution",
        "contacts_per_complaint",
        "escalation_rate_social",
        "escalation_rate_ceo",
        "ttr_median_h_all",
        "ttr_p90_h_all",
        "ttr_mean_h_resolved",
        "ttr_median_h_resolved",
        "ttr_p90_h_resolved",
        "util_reps",
        "util_social",
        "util_managers",
        "util_exec",
        "util_ceo",
        "stable",
        "ceo_channel_share",
        "follower_ttr_ratio",
        "channel_ttr_ratio",
        "gini_ttr",
        "jain_ttr",
        "audit_coverage",
        "churn_rate",
    ]
    assert set(required) <= set(kpis.columns)
    assert list(kpis["policy"].unique()) == ["rigid_script", "empowered_rep", "ceo_responds"]
    assert len(kpis) == 3 * 2
    rows = pd.read_parquet(out / "complaints.parquet")
    required_rows = [
        "policy",
        "replication",
        "complaint_id",
        "arrival_time",
        "first_channel",
        "final_channel",
        "followers",
        "needs_exception",
        "contacts",
        "resolved",
        "resolved_by",
        "time_to_resolution_h",
        "compensation",
        "churned",
        "tracked",
        "impressions",
    ]
    assert set(required_rows) <= set(rows.columns)
    summary = pd.read_csv(out / "summary.csv")
    assert {"policy", "kpi", "mean", "ci_low", "ci_high"} <= set(summary.columns)


@pytest.mark.cli
def test_cli_prints_the_table_and_the_output_folder(headline_run):
    proc, out = headline_run
    assert "cost per complaint (USD)" in proc.stdout
    assert str(out.resolve()) in proc.stdout


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        pytest.param(
            "scenario.volume_per_day=-5", "scenario.volume_per_day", "> 0", marks=pytest.mark.cli
        ),
        ("policies.empowered_rep.rep.audit_fraction=1.5", "audit_fraction", "[0, 1]"),
        ("run.policies=[rigid_script,nonsense]", "run.policies[1]", "rigid_script"),
        ("run.warmup_days=10", "run.warmup_days", "< run.horizon_days"),
        ("scenario.staff.reps.count=0", "scenario.staff.reps.count", ">= 1"),
        ("policies.rigid_script.rep.mode=bogus", "rep.mode", "script"),
        ("scenario.volume_per_day=lots", "scenario.volume_per_day", "a number"),
    ],
)
def test_bad_input_stops_before_simulating(tmp_path, override, key, allowed):
    out = tmp_path / "out"
    real = override.startswith("scenario.volume_per_day=-")  # one in a process of its own
    proc = run_cli([*TINY, override, f"hydra.run.dir={out}"], cwd=tmp_path, subprocess_=real)
    assert proc.returncode == 2
    message = proc.stderr + proc.stdout
    assert key in message
    assert allowed.lower() in message.lower()
    assert not (out / "kpis.csv").exists()
    assert "replication 1/" not in message


def test_user_config_dir_adds_a_policy(tmp_path):
    conf = tmp_path / "myconf" / "policy"
    conf.mkdir(parents=True)
    (conf / "generous.yaml").write_text(
        "rep: {mode: empowered, budget_usd: 1000, audit_fraction: 0.0}\n"
        "social: {mode: fcfs, answer_prob: 1.0}\n"
    )
    out = tmp_path / "out"
    proc = run_cli(
        [
            "--config-dir",
            str(tmp_path / "myconf"),
            *TINY,
            "+policy@policies.generous=generous",
            "run.policies=[generous,rigid_script]",
            "output.plots=false",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    kpis = pd.read_csv(out / "kpis.csv")
    assert list(kpis["policy"].unique()) == ["generous", "rigid_script"]
    assert not list(out.glob("*.png"))


@pytest.mark.parametrize("ciw", [False, True], ids=["no-ciw", "ciw"])
def test_validation_experiment_writes_its_table(tmp_path, ciw):
    if ciw:
        pytest.importorskip("ciw")
    out = tmp_path / "val"
    proc = run_cli(
        [
            "experiment=validation",
            "validation.replications=2",
            "validation.horizon_days=0.3",
            "validation.warmup_days=0.05",
            "validation.workers=1",
            f"validation.ciw_reference={str(ciw).lower()}",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "validation.csv")
    assert list(table.columns) == list(COLUMNS)
    assert list(table.columns[:7]) == [  # the M/M/c validation's columns, a contract
        "case",
        "metric",
        "simulated",
        "ci_low",
        "ci_high",
        "analytic",
        "within_ci",
    ]
    cases = yaml.safe_load(VALIDATION_YAML.read_text())["validation"]["cases"]
    assert len(table) == len(cases) * len(METRICS)
    # no pass is claimed that was not checked: no formula, no verdict
    assert table.loc[table["analytic"].isna(), "within_ci"].isna().all()
    assert table.loc[table["analytic"].notna(), "within_ci"].notna().all()
    inexact = {n for n, c in cases.items() if not QueueOnlyScenario(**c).markovian()}
    assert inexact, "the shipped validation has M/G/c+G cases"
    compared = table["case"].isin(inexact) if ciw else pd.Series(False, index=table.index)
    assert table.loc[compared, ["reference", "agrees"]].notna().all().all()
    assert table.loc[~compared, ["reference", "agrees"]].isna().all().all()
    assert "analytic values inside" in proc.stdout
    assert ("agree with Ciw" in proc.stdout) == ciw


def test_queue_only_scenario_runs_as_a_normal_job(tmp_path):
    out = tmp_path / "q"
    proc = run_cli(
        [
            "scenario=queue_only",
            "scenario.patience_minutes=1.5",
            "run.replications=2",
            "run.horizon_days=1",
            "run.warmup_days=0.1",
            "run.drain_days=0.1",
            "run.workers=1",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    kpis = pd.read_csv(out / "kpis.csv")
    assert len(kpis) == 2  # one policy: levers do not matter in a single queue
    assert {"p_wait", "mean_wait_min", "p_abandon", "occupancy", "service_level_20s"} <= set(
        kpis.columns
    )
    assert (kpis["p_abandon"] > 0).all()
    assert (kpis["escalation_rate_social"] == 0).all()
    assert (kpis["churn_rate"] == 0).all()
