"""Runs and sweeps that never mix results, resume after a crash, stay within bounds, and
refuse bad input by name: each finding of the reliability issue, as a test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalationsim import ConfigError, compose, validate
from escalationsim.app import manifest
from tests.cli import run_cli

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

FAST = [
    "run.replications=2",
    "run.horizon_days=3",
    "run.warmup_days=1",
    "run.drain_days=1",
    "run.workers=1",
    "output.plots=false",
    "scenario.volume_per_day=150",
]


def _no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def _refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    _no_traceback(proc)
    for w in words:
        assert w in proc.stderr, (w, proc.stderr)


# --------------------------------------------------------------------------- 1. unknown keys


@pytest.mark.parametrize(
    ("override", "named", "meant"),
    [
        ("+run.replicatons=50", "run.replicatons", "run.replications"),
        ("run.replicatons=50", "run.replicatons", "run.replications"),  # without +
        ("scenario.volume_per_dya=3", "scenario.volume_per_dya", "scenario.volume_per_day"),
        ("policies.rigid_script.rep.budjet_usd=1", "rep.budjet_usd", "rep.budget_usd"),
        ("+policies.rigid_script.rep.budjet_usd=100", "rep.budjet_usd", "rep.budget_usd"),
        ("+run.foo=1", "run.foo", None),
        ("+output.foo=1", "output.foo", None),
        ("+foo=1", "foo", None),
    ],
)
def test_a_misspelt_key_stops_the_run_naming_it(tmp_path, override, named, meant):
    proc = run_cli([override, *FAST, f"hydra.run.dir={tmp_path / 'out'}"])
    _refused(proc, f"{named} is not a configuration key")
    if meant:
        assert f"did you mean {meant.split('.')[0]}" in proc.stderr or meant in proc.stderr
    assert "To append to your config use +" not in proc.stderr  # Hydra's advice, wrong here
    assert not (tmp_path / "out" / "kpis.csv").exists()


def test_a_key_of_another_lever_mode_is_named_as_such():
    with pytest.raises(ConfigError, match="it is a key of mode 'empowered'"):
        compose(["+policies.rigid_script.rep.budget_usd=100"])


# --------------------------------------------------------------------------- 2. one folder, one run


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_another_configuration_into_a_used_folder_is_refused_then_replaced(tmp_path):
    out = tmp_path / "run"
    first = run_cli([*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={out}"])
    assert first.returncode == 0, first.stderr
    before = _files(out)
    assert json.loads(before["manifest.json"])["status"] == "complete"
    second = run_cli(
        [*FAST, "run.policies=[empowered_rep]", "output.complaints=false", f"hydra.run.dir={out}"]
    )
    _refused(second, "holds the results of another configuration", "output.overwrite=true")
    after = _files(out)
    after.pop("cli.log", None), before.pop("cli.log", None)
    assert after == before  # nothing of the refused run was written
    third = run_cli(
        [*FAST, "run.policies=[empowered_rep]", "output.complaints=false"]
        + ["output.overwrite=true", f"hydra.run.dir={out}"]
    )
    assert third.returncode == 0, third.stderr
    assert not (out / "complaints.parquet").exists()  # the first run's file went first
    assert set(pd.read_csv(out / "kpis.csv")["policy"]) == {"empowered_rep"}
    m = manifest.read(out)
    assert m.complete and "complaints.parquet" not in m.files and "kpis.csv" in m.files


def test_the_same_configuration_reruns_in_place(tmp_path):
    out = tmp_path / "run"
    args = [*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={out}"]
    assert run_cli(args).returncode == 0
    first = manifest.read(out)
    again = run_cli([*args, "run.workers=2"])  # workers do not change results
    assert again.returncode == 0, again.stderr
    second = manifest.read(out)
    assert second.run_id != first.run_id and second.config_hash == first.config_hash
    assert second.files["kpis.csv"]["sha256"] == first.files["kpis.csv"]["sha256"]


def test_a_second_writer_is_stopped_by_the_lock(tmp_path):
    out = tmp_path / "run"
    with manifest.locked(out):
        proc = run_cli([*FAST, f"hydra.run.dir={out}"])
    _refused(proc, "is being written by another run")
    assert not (out / "kpis.csv").exists()


def test_results_without_a_manifest_are_not_mixed_with_a_new_run(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "groups.csv").write_text("stale\n")
    proc = run_cli([*FAST, f"hydra.run.dir={out}"])
    _refused(proc, "results without a manifest (groups.csv)")


def test_a_run_killed_while_writing_is_reported_unfinished_and_redone(tmp_path):
    """A run killed mid-way leaves a manifest that says so; the report does not read the
    folder; the same command then removes the partial files and completes."""
    from escalationsim.app.report import find_jobs

    out = tmp_path / "run"
    args = [*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={out}"]
    assert run_cli(args).returncode == 0
    m = manifest.read(out)
    m.status = "running"  # as a run killed after writing some files leaves it
    manifest.write(out, m)
    (out / ".kpis.csv.abc12345.escalationsim.tmp").write_text("half")
    done, failed = find_jobs(out)
    assert not done and "did not finish" in failed[out]
    assert run_cli(args).returncode == 0
    assert manifest.read(out).complete and not list(out.glob(".*.tmp"))


def test_overwrite_removes_only_what_the_folders_manifest_lists(tmp_path):
    """A user's files in a run folder survive output.overwrite=true, whatever their names
    (a plot-like PNG, a temporary-looking file, a result-like CSV the run did not write);
    this program's own leftover temporary files go."""
    out = tmp_path / "run"
    args = [*FAST, "run.policies=[rigid_script]", "output.complaints=false"]
    assert run_cli([*args, f"hydra.run.dir={out}"]).returncode == 0
    mine = {"holiday_photo.png": b"\x89PNG", ".important.tmp": b"keep", "trials.csv": b"a,b\n"}
    for name, data in mine.items():
        (out / name).write_bytes(data)
    (out / ".kpis.csv.zz99zz99.escalationsim.tmp").write_text("half")
    proc = run_cli([*args, "run.seed=7", "output.overwrite=true", f"hydra.run.dir={out}"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name, data in mine.items():
        assert (out / name).read_bytes() == data, name
    assert not list(out.glob("*.escalationsim.tmp"))
    assert "holiday_photo.png" not in manifest.read(out).files


@pytest.mark.slow  # two sweeps (11 s); the fast suite refuses a run's folder for a sweep
@pytest.mark.sweep
def test_a_smaller_sweep_into_an_old_sweep_folder_is_refused(tmp_path):
    root = tmp_path / "mr"
    grid = ["--multirun", *FAST, f"hydra.sweep.dir={root}", "hydra/launcher=basic"]
    assert run_cli([*grid, "scenario.volume_per_day=100,200,300"]).returncode == 0
    proc = run_cli([*grid, "scenario.volume_per_day=400,500"])
    assert proc.returncode != 0
    assert "holds another sweep's results" in proc.stderr and "output.overwrite" in proc.stderr
    assert "scenario.volume_per_day=100" in (root / "multirun.yaml").read_text()  # untouched


# --------------------------------------------------------------------------- resume


def _sweep_args(root: Path, *extra: str) -> list[str]:
    """Six tiny jobs of one policy; the sweep's own plots off (what is resumed and
    compared are its tables)."""
    return [
        "--multirun",
        *FAST,
        "run.policies=[rigid_script]",
        "+hydra.callbacks.report.plots=false",
        "scenario.volume_per_day=100,150,200",
        "run.seed=1,2",
        f"hydra.sweep.dir={root}",
        *extra,
    ]


def _popen(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "escalationsim.app.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, workers included
        env=dict(os.environ, HYDRA_FULL_ERROR="0"),
    )


def _complete_jobs(root: Path) -> int:
    n = 0
    for path in root.glob(f"*/{manifest.MANIFEST}"):
        try:
            m = manifest.read(path.parent)
        except manifest.FolderError:
            continue
        n += bool(m and m.complete)
    return n


def _wait_for(pred, timeout: float = 120.0) -> None:
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The sweep run once without interruption, to compare with."""
    root = tmp_path_factory.mktemp("full") / "mr"
    proc = run_cli(_sweep_args(root, "hydra/launcher=basic"))
    assert proc.returncode == 0, proc.stderr
    return root


@pytest.mark.sweep
@pytest.mark.cli
@pytest.mark.slow  # 30-50 s of sweeps, killed and resumed (make test under 4 minutes)
@pytest.mark.parametrize(
    "launcher", [["hydra/launcher=basic"], ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]]
)
def test_a_killed_sweep_resumes_to_the_same_results(tmp_path, uninterrupted, launcher):
    root = tmp_path / "mr"
    proc = _popen(_sweep_args(root, *launcher))
    try:
        _wait_for(lambda: _complete_jobs(root) >= 2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    done_before = _complete_jobs(root)
    assert 2 <= done_before < 6, "kill the sweep while some jobs are still to run"
    resumed = run_cli(_sweep_args(root, *launcher))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_before} job(s) skipped" in resumed.stdout
    for name in ("all_kpis.csv", "summary.csv"):
        assert (root / name).read_bytes() == (uninterrupted / name).read_bytes(), name
    if launcher != ["hydra/launcher=basic"]:
        return
    # and a forced full rerun gives the same again
    again = run_cli(_sweep_args(root, *launcher, "output.resume=false"))
    assert again.returncode == 0 and "skipped" not in again.stdout
    assert (root / "summary.csv").read_bytes() == (uninterrupted / "summary.csv").read_bytes()


def _children(pid: int) -> list[int]:
    from escalationsim.app.callbacks import _children as children

    return children(pid)


@pytest.mark.slow  # 12-15 s of worker processes (make test under 4 minutes)
@pytest.mark.sweep
@pytest.mark.cli
def test_sigterm_stops_a_parallel_sweeps_workers_and_leaves_it_resumable(tmp_path):
    root = tmp_path / "mr"
    args = _sweep_args(root, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    proc = _popen(args)
    try:
        _wait_for(lambda: _complete_jobs(root) >= 1 and len(_children(proc.pid)) >= 2)
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0
    _wait_for(lambda: not any(Path(f"/proc/{p}").exists() for p in workers), timeout=10)
    resumed = run_cli(args)
    assert resumed.returncode == 0, resumed.stderr
    assert _complete_jobs(root) == 6


# --------------------------------------------------------------------------- 3. bounds


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run.replications=10000000"], "run.limits.max_replications"),
        (["run.drain_days=1e8"], "run.limits.max_days"),
        (["run.horizon_days=1e8", "scenario.volume_per_day=0.001"], "run.limits.max_days"),
        (
            [
                "scenario.volume_per_day=300000",
                "run.horizon_days=60",
                "+scenario.arrivals.bursts=[{start_day:1,duration_h:48,multiplier:100}]",
            ],
            "incidents included",
        ),
        (
            [
                "scenario.staff.scale_with_volume=true",
                "scenario.staff.reference_volume_per_day=1e-300",
            ],
            "run.limits.max_staff",
        ),
    ],
)
def test_work_is_bounded_before_anything_runs(tmp_path, args, says):
    t0 = time.monotonic()
    proc = run_cli([*args, f"hydra.run.dir={tmp_path / 'out'}"], timeout=120)
    _refused(proc, says)
    assert time.monotonic() - t0 < 60
    assert not (tmp_path / "out" / "kpis.csv").exists()


def test_a_bound_can_be_raised():
    sim = compose(["run.drain_days=40000", "run.limits.max_days=50000"])
    validate(sim)


def test_replications_are_handed_to_workers_lazily(monkeypatch):
    """At most two (policy, replication) pairs per worker wait at any time."""
    from escalationsim.experiment import runner

    sim = compose(
        ["run.replications=12", "run.horizon_days=2", "run.warmup_days=1", "run.drain_days=0"]
        + ["run.workers=2", "run.policies=[rigid_script]", "scenario.volume_per_day=50"]
    )
    real, most = runner.wait, []

    def watch(running, **kw):
        most.append(len(running))
        return real(running, **kw)

    monkeypatch.setattr(runner, "wait", watch)
    runner.simulate(sim)
    assert max(most) <= 4


# --------------------------------------------------------------------------- 5, 6. messages


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["scenario.volume_per_day=1e308"], "scenario.volume_per_day"),
        (["scenario.volume_per_day=1e-9"], "at least 1 (nothing would be measured"),
        (
            ["run.horizon_days=0.001", "run.warmup_days=0", "scenario.volume_per_day=500"],
            "at least 1 (nothing would be measured",
        ),
        (["scenario.staff.reps.hourly_cost_usd=1e308"], "scenario.staff.reps.hourly_cost_usd"),
        (
            ["experiment=validation", "validation.cases.many_servers.arrivals_per_hour=5000"],
            "validation.cases.many_servers: offered load",
        ),
    ],
)
def test_nonsense_is_refused_with_a_message(tmp_path, args, says):
    proc = run_cli([*args, f"hydra.run.dir={tmp_path / 'out'}"], timeout=120)
    _refused(proc, says)
    assert not (tmp_path / "out" / "validation.csv").exists()


@pytest.mark.parametrize("where", ["file", "proc"])
def test_an_output_folder_that_cannot_be_made_is_a_message(tmp_path, where):
    if where == "file":
        (tmp_path / "f").write_text("")
        target = tmp_path / "f" / "out"
    else:
        target = Path("/proc/escalationsim-test/out")
    proc = run_cli([f"hydra.run.dir={target}"])
    _refused(proc, "cannot be used as an output folder")


def _api(mutate) -> str:
    sim = compose(["run.replications=2"])
    mutate(sim)
    with pytest.raises(ConfigError) as info:
        validate(sim)
    return str(info.value)


def test_python_api_bad_types_get_messages_and_numpy_numbers_are_accepted():
    bursts = _api(lambda s: setattr(s.scenario.arrivals, "bursts", [{"start_day": 1}]))
    assert "scenario.arrivals.bursts" in bursts and "BurstConfig" in bursts
    assert "run.policies" in _api(lambda s: setattr(s.run, "policies", "rigid_script"))
    assert "true or false" in _api(lambda s: setattr(s.run, "records", "no"))
    sim = compose(["run.replications=2"])
    sim.run.replications = np.int64(2)
    sim.scenario.arrivals.hourly_profile = np.ones(24)
    validate(sim)


def test_zero_measured_complaints_give_no_verdict():
    """When, by chance, nothing is measured (seed 1, flat profiles: 1.2 complaints expected
    in the window, none arrive), neither stability nor meeting the targets is claimed."""
    from escalationsim import simulate

    sim = compose(
        ["run.replications=1", "run.horizon_days=1.2", "run.warmup_days=1", "run.drain_days=0"]
        + ["run.policies=[rigid_script]", "scenario.volume_per_day=6", "run.seed=1"]
        + ["scenario.arrivals.hourly_profile=[]", "scenario.arrivals.weekly_profile=[]"]
    )
    k = simulate(sim).kpis.iloc[0]
    assert k["complaints"] == 0
    assert np.isnan(k["stable"]) and np.isnan(k["meets_targets"])


# ------------------------------------------------------------- found by a hostile tester


def test_a_manifest_cannot_make_a_run_delete_files_outside_its_folder(tmp_path):
    folder, victim = tmp_path / "run", tmp_path / "victim.txt"
    folder.mkdir()
    victim.write_text("keep")
    m = manifest.new_manifest("x", [])
    m.files = {"../victim.txt": {"sha256": "0"}, str(victim): {"sha256": "0"}}
    manifest.write(folder, m)
    manifest.clear(folder, manifest.read(folder))
    assert victim.read_text() == "keep"


def test_a_damaged_manifest_is_named_not_a_traceback(tmp_path):
    for files in ({"kpis.csv": {}}, ["kpis.csv"]):
        folder = tmp_path / str(len(str(files)))
        folder.mkdir()
        m = json.loads(json.dumps(manifest.new_manifest("x", []).__dict__))
        m["files"], m["status"] = files, "complete"
        (folder / manifest.MANIFEST).write_text(json.dumps(m))
        with pytest.raises(manifest.FolderError, match="is damaged"):
            manifest.read(folder)


def test_resume_reruns_a_job_whose_files_no_longer_match(tmp_path):
    out = tmp_path / "job"
    m = manifest.new_manifest("h", [])
    out.mkdir()
    (out / "kpis.csv").write_text("policy,replication\na,0\n")
    manifest.complete(out, m, [out / "kpis.csv"])
    (out / "FAILED").write_text("a refused try\n")
    assert manifest.prepare(out, "h", sweeping=True, resume=True, overwrite=False)[0] == "skip"
    assert not (out / "FAILED").exists()  # the stale marker is gone
    (out / "kpis.csv").unlink()
    assert manifest.prepare(out, "h", sweeping=True, resume=True, overwrite=False)[0] == "run"


def test_a_run_reports_on_its_own_folder_only(tmp_path):
    parent = tmp_path / "nest"
    child = parent / "child"
    args = [*FAST, "run.policies=[rigid_script]"]
    assert run_cli([*args, "run.seed=5", f"hydra.run.dir={child}"]).returncode == 0
    assert run_cli([*args, "run.seed=7", f"hydra.run.dir={parent}"]).returncode == 0
    assert len(pd.read_csv(parent / "all_kpis.csv")) == 2  # its 2 replications, not 4


@pytest.mark.sweep
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["hydra.run.dir="], "hydra.run.dir is empty"),
        (["run.seed=${nope}"], "run.seed: Interpolation key 'nope' not found"),
        (["+validation.replications=-5"], "validation.replications"),
        (["policies.empowered_rep=null"], "policies.empowered_rep = None is not allowed"),
        (["+policies.new=abc"], "policies.new = 'abc' is not allowed"),
        (
            ["+scenario.arrivals.bursts=[{start_day:1,bogus:2}]"],
            "scenario.arrivals.bursts[0].bogus",
        ),
        (["+policy@policies.NA=empowered_rep"], "policies.NA"),
        (
            ["experiment=validation", "~validation.cases"]
            + ["+validation.cases={big:{arrivals_per_hour:1e9,servers:1,service_minutes:3}}"],
            "validation.cases.big",
        ),
        (["--multirun", "run.seed=1,2", "hydra.sweep.subdir=job${hydra.job.num}"], "subdir"),
    ],
)
def test_hostile_inputs_are_refused_before_anything_is_written(tmp_path, args, says):
    out = tmp_path / "out"
    where = "hydra.sweep.dir" if "--multirun" in args else "hydra.run.dir"
    dirs = [] if any(a.startswith("hydra.run.dir=") for a in args) else [f"{where}={out}"]
    proc = run_cli([*FAST, *args, *dirs])
    assert proc.returncode != 0 and says in proc.stderr, proc.stderr[-1500:]
    _no_traceback(proc)
    assert not out.exists() or {p.name for p in out.iterdir()} <= {"cli.log"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("scenario.arrivals.hourly_profile", [1e308] * 24),
        ("scenario.population.persistence_concentration", 5e-324),
        ("scenario.handle_times.phone.mean_min", 5e-324),
        ("scenario.volume_per_day", 1e301),
        ("run.seed", 10**400),
        ("scenario.arrivals.hourly_profile", set(range(1, 25))),
    ],
)
def test_values_that_would_crash_a_run_are_refused(key, value):
    from tests.test_fuzz import _set

    sim = compose(FAST)
    _set(sim, key, value)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate(sim)


def test_python_api_misuse_gets_config_errors():
    from escalationsim import SimConfig

    with pytest.raises(ConfigError):
        validate(None)  # type: ignore[arg-type]
    sim = compose(FAST)
    sim.policies["rigid_script"] = None
    with pytest.raises(ConfigError, match="policies.rigid_script"):
        validate(sim)
    ok = compose(FAST)
    ok.run.records = np.False_  # numpy's booleans are booleans
    ok.scenario.arrivals.hourly_profile = np.ones(24)
    validate(ok)
    from escalationsim import simulate

    assert len(simulate(ok).kpis) == len(ok.run.policies) * ok.run.replications
    assert isinstance(SimConfig(), SimConfig)


def test_a_tiny_legal_run_reports_without_crashing(tmp_path):
    """One complaint a day: some groups are empty (it crashed the group tables)."""
    out = tmp_path / "run"
    proc = run_cli([*FAST, "scenario.volume_per_day=1", "run.seed=2", f"hydra.run.dir={out}"])
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert manifest.read(out).complete


def test_the_report_checks_a_wrong_baseline_before_writing(tmp_path):
    out = tmp_path / "run"
    assert run_cli([*FAST, f"hydra.run.dir={out}"]).returncode == 0
    from escalationsim.app.report import main

    target = tmp_path / "rep"
    assert main([str(out), "--out", str(target), "--baseline", "nope"]) == 1
    assert not target.exists() or not [p for p in target.iterdir() if not p.name.startswith(".")]


@pytest.mark.parametrize("name", [".hydra", ".escalationsim.lock", "cli.log", "kpis.csv"])
def test_a_symlink_planted_in_a_run_folder_is_not_written_through(tmp_path, name):
    out, target = tmp_path / "run", tmp_path / "elsewhere"
    out.mkdir()
    if name == ".hydra":
        target.mkdir()
    else:
        target.write_text("precious\n")
    (out / name).symlink_to(target)
    proc = run_cli([*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={out}"])
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "symbolic links" in proc.stderr and name in proc.stderr
    _no_traceback(proc)
    if name == ".hydra":
        assert not list(target.iterdir())
    else:
        assert target.read_text() == "precious\n"


@pytest.mark.sweep
def test_a_symlink_planted_in_a_sweep_job_folder_is_refused_before_any_job(tmp_path):
    out, target = tmp_path / "sweep", tmp_path / "elsewhere.log"
    (out / "1").mkdir(parents=True)
    target.write_text("precious\n")
    (out / "1" / "cli.log").symlink_to(target)
    proc = run_cli(
        ["-m", *FAST, "run.policies=[rigid_script]", "run.seed=1,2", f"hydra.sweep.dir={out}"]
    )
    assert proc.returncode != 0 and "symbolic links" in proc.stderr, proc.stderr[-2000:]
    assert target.read_text() == "precious\n"


def test_a_renamed_jobs_log_planted_as_a_link_is_not_written_through(tmp_path):
    out, target = tmp_path / "run", tmp_path / "elsewhere"
    out.mkdir()
    target.write_text("precious\n")
    (out / "mine.log").symlink_to(target)
    args = [*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={out}", "hydra.job.name=mine"]
    proc = run_cli(args)
    assert proc.returncode == 2 and "mine.log" in proc.stderr, proc.stderr[-2000:]
    assert target.read_text() == "precious\n"


@pytest.mark.sweep
def test_a_link_planted_as_a_sweeps_multirun_yaml_is_refused(tmp_path):
    out, target = tmp_path / "sweep", tmp_path / "elsewhere.yaml"
    out.mkdir()
    target.write_text("precious\n")
    (out / "multirun.yaml").symlink_to(target)
    proc = run_cli(
        ["-m", *FAST, "run.policies=[rigid_script]", "run.seed=1,2", f"hydra.sweep.dir={out}"]
    )
    assert proc.returncode != 0 and "multirun.yaml" in proc.stderr, proc.stderr[-2000:]
    _no_traceback(proc)
    assert target.read_text() == "precious\n"


@pytest.mark.parametrize(
    "override",
    [
        "hydra.job_logging.handlers.file.filename=/tmp/escalationsim-elsewhere.log",
        "hydra.job_logging.handlers.file.filename=${hydra.runtime.output_dir}/../x.log",
        "hydra.job.name=../../escalationsim-elsewhere",
    ],
)
def test_a_log_file_outside_the_run_folder_is_refused(tmp_path, override):
    proc = run_cli([*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={tmp_path / 'run'}",
                    override])  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "is not allowed" in proc.stderr and override.split("=")[0] in proc.stderr
    _no_traceback(proc)
    assert not Path("/tmp/escalationsim-elsewhere.log").exists()
    assert not (tmp_path / "x.log").exists()


def test_a_config_dir_cannot_put_the_log_elsewhere(tmp_path):
    cd = tmp_path / "conf" / "hydra" / "job_logging"
    cd.mkdir(parents=True)
    (cd / "mine.yaml").write_text(
        "version: 1\nhandlers:\n  file:\n    class: logging.FileHandler\n"
        f"    filename: {tmp_path / 'elsewhere.log'}\nroot:\n  handlers: [file]\n"
    )
    proc = run_cli([*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={tmp_path / 'run'}",
                    f"--config-dir={tmp_path / 'conf'}", "hydra/job_logging=mine"])  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "mine.yaml, line 5: the log file" in proc.stderr, proc.stderr[-2000:]
    assert not (tmp_path / "elsewhere.log").exists()


@pytest.mark.sweep
def test_a_sweep_with_one_policy_per_job_is_aggregated_and_paired(tmp_path):
    """Each job ran one policy on the same configuration: the sweep's tables hold both,
    paired on the same customers; the report on the folder works too."""
    from tests.cli import run_report

    out = tmp_path / "sweep"
    proc = run_cli(
        ["-m", *FAST, "run.policies=[rigid_script],[empowered_rep]", f"hydra.sweep.dir={out}"]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["policy"]) == {"rigid_script", "empowered_rep"}
    assert "run.policies" not in summary.columns
    paired = pd.read_csv(out / "paired.csv")
    assert set(paired["policy"]) == {"empowered_rep"} and set(paired["n"]) == {2}
    again = run_report([str(out)])
    assert again.returncode == 0, again.stderr[-2000:]


@pytest.mark.sweep
def test_a_sweep_whose_report_fails_does_not_exit_0(tmp_path, monkeypatch):
    from escalationsim.app import report

    def broken(*args, **kwargs):
        raise RuntimeError("a report that cannot be written")

    monkeypatch.setattr(report, "build_report", broken)
    proc = run_cli(["-m", *FAST, "run.seed=1,2", f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert proc.returncode == 1
    assert "the sweep's report failed: a report that cannot be written" in proc.stderr


def test_runs_of_different_configurations_are_not_pooled_as_replications(tmp_path):
    """Two runs under one folder, the same overrides but another base configuration (as
    after editing a config file between them): the report refuses to pool them, naming
    the key that differs; runs of one configuration still pool."""
    from tests.cli import run_report

    root = tmp_path / "runs"
    args = [*FAST, "run.policies=[rigid_script,empowered_rep]", "output.complaints=false"]
    for name in ("a", "b"):
        assert run_cli([*args, f"hydra.run.dir={root / name}"]).returncode == 0
    assert run_report([str(root)]).returncode == 0  # the same configuration twice: pooled
    record = root / "b" / ".hydra" / "config.yaml"
    record.write_text(record.read_text().replace("volume_per_day: 150", "volume_per_day: 151"))
    proc = run_report([str(root)])
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "a and b ran different configurations (scenario.volume_per_day: 150" in proc.stderr
    _no_traceback(proc)


def test_a_report_or_a_sweep_does_not_write_into_another_runs_folder(tmp_path):
    from tests.cli import run_report

    a, b = tmp_path / "a", tmp_path / "b"
    args = [*FAST, "run.policies=[rigid_script,empowered_rep]", "output.complaints=false"]
    for folder, seed in ((a, 1), (b, 2)):
        assert run_cli([*args, f"run.seed={seed}", f"hydra.run.dir={folder}"]).returncode == 0
    before = _files(b)
    proc = run_report([str(a), "--out", str(b)])
    assert proc.returncode == 2 and "another run's folder" in proc.stderr, proc.stderr
    sweep = run_cli(["-m", *args, "run.seed=3,4", f"hydra.sweep.dir={b}"])
    assert sweep.returncode != 0 and "is a run's folder" in sweep.stderr, sweep.stderr[-2000:]
    after = _files(b)
    after.pop("cli.log", None), before.pop("cli.log", None)
    assert after == before
    assert run_report([str(b)]).returncode == 0  # its own folder: rewritten and re-recorded
    assert manifest.intact(b, manifest.read(b))


def test_every_file_a_manifest_lists_is_checked_before_a_report_reads_the_run(tmp_path):
    from tests.cli import run_report

    out = tmp_path / "run"
    args = [*FAST, "run.policies=[rigid_script,empowered_rep]", "output.complaints=false"]
    assert run_cli([*args, f"hydra.run.dir={out}"]).returncode == 0
    (out / "summary.csv").write_text("policy,kpi,mean\nx,y,1\n")  # not one the report reads
    proc = run_report([str(out)])
    assert proc.returncode == 1
    assert "summary.csv does not match its manifest" in proc.stderr, proc.stderr


@pytest.mark.slow  # two sweeps (10 s), under Hydra's own sweeper
@pytest.mark.sweep
def test_hydras_basic_sweeper_into_another_sweeps_folder_is_refused_and_never_mixed(tmp_path):
    """hydra/sweeper=basic skips this project's sweeper and its folder check: the sweep
    is still refused before it writes (exit 2, the first sweep's record kept); a report
    on a folder whose jobs are another grid's reads none of them as its own."""
    from escalationsim.app.report import find_jobs

    out = tmp_path / "sweep"
    args = [*FAST, "run.replications=1", "run.policies=[rigid_script]", "output.complaints=false"]
    assert run_cli(["-m", *args, "run.seed=1,2", f"hydra.sweep.dir={out}"]).returncode == 0
    record = (out / "multirun.yaml").read_bytes()
    proc = run_cli(["-m", "hydra/sweeper=basic", *args, "run.seed=3,4", f"hydra.sweep.dir={out}"])
    assert proc.returncode == 2 and "holds another sweep's results" in proc.stderr
    assert (out / "multirun.yaml").read_bytes() == record
    again = run_cli(["-m", "hydra/sweeper=basic", *args, "run.seed=1,2", f"hydra.sweep.dir={out}"])
    assert again.returncode == 0 and "skipped" in again.stdout, again.stderr[-2000:]
    # a grid record that is not the jobs' (as the basic sweeper used to leave it)
    (out / "multirun.yaml").write_text(
        (out / "multirun.yaml").read_text().replace("run.seed=1,2", "run.seed=3,4")
    )
    done, failed = find_jobs(out)
    assert not done and all("holds another sweep's results" in why for why in failed.values())


@pytest.mark.sweep
def test_hydras_basic_sweeper_refuses_a_setting_that_cannot_act_in_each_job(tmp_path):
    """Without the project's sweeper no job is checked before launch: each job checks its
    own overrides, fails with the reason and a FAILED marker, and the sweep exits 1."""
    out = tmp_path / "sweep"
    args = [*FAST, "run.replications=1", "run.policies=[rigid_script]"]
    proc = run_cli(["-m", "hydra/sweeper=basic", *args, "scenario.staff.reps.count=5,10",
                    f"hydra.sweep.dir={out}"])  # fmt: skip
    assert proc.returncode != 0
    assert "scenario.staff.reps.count cannot act" in proc.stderr + proc.stdout
    assert not list(out.glob("*/kpis.csv")) and len(list(out.glob("*/FAILED"))) == 2


def test_interpolations_resolve_against_the_whole_configuration():
    """As the recorded configuration and its hash resolve them: a key of another section
    is found, and oc.select's default applies only where the key is missing."""
    sim = compose(
        [
            "scenario.staff.scale_with_volume=true",
            "scenario.staff.reference_volume_per_day=${scenario.volume_per_day}",
            "run.horizon_days=${oc.select:scenario.staff.ceo.hours_per_week,3}",
        ]
    )
    assert sim.scenario.staff.reference_volume_per_day == sim.scenario.volume_per_day
    assert sim.run.horizon_days == sim.scenario.staff.ceo.hours_per_week == 4
    with pytest.raises(ConfigError, match="run.horizon_days: Interpolation key 'nope.x' not found"):
        compose(["run.horizon_days=${nope.x}"])


BOMB = "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)
)
BAD_CONFIG_FILES = {
    "unclosed": ("volume_per_day: {a: 1\n", "line 4: not valid YAML"),
    "duplicate": (
        "volume_per_day: 1\nvolume_per_day: 2\n",
        "line 4: duplicate key 'volume_per_day'",
    ),
    "tabs": ("staff:\n\treps: 1\n", "not valid YAML"),
    "python_tag": ('volume_per_day: !!python/object/apply:os.system ["true"]\n', "is not allowed"),
    "scalar": ("just a scalar\n", "a config file must be a mapping"),
    "bomb": ('a: &a ["x","x","x","x","x","x","x","x","x"]\n' + BOMB, "expands to more than"),
    "target": (
        "cb:\n  _target_: escalationsim.app.files.write_text\n  text: x\n  path: /tmp/evil\n",
        "_target_ 'escalationsim.app.files.write_text' is not allowed",
    ),
}


@pytest.mark.parametrize("name", list(BAD_CONFIG_FILES))
def test_a_bad_file_in_a_config_dir_is_named_before_hydra_reads_it(tmp_path, name):
    text, says = BAD_CONFIG_FILES[name]
    (tmp_path / "cd" / "scenario").mkdir(parents=True)
    header = "" if name == "scalar" else "defaults:\n  - default\n"
    (tmp_path / "cd" / "scenario" / "mine.yaml").write_text(header + text)
    started = time.monotonic()
    proc = run_cli(
        ["--config-dir", str(tmp_path / "cd"), "scenario=mine", f"hydra.run.dir={tmp_path / 'run'}"]
    )
    assert time.monotonic() - started < 30  # the alias bomb is not expanded
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "mine.yaml" in proc.stderr and says in proc.stderr, proc.stderr
    _no_traceback(proc)
    assert not (tmp_path / "run").exists()


def test_a_callback_target_on_the_command_line_is_refused(tmp_path):
    evil = tmp_path / "evil.txt"
    proc = run_cli(
        ["+hydra.callbacks.evil._target_=escalationsim.app.files.write_text"]
        + [f"+hydra.callbacks.evil.path={evil}", "+hydra.callbacks.evil.text=x"]
        + [f"hydra.run.dir={tmp_path / 'run'}"]
    )
    assert proc.returncode == 2 and "is not allowed" in proc.stderr, proc.stderr[-2000:]
    assert not evil.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["hydra.run.dir=RUN/${nope}"], "interpolates ${nope}, which is not a key"),
        (["experiment=optimize", "optimize.replications=10000000"], "optimize.replications"),
        (["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=0", "run.seed=1,2"], "n_jobs = 0"),
    ],
)
def test_settings_that_were_tracebacks_get_a_message(tmp_path, args, says):
    args = [a.replace("RUN", str(tmp_path / "run")) for a in args]
    flags = [a for a in args if a == "-m"]
    args = [a for a in args if a != "-m"]
    proc = run_cli([*flags, *FAST, *args, f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr[-2000:]
    _no_traceback(proc)


def test_a_manifest_that_is_a_folder_is_named(tmp_path):
    out = tmp_path / "run"
    (out / "manifest.json").mkdir(parents=True)
    proc = run_cli([*FAST, f"hydra.run.dir={out}"])
    assert proc.returncode == 2 and "manifest.json is not a file" in proc.stderr, proc.stderr
    _no_traceback(proc)


def test_a_progress_that_is_not_a_function_is_refused_by_name():
    from escalationsim import simulate

    with pytest.raises(ConfigError, match="progress = 'yes' is not allowed"):
        simulate(compose([*FAST[:4], "run.policies=[rigid_script]"]), progress="yes")


def test_memory_is_bounded_before_anything_runs_with_the_number_in_the_message():
    from escalationsim.experiment.job import memory_estimate_gib

    big = ["scenario.volume_per_day=200000", "run.workers=2"]
    with pytest.raises(ConfigError, match=r"needs about [\d.]+ GiB .* more than this machine"):
        validate(compose([*big, "run.limits.max_memory_gib=null"]))  # records on
    with pytest.raises(ConfigError, match=r"more than run.limits.max_memory_gib \(0.5 GiB\)"):
        validate(compose(["run.limits.max_memory_gib=0.5"]))
    off = compose([*big, "run.records=false"])
    validate(off)  # records off: the complaints are summarised a block at a time
    on = compose(["run.records=true"])
    # more workers, more memory; records off, much less
    assert memory_estimate_gib(compose(["run.workers=4"])) > memory_estimate_gib(on)
    assert memory_estimate_gib(compose(["run.records=false"])) < memory_estimate_gib(on)


def test_an_interrupted_runs_partial_files_go_and_a_users_older_files_stay(tmp_path):
    """A run interrupted before its manifest listed its files: the rerun removes the
    result files written since it started (a partial complaints.parquet of a setting the
    rerun does not write), and keeps a user's file that was there before."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "trials.csv").write_text("mine\n")  # a user's, before any run
    time.sleep(0.05)
    args = [*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={out}"]
    m = manifest.new_manifest("another", [])
    manifest.write(out, m)  # a run started, killed before it listed anything
    (out / "complaints.parquet").write_bytes(b"partial")
    proc = run_cli([*args, "output.complaints=false", "output.overwrite=true"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (out / "complaints.parquet").exists()
    assert (out / "trials.csv").read_text() == "mine\n"


def test_a_full_disk_is_a_message_naming_the_file_and_the_run_is_redone(tmp_path, monkeypatch):
    """The device fills up while the KPIs are written: a message with the file, exit 1,
    no temporary file left, and the manifest unfinished, so the next run redoes the job."""
    import errno

    out = tmp_path / "run"
    real = pd.DataFrame.to_csv

    def full(self, path=None, *args, **kwargs):
        if path is not None and "kpis.csv" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *args, **kwargs)

    args = [*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={out}"]
    with monkeypatch.context() as m:
        m.setattr(pd.DataFrame, "to_csv", full)
        proc = run_cli(args)
    assert proc.returncode == 1, proc.stderr[-2000:]
    _no_traceback(proc)
    assert "no space left on the device to write" in proc.stderr
    assert "kpis.csv" in proc.stderr
    assert not list(out.glob("*.escalationsim.tmp")) and not (out / "kpis.csv").exists()
    assert not manifest.read(out).complete
    proc = run_cli(args)  # space again: the job is redone, not skipped
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "kpis.csv").exists()


@pytest.mark.slow
def test_a_really_full_disk_is_a_message(tmp_path):
    """The same on a real 16 KiB file system (needs mount rights; skipped without)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(disk)], capture_output=True
    )
    if made.returncode:
        pytest.skip("cannot mount a small file system here")
    try:
        proc = run_cli(
            [*FAST, "run.policies=[rigid_script]", f"hydra.run.dir={disk / 'run'}"],
            subprocess_=True,
        )
        assert proc.returncode == 1, proc.stderr[-2000:]
        _no_traceback(proc)
        assert "no space left on the device to write" in proc.stderr, proc.stderr[-2000:]
        assert not list((disk / "run").glob("*.escalationsim.tmp"))
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_the_jobs_a_parallel_sweep_runs_at_once_are_bounded_together(tmp_path):
    """Each job fits the memory bound, three at once do not: refused before any job,
    naming hydra.launcher.n_jobs and the number; two at once, or one at a time, pass."""
    from escalationsim.experiment.job import memory_estimate_gib

    job = [*FAST, "run.policies=[rigid_script]"]
    each = memory_estimate_gib(compose(job))
    limit = f"run.limits.max_memory_gib={each * 2.5:.3f}"
    grid = ["-m", *job, limit, "run.seed=1,2,3"]
    out = tmp_path / "sweep"
    proc = run_cli([*grid, "hydra/launcher=joblib", "hydra.launcher.n_jobs=3",
                    f"hydra.sweep.dir={out}"])  # fmt: skip
    assert proc.returncode != 0
    _no_traceback(proc)
    assert "hydra.launcher.n_jobs: 3 jobs at once" in proc.stderr, proc.stderr[-2000:]
    assert "set hydra.launcher.n_jobs=2 or fewer" in proc.stderr
    assert not out.exists() or not list(out.glob("*/kpis.csv"))
    # two at once fit; one at a time (the basic launcher) is never held to a sum
    from omegaconf import OmegaConf

    from escalationsim.app.sweeps import check_sweep_memory

    def launcher(target: str, n_jobs: int) -> object:
        limits = {"max_memory_gib": each * 2.5}
        hydra = {"launcher": {"_target_": target, "n_jobs": n_jobs}}
        return OmegaConf.create({"hydra": hydra, "run": {"limits": limits}})

    joblib = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
    check_sweep_memory(launcher(joblib, 2), each, 3)
    check_sweep_memory(launcher("hydra._internal.core_plugins.basic_launcher.BasicLauncher", 1),
                       each, 3)  # fmt: skip
