"""Hostile inputs, each classified: refused cleanly (exit code 2 or 1 with a one-line
message and no traceback), a traceback, silently accepted, or a hang.

Every input here is one the reliability issue found silent, a traceback or a hang, or
one of their class; the expected outcome is a clean refusal. Run it after a change to
configuration handling:

    python -m tests.hostile_probe

prints one line per input and the counts (the closing note of the reliability issue
quotes them); tests/test_inert.py and tests/test_reliability.py pin each class.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.cli import run_cli

FAST = ["run.replications=1", "run.horizon_days=2", "run.warmup_days=0.5", "run.drain_days=0.5"]
FAST += ["run.workers=1", "output.plots=false", "scenario.volume_per_day=100"]


def _inputs(tmp: Path) -> dict[str, list[str]]:
    cd = tmp / "cd" / "scenario"
    cd.mkdir(parents=True)
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    files = {
        "unclosed": "defaults: [default]\nvolume_per_day: {a: 1\n",
        "duplicate": "defaults: [default]\nvolume_per_day: 1\nvolume_per_day: 2\n",
        "tabs": "defaults: [default]\nstaff:\n\treps: 1\n",
        "pytag": 'defaults: [default]\nvolume_per_day: !!python/object/apply:os.system ["true"]\n',
        "scalar": "just a scalar\n",
        "selfref": "defaults: [default]\na: &a [*a]\n",
        "bomb": "defaults: [default]\n" + bomb,
        "target": "defaults: [default]\ncb: {_target_: escalationsim.app.files.write_text}\n",
    }
    for name, text in files.items():
        (cd / f"{name}.yaml").write_text(text)
    out: dict[str, list[str]] = {}
    for name in files:  # one file per config dir, so each is the first found
        d = tmp / f"cd_{name}" / "scenario"
        d.mkdir(parents=True)
        (d / "mine.yaml").write_text(files[name])
        out[f"config dir: {name}"] = ["--config-dir", str(d.parent), "scenario=mine"]
    inert = {
        "reps.count under the roster": ["scenario.staff.reps.count=18"],
        "reps.count=1 under the roster": ["scenario.staff.reps.count=1"],
        "exec_office.count under shifts": ["scenario.staff.exec_office.count=50"],
        "social.count, blended reps": ["scenario.staff.social.count=50"],
        "social cost, blended reps": ["scenario.staff.social.hourly_cost_usd=1"],
        "reference volume without scaling": ["scenario.staff.reference_volume_per_day=1"],
        "records off, complaints on": ["run.records=false", "output.complaints=true"],
        "delete volume": ["~scenario.volume_per_day"],
        "delete churn accounting": ["~scenario.churn.accounting"],
        "empty cases": ["experiment=validation", "validation.cases={}"],
        "hydra typo": ["+hydra.run.dri=/tmp/x"],
        "policy not compared": ["policies.omnichannel.rep.budget_usd=10"],
        "precision off": ["run.precision.half_width=0.05"],
        "queue-only cv": ["scenario=queue_only", "scenario.service_cv=2"],
        "callback target": ["+hydra.callbacks.evil._target_=escalationsim.app.files.write_text"],
        "staffing, no abandonment": [
            "scenario.staff.scale_with_volume=true",
            "scenario.targets.phone_abandon_max=0",
        ],
        "weekend window": [
            "scenario.arrivals.weekly_profile=[1,1,1,1,1,0,0]",
            "run.horizon_days=7",
            "run.warmup_days=5",
        ],
        "run dir interpolation": ["hydra.run.dir=" + str(tmp / "x") + "/${nope}"],
        "n_jobs 0": ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=0", "run.seed=1,2"],
        "optimize replications": ["experiment=optimize", "optimize.replications=10000000"],
        "too much memory": [
            "scenario.volume_per_day=200000",
            "run.horizon_days=60",
            "run.workers=2",
        ],
    }
    out.update(inert)
    out.update(
        {
            "breach target, run too short": ["scenario.targets.deadline_breach_max=0.1"],
            "root-cause fix after the last arrival": [
                "policies.empowered_rep.root_cause.enabled=true"
            ],
            "log file elsewhere": [f"hydra.job_logging.handlers.file.filename={tmp}/x.log"],
            "job name escaping": ["hydra.job.name=../../escaped"],
            "lever that cannot act": [
                "experiment=optimize",
                "+optimize.levers.x.keys=[scenario.staff.reps.count]",
                "+optimize.levers.x.low=1",
                "+optimize.levers.x.high=5",
            ],
            "uncertainty that cannot act": [
                "experiment=robustness",
                "robustness.scenarios=4",
                "+uncertainty.x.keys=[scenario.staff.social.hourly_cost_usd]",
                "+uncertainty.x.low=1",
                "+uncertainty.x.high=3",
                "+uncertainty.x.source=assumption",
            ],
            "parallel jobs past the memory bound": [
                "-m",
                "hydra/launcher=joblib",
                "hydra.launcher.n_jobs=3",
                "run.limits.max_memory_gib=0.3",
                "run.seed=1,2,3",
            ],
            **{
                f"plugin lever returns {v}": ["policies.rigid_script.rep.mode=hostile"]
                for v in ("None", "42", "nothing (no method)")
            },  # fmt: skip
            "full disk": ["run.policies=[rigid_script]"],
        }
    )
    return out


@contextlib.contextmanager
def _setup(name: str) -> Iterator[None]:
    """What an input needs around it: a plugin's broken lever, a full disk."""
    if name.startswith("plugin lever"):
        from escalationsim.policy import Lever, registry
        from escalationsim.policy.rep import ScriptAuthority, ScriptRep

        @dataclasses.dataclass
        class Hostile(ScriptRep):
            mode: str = "hostile"

        value = {"None": None, "42": 42}.get(name.rsplit(" ", 1)[-1])

        class Broken(ScriptAuthority):
            def exception(self, ctx, c, channel):  # type: ignore[no-untyped-def]
                yield from ()
                return value

        class Empty(Lever):
            def __init__(self, cfg: object, scenario: object) -> None:
                pass

        cls = Empty if "no method" in name else Broken
        with registry.registered("rep", "hostile", Hostile, cls):
            yield
    elif name == "full disk":
        import errno

        import pandas as pd

        real = pd.DataFrame.to_csv

        def full(self, path=None, *args, **kwargs):  # type: ignore[no-untyped-def]
            if path is not None and "kpis.csv" in str(path):
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, path, *args, **kwargs)

        pd.DataFrame.to_csv = full  # type: ignore[method-assign]
        try:
            yield
        finally:
            pd.DataFrame.to_csv = real  # type: ignore[method-assign]
    else:
        yield


def classify(args: list[str], tmp: Path, i: int) -> str:
    flags = [a for a in args if a in ("-m",)]
    rest = [a for a in args if a not in ("-m",)]
    run = [f"hydra.run.dir={tmp / f'run{i}'}", f"hydra.sweep.dir={tmp / f'sweep{i}'}"]
    if any(a.startswith("hydra.run.dir=") for a in rest):
        run = run[1:]
    started = time.monotonic()
    proc = run_cli([*flags, *FAST, *rest, *run], timeout=120)
    took = time.monotonic() - started
    text = proc.stderr + proc.stdout
    if took > 60:
        return "hang"
    if "Traceback" in text:
        return "traceback"
    if proc.returncode == 0:
        return "silent"
    return "refused"


def main() -> int:
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for i, (name, args) in enumerate(_inputs(tmp).items()):
            with _setup(name):
                kind = classify(args, tmp, i)
            counts[kind] = counts.get(kind, 0) + 1
            print(f"{kind:10s} {name}")
    print(counts)
    return 0 if set(counts) == {"refused"} else 1


if __name__ == "__main__":
    sys.exit(main())
