"""Bad values for every leaf of the composed configuration: each is refused with a
ConfigError that names its key (Python API), or with exit code 2, a message naming the
key, no traceback and no result written (command line); a value that is accepted runs.

The fast suite tries the values no field may take through the Python API for every
leaf, and a sample through the command line; ``make test-slow`` tries every candidate
value of every leaf, runs a short simulation for each value that is accepted, and sends
a larger sample through the command line.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import typing
from collections.abc import Iterator
from typing import Any

import pytest

from escalationsim import ConfigError, compose, simulate, validate
from escalationsim.experiment.job import SimConfig
from tests.cli import run_cli

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

BASE = ["run.replications=1", "run.workers=1"]


OPTIONAL: set[str] = set()
"""Leaves whose declared type admits None."""


def _leaves(obj: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if dataclasses.is_dataclass(obj):
        hints = typing.get_type_hints(type(obj))
        for f in dataclasses.fields(obj):
            if type(None) in typing.get_args(hints.get(f.name)):
                OPTIONAL.add(f"{prefix}.{f.name}")
            yield from _leaves(getattr(obj, f.name), f"{prefix}.{f.name}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{prefix}.{k}")
    else:
        yield prefix, obj


def leaves(sim: SimConfig) -> list[tuple[str, Any]]:
    """Every leaf (dotted key, value) of a job, policies by name."""
    out = list(_leaves(sim.scenario, "scenario")) + list(_leaves(sim.run, "run"))
    for name, p in sim.policies.items():
        out += [(k, v) for k, v in _leaves(p, f"policies.{name}") if not k.endswith(".name")]
    return out


def _set(sim: SimConfig, key: str, value: Any) -> None:
    parts = key.split(".")
    obj: Any = sim
    if parts[0] == "policies":
        obj, parts = sim.policies[parts[1]], parts[2:]
    for part in parts[:-1]:
        obj = getattr(obj, part)
    setattr(obj, parts[-1], value)


def never_valid(value: Any) -> list[Any]:
    """Values that no field of this value's type may take."""
    if isinstance(value, bool):
        return ["no", 2, None]
    if isinstance(value, int | float):
        return [math.nan, math.inf, -math.inf, "abc", None, [1.0]]
    if isinstance(value, str):
        return [5, None]
    if isinstance(value, list):
        return ["x", 5]
    return []


def maybe_valid(value: Any) -> list[Any]:
    """Values some fields may take and others may not (ranges decide)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    if isinstance(value, int):
        return [-1, 0, 10**12, 2.5]
    return [-1.0, 0.0, 1e-300, 1.5, 1e308]


SIM = compose(BASE)
LEAVES = leaves(SIM)
# the scenario kind and name and the lever modes are names, checked elsewhere
LEAVES = [(k, v) for k, v in LEAVES if not k.endswith((".kind", ".name", ".mode"))]


def _api_error(key: str, value: Any) -> ConfigError | None:
    sim = copy.deepcopy(SIM)
    _set(sim, key, value)
    try:
        validate(sim)
    except ConfigError as err:
        return err
    return None


def _names_key(message: str, key: str) -> bool:
    """The message names the key, or the rule across fields that it is part of."""
    parent = key.rsplit(".", 1)[0]
    return key in message or f"{parent}." in message or key.split(".")[0] in message


@pytest.mark.parametrize(("key", "value"), LEAVES, ids=[k for k, _ in LEAVES])
def test_values_no_field_may_take_are_refused_by_name(key: str, value: Any) -> None:
    for bad in never_valid(value):
        if bad is None and key in OPTIONAL:
            continue
        err = _api_error(key, bad)
        assert err is not None, f"{key} = {bad!r} was accepted"
        assert key in str(err), str(err)


def test_every_leaf_is_covered() -> None:
    keys = {k for k, _ in LEAVES}
    assert len(keys) > 150
    for must in (
        "scenario.volume_per_day",
        "scenario.staff.ceo.hours_per_week",
        "policies.empowered_rep.rep.budget_usd",
        "policies.omnichannel.social.answer_prob",
        "run.limits.max_days",
    ):
        assert must in keys


CLI_CASES = [
    ("scenario.volume_per_day", "nan"),
    ("scenario.volume_per_day", "-5"),
    ("scenario.population.knows_ceo_share", "1.5"),
    ("scenario.staff.reps.count", "2.5"),
    ("scenario.handle_times.phone.mean_min", "inf"),
    ("scenario.channels.phone.patience_mean_s", "-1"),
    ("policies.empowered_rep.rep.audit_fraction", "2"),
    ("policies.ceo_responds.floodgates.max_share", "-0.1"),
    ("run.replications", "0"),
    ("run.seed", "abc"),
    ("run.records", "maybe"),
    ("output.plots", "3"),
]


@pytest.mark.parametrize(("key", "value"), CLI_CASES, ids=[f"{k}={v}" for k, v in CLI_CASES])
def test_bad_values_on_the_command_line_are_refused_by_name(tmp_path, key, value) -> None:
    out = tmp_path / "out"
    proc = run_cli([*BASE, f"{key}={value}", f"hydra.run.dir={out}"])
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    text = proc.stderr + proc.stdout
    assert "Traceback" not in text
    assert key.split(".")[-1] in proc.stderr, proc.stderr
    written = {p.name for p in out.iterdir()} if out.exists() else set()
    assert written <= {"cli.log"}, written  # nothing beyond the log


TINY = [
    "run.replications=1",
    "run.workers=1",
    "run.horizon_days=1.5",
    "run.warmup_days=0.5",
    "run.drain_days=0.5",
    "scenario.volume_per_day=200",
    "run.policies=[rigid_script,empowered_rep,ceo_responds,ceo_redirects,omnichannel]",
]


@pytest.mark.slow
@pytest.mark.parametrize(("key", "value"), LEAVES, ids=[k for k, _ in LEAVES])
def test_values_a_field_accepts_run_and_others_are_refused_by_name(key, value) -> None:
    """For every candidate value: refused with a message naming the key, or accepted and
    a short run of every preset completes (no overflow, hang or crash)."""
    sim0 = compose(TINY)
    for candidate in maybe_valid(value):
        sim = copy.deepcopy(sim0)
        _set(sim, key, candidate)
        try:
            validate(sim)
        except ConfigError as err:
            assert _names_key(str(err), key), (key, candidate, str(err))
            continue
        res = simulate(sim)
        assert len(res.kpis) == len(sim.run.policies), (key, candidate)


@pytest.mark.slow
def test_a_larger_sample_on_the_command_line(tmp_path) -> None:
    rng = random.Random(20261130)
    sample = rng.sample([(k, v) for k, v in LEAVES if never_valid(v)], 40)
    for i, (key, value) in enumerate(sample):
        bad = rng.choice(
            [b for b in never_valid(value) if b is not None and not isinstance(b, list)]
        )
        text = {math.nan: "nan", math.inf: "inf", -math.inf: "-inf"}.get(bad, bad)
        out = tmp_path / str(i)
        proc = run_cli([*BASE, f"{key}={text}", f"hydra.run.dir={out}"])
        assert proc.returncode == 2, (key, text, proc.stderr[-1500:])
        assert "Traceback" not in proc.stderr + proc.stdout, (key, text)
        assert key.split(".")[-1] in proc.stderr, (key, text, proc.stderr)
