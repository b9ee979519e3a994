"""escalationsim-report over a run folder and a small sweep."""

from __future__ import annotations

import pandas as pd
import pytest

from escalationsim.app import manifest
from escalationsim.app.report import build_report, main
from tests.cli import run_cli

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

TINY = [
    "run.replications=2",
    "run.horizon_days=3",
    "run.warmup_days=1",
    "run.workers=1",
    "run.policies=[rigid_script,empowered_rep]",
    "output.plots=false",
    "output.complaints=false",
]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep") / "mr"
    proc = run_cli(
        ["--multirun", *TINY, "scenario.volume_per_day=100,300", f"hydra.sweep.dir={root}"]
    )
    assert proc.returncode == 0, proc.stderr
    return root


def test_report_gathers_every_job_with_swept_columns(sweep):
    report, missing = build_report(sweep)
    assert missing == {}
    # the sweep ran with the project's sweeper (a covering subset of jobs checked up front)
    assert "CoveringSweeper" in (sweep / "multirun.yaml").read_text()
    kpis = pd.read_csv(sweep / "all_kpis.csv")
    assert sorted(kpis["scenario.volume_per_day"].unique()) == [100, 300]
    assert len(kpis) == 2 * 2 * 2  # jobs x policies x replications
    # more volume, more complaints: the swept column lines up with the job's own results
    by_vol = kpis.groupby("scenario.volume_per_day")["complaints"].mean()
    assert by_vol[300] > 2 * by_vol[100]
    summary = pd.read_csv(sweep / "summary.csv")
    assert set(summary["scenario.volume_per_day"]) == {100, 300}
    text = report.read_text()
    assert "scenario.volume_per_day=100" in text and "scenario.volume_per_day=300" in text


def _copy(sweep, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(sweep, root)
    return root


def test_report_names_a_damaged_kpis_file_and_exits_non_zero(sweep, tmp_path, capsys):
    """A kpis.csv truncated after its run finished no longer matches its manifest: the
    report names it, leaves it out, covers the other job, and exits 1."""
    root = _copy(sweep, tmp_path)
    path = root / "1" / "kpis.csv"
    path.write_bytes(path.read_bytes()[:1000])
    assert main([str(root), "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert "copy/1: kpis.csv does not match its manifest" in err
    assert "Failed or unfinished jobs" in (root / "report.md").read_text()
    assert set(pd.read_csv(root / "all_kpis.csv")["job"].astype(str)) == {"0"}


def test_report_reads_only_the_jobs_of_the_sweeps_grid(sweep, tmp_path):
    """A job folder left by an earlier, larger sweep in the same folder is not read."""
    import shutil

    root = _copy(sweep, tmp_path)
    shutil.copytree(root / "1", root / "7")
    report, failed = build_report(root, plots=False)
    assert failed == {}
    assert set(pd.read_csv(root / "all_kpis.csv")["job"].astype(str)) == {"0", "1"}


def test_report_refuses_results_without_a_manifest(tmp_path, capsys):
    """A kpis.csv from elsewhere (no manifest) is not read; nothing is written."""
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(tmp_path / "kpis.csv", index=False)
    assert main([str(tmp_path)]) == 1
    assert "kpis.csv has no manifest" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["kpis.csv"]


def test_report_on_empty_folder_fails_cleanly(tmp_path, capsys):
    assert main([str(tmp_path)]) == 1
    assert "no results to report" in capsys.readouterr().err


def test_pareto_front():
    import numpy as np

    from escalationsim.app.plots import pareto_front

    cost = np.array([1.0, 2.0, 3.0, 2.5])
    unfair = np.array([3.0, 1.0, 0.5, 2.0])
    assert pareto_front(cost, unfair).tolist() == [True, True, True, False]


def test_report_keeps_swept_values_numeric_when_some_jobs_lack_them(tmp_path):
    """A parameter set in some jobs only stays numeric and sorts by value."""
    for i, over in enumerate(
        [["scenario.volume_per_day=100"], ["scenario.volume_per_day=1000"], []]
    ):
        job = tmp_path / str(i)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text("run: {}\n")
        (job / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in over) or "[]\n")
        pd.DataFrame(
            {
                "policy": ["a", "a", "b", "b"],
                "replication": [0, 1, 0, 1],
                "complaints": [10 + i, 11 + i, 12 + i, 13 + i],
                "cost_per_complaint": [1.0, 2.0, 1.5, 2.5],
            }
        ).to_csv(job / "kpis.csv", index=False)
        record = manifest.new_manifest("test", over)
        manifest.complete(job, record, [job / "kpis.csv"])
    build_report(tmp_path, plots=False)
    kpis = pd.read_csv(tmp_path / "all_kpis.csv")
    col = kpis["scenario.volume_per_day"]
    assert col.dropna().sort_values().unique().tolist() == [100, 1000]
    assert col.isna().sum() == 4


@pytest.mark.sweep
def test_a_sweep_whose_jobs_all_failed_exits_non_zero_and_says_why(tmp_path):
    """Every job crashes while running: no report can be built, the command says which
    jobs failed and why, and exits 1 (it used to crash in the report and exit 0)."""
    root = tmp_path / "mr"
    proc = run_cli(
        ["--multirun", *TINY, "scenario.volume_per_day=100,300", f"hydra.sweep.dir={root}"],
        fail_volumes="100,300",
    )
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "2 job(s) failed" in out
    assert "injected failure at volume_per_day=100" in out
    with pytest.raises(FileNotFoundError, match="no results to report"):
        build_report(root)


def test_on_a_partial_sweep_only_varying_parameters_count_as_swept(sweep, tmp_path):
    """Jobs that never started recorded no overrides: they do not make the fixed ones
    (run.replications, ...) look swept, and the report exits non-zero."""
    import shutil

    root = _copy(sweep, tmp_path)
    shutil.rmtree(root / "1")
    assert main([str(root), "--no-plots"]) == 1
    kpis = pd.read_csv(root / "all_kpis.csv")
    assert "run.replications" not in kpis.columns
    assert "never started" in (root / "report.md").read_text()


def test_a_kpi_is_plotted_against_a_swept_config_group_too():
    """A swept parameter that is not a number (a config group such as
    +staffing=around_the_clock,profiled) is placed at evenly spaced positions, its values
    sorted, one line per policy and per value of the other swept parameters."""
    import pandas as pd

    from escalationsim.app.plots import plot_vs_param, plt

    kpis = pd.DataFrame(
        {
            "policy": ["a"] * 4 + ["b"] * 4,
            "replication": [0, 1] * 4,
            "staffing": ["profiled", "profiled", "around_the_clock", "around_the_clock"] * 2,
            "phone_abandon_rate": [0.10, 0.11, 0.23, 0.24, 0.09, 0.10, 0.20, 0.22],
        }
    )
    fig = plot_vs_param(kpis, "staffing", "phone_abandon_rate", "share abandoned")
    ax = fig.axes[0]
    # configuration names as words, wrapped
    assert [t.get_text() for t in ax.get_xticklabels()] == ["around the\nclock", "profiled"]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(lines["a"].get_xdata()) == [0, 1]
    assert list(lines["a"].get_ydata()) == pytest.approx([0.235, 0.105])
    plt.close(fig)


def test_a_median_not_reached_is_marked_at_the_top_not_left_out_in_silence():
    """A Kaplan-Meier median not reached in a replication (+inf) breaks the line there and
    puts a hollow mark at the top of the axes, named once in the legend."""
    import numpy as np
    import pandas as pd

    from escalationsim.app.plots import plot_vs_param, plt

    kpis = pd.DataFrame(
        {
            "policy": ["a"] * 6,
            "replication": [0, 1] * 3,
            "scenario.volume_per_day": [100, 100, 200, 200, 400, 400],
            "ttr_median_h_all": [2.0, 3.0, 5.0, 6.0, 9.0, float("inf")],
        }
    )
    fig = plot_vs_param(kpis, "scenario.volume_per_day", "ttr_median_h_all", "median TTR")
    ax = fig.axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "a")
    assert list(line.get_ydata()[:2]) == [2.5, 5.5] and np.isnan(line.get_ydata()[2])
    marks = [ln for ln in ax.get_lines() if ln.get_marker() == "v"]
    assert [list(m.get_xdata()) for m in marks] == [[400.0]]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sum("not reached" in t for t in labels) == 1
    plt.close(fig)


def test_sweep_plots_tell_policies_apart_without_colour_and_give_units():
    """Against a swept parameter: each policy a colour of the Okabe-Ito palette and its
    own marker, each setting of the other swept parameter its own dash; units on both
    axes (a share in %, the swept volume in complaints per day)."""
    from matplotlib.colors import to_hex

    from escalationsim.app.plots import OKABE_ITO, plot_vs_param, plt

    kpis = pd.DataFrame(
        {
            "policy": ["a"] * 8 + ["b"] * 8,
            "replication": [0, 1] * 8,
            "scenario.volume_per_day": [100, 100, 300, 300] * 4,
            "scenario.staff.ceo.hours_per_week": ([2] * 4 + [8] * 4) * 2,
            "churn_rate": [0.1 + 0.01 * i for i in range(16)],
        }
    )
    others = ["scenario.staff.ceo.hours_per_week"]
    fig = plot_vs_param(kpis, "scenario.volume_per_day", "churn_rate", "churn rate", others)
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert len(lines) == 4
    colours = {k: to_hex(ln.get_color()) for k, ln in lines.items()}
    assert {c.upper() for c in colours.values()} <= set(OKABE_ITO)
    a2, b2 = lines["a, hours per week=2"], lines["b, hours per week=2"]
    a8 = lines["a, hours per week=8"]
    assert colours["a, hours per week=2"] != colours["b, hours per week=2"]
    assert a2.get_marker() != b2.get_marker()  # the policy told apart by its marker too
    assert a2.get_marker() == a8.get_marker() and a2.get_color() == a8.get_color()
    assert a2.get_linestyle() != a8.get_linestyle()  # the other parameter by the dash
    assert ax.get_ylabel() == "churn rate (%)"
    assert ax.get_xlabel() == "volume per day (complaints per day)"
    fig.canvas.draw()
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())
    plt.close(fig)


def test_cost_vs_fairness_tells_policies_apart_without_colour_and_gives_units():
    from matplotlib.colors import to_hex

    from escalationsim.app.plots import OKABE_ITO, plot_cost_vs_fairness, plt

    kpis = pd.DataFrame(
        {
            "policy": ["a", "a", "b", "b", "c", "c"],
            "replication": [0, 1] * 3,
            "cost_per_complaint": [10.0, 11.0, 12.0, 12.5, 9.0, 9.5],
            "follower_resolution_gap": [0.05, 0.06, 0.01, 0.0, 0.1, 0.12],
            "channel_resolution_gap": [0.2, 0.25, 0.3, 0.3, 0.1, 0.15],
        }
    )
    fig = plot_cost_vs_fairness(kpis)
    for ax in fig.axes:
        bars = [c for c in ax.containers if c.get_label() in ("a", "b", "c")]
        assert [c.get_label() for c in bars] == ["a", "b", "c"]
        points = [c.lines[0] for c in bars]  # the marker of each policy's point
        assert len({ln.get_marker() for ln in points}) == 3
        assert {to_hex(ln.get_color()).upper() for ln in points} <= set(OKABE_ITO)
        assert len({ln.get_color() for ln in points}) == 3
        assert ax.get_xlabel() == "cost per complaint (USD, incl. churn)"
        assert ax.get_ylabel().endswith("(percentage points)")
    plt.close(fig)


def test_a_swept_parameter_is_labelled_with_its_unit():
    from escalationsim.app.plots import kpi_label, param_label

    assert param_label("policies.empowered_rep.rep.budget_usd") == "budget (USD)"
    assert param_label("scenario.staff.ceo.hours_per_week") == "hours per week (h per week)"
    assert param_label("policies.empowered_rep.rep.audit_fraction") == "audit fraction (share)"
    assert param_label("+staffing", categorical=True) == "staffing (configuration group)"
    assert kpi_label("cost_per_complaint", "cost per complaint (USD)") == (
        "cost per complaint (USD)"
    )
    assert kpi_label("util_ceo", "CEO utilisation (share of complaint hours)") == (
        "CEO utilisation (share of complaint hours, %)"
    )
    assert kpi_label("ttr_p90_h", "P90 time to resolution (h)") == "P90 time to resolution (h)"
