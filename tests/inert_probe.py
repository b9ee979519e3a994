"""Every setting has an effect or is refused: change each leaf of a composed job alone
and see that the run changes, or that the setting is refused with a reason.

For each leaf of the job (scenario, run, every policy), a changed value is tried (a
number doubled or moved by one, a flag flipped, another member of a choice, the first
entry of a list changed); a value outside the field's range is replaced by another.
The changed job is then either refused (a ConfigError, or a setting that cannot act in
the changed job, refused by :mod:`escalationsim.app.inert` with its reason) or
simulated, and its KPIs and daily series compared with the unchanged job's. A leaf whose
change leaves both byte-identical is tried once more in a 40-day job (what it acts on may
be rare in a few days); if that too is byte-identical, the leaf is *silent*: the defect
this probe looks for.

    python -m tests.inert_probe [default|queue_only] [--days N]

prints each leaf's outcome and the counts; tests/test_inert.py runs it (slow).
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from dataclasses import dataclass, is_dataclass, replace
from enum import Enum
from typing import Any

import pandas as pd

from escalationsim import ConfigError, compose, simulate, validate
from escalationsim.experiment.inert import inert_settings
from escalationsim.experiment.job import SimConfig
from tests.test_fuzz import _set, leaves

BY_DESIGN = {
    "run.workers": "how many processes, never what they compute",
    "run.records": "what is kept of the run, not what is measured (tests.test_runner)",
    "run.limits": "bounds that refuse a job, checked by tests.test_fuzz and tests.test_cli",
    "run.drain_days": "time for unfinished work to finish: none once all of it has "
    "(tests.test_metrics doubles it)",
}
"""Leaves that, by design, change no number of a run they allow."""


@dataclass
class Outcome:
    key: str
    kind: str  # "changed", "refused", "silent", "by design", "not probed"
    detail: str = ""


POLICIES = ["rigid_script", "empowered_rep", "ceo_responds", "ceo_redirects", "omnichannel"]

LONGER_DAYS = 40.0
"""A leaf silent in the short job is tried again in a job this long (a fix that ships two
weeks after its cause is seen, a rep coached after audits find a few errors)."""


def base(scenario: str = "default", days: float = 6.0, policies: list[str] = POLICIES) -> SimConfig:
    """A short job comparing every policy (a scenario setting that one policy reads
    acts), one replication, no per-complaint records."""
    over = [
        "run.replications=1",
        f"run.horizon_days={days}",
        "run.warmup_days=1",
        "run.drain_days=2",
        "run.workers=1",
        "run.records=false",
    ]
    if scenario == "default":
        over.insert(0, f"run.policies=[{','.join(policies)}]")
    else:
        over.insert(0, f"scenario={scenario}")
    return compose(over)


def _longer(scenario: str, key: str, new: Any) -> bool:
    """Whether changing ``key`` to ``new`` changes a :data:`LONGER_DAYS` job (of the
    leaf's own policy only, if it is a policy's)."""
    parts = key.split(".")
    policies = [parts[1]] if parts[0] == "policies" else POLICIES
    long = base(scenario, LONGER_DAYS, policies)
    sim = copy.deepcopy(long)
    _set(sim, key, new)
    return not _same(_signature(sim), _signature(long))


def candidates(value: Any) -> Iterator[Any]:
    """Changed values for a leaf, most telling first."""
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, Enum):
        yield from (m for m in type(value) if m != value)
    elif isinstance(value, int):
        yield from (value + 1, value * 2, value - 1, value // 10) if value else (1, 2)
    elif isinstance(value, float):
        yield from (value * 2, value / 2, value + 0.1, value / 10) if value else (0.5, 0.01)
    elif value is None:
        yield from (60.0, 1.0, 1)
    elif isinstance(value, list) and value:
        first = value[0]
        if is_dataclass(first) and hasattr(first, "count"):
            yield [replace(first, count=first.count + 1), *value[1:]]
        elif isinstance(first, int | float) and not isinstance(first, bool):
            yield [first * 2 if first else 1, *value[1:]]
            mid = len(value) // 2 + len(value) // 7  # a busy hour of the window, not 00:00
            yield [*value[:mid], value[mid] * 2 + 1, *value[mid + 1 :]]


def _signature(sim: SimConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = simulate(sim)
    return res.kpis, res.daily


def _same(a: tuple[pd.DataFrame, pd.DataFrame], b: tuple[pd.DataFrame, pd.DataFrame]) -> bool:
    return all(x.shape == y.shape and x.equals(y) for x, y in zip(a, b, strict=True))


def _inert_reason(sim: SimConfig, key: str) -> str | None:
    for k, why in inert_settings(sim).items():
        if key == k or key.startswith(k + "."):
            return why
    return None


def probe(scenario: str = "default", days: float = 6.0, only: str = "") -> list[Outcome]:
    """The outcome of changing each leaf of the job alone."""
    sim0 = base(scenario, days)
    ref = _signature(sim0)
    out = []
    for key, value in leaves(sim0):
        if not key.startswith(only) or key.endswith((".kind", ".name")):
            continue
        design = next((why for k, why in BY_DESIGN.items() if key.startswith(k)), None)
        if design:
            out.append(Outcome(key, "by design", design))
            continue
        reason = _inert_reason(sim0, key)
        if reason is not None:  # refused whatever the value (app.inert)
            out.append(Outcome(key, "refused", reason))
            continue
        outcome = Outcome(key, "not probed", f"no candidate value for {value!r}")
        for new in candidates(value):
            sim = copy.deepcopy(sim0)
            try:
                _set(sim, key, new)
                validate(sim)
            except (ConfigError, ValueError, TypeError) as err:
                outcome = Outcome(key, "not probed", f"{new!r} refused: {err}")
                continue  # out of range: try the next value
            reason = _inert_reason(sim, key)
            if reason is not None:  # the changed job cannot use it (as compose refuses)
                outcome = Outcome(key, "refused", f"{value!r} -> {new!r}: {reason}")
                break
            if _same(_signature(sim), ref):
                outcome = Outcome(key, "silent", f"{value!r} -> {new!r}")
                continue  # a bigger change may show
            outcome = Outcome(key, "changed", f"{value!r} -> {new!r}")
            break
        if outcome.kind == "silent":
            new = next(candidates(value))
            if _longer(scenario, key, new):
                outcome = Outcome(key, "changed", f"{value!r} -> {new!r} in {LONGER_DAYS:g} days")
        out.append(outcome)
    return out


def main(argv: list[str]) -> int:
    scenario = argv[0] if argv and not argv[0].startswith("-") else "default"
    days = float(argv[argv.index("--days") + 1]) if "--days" in argv else 6.0
    outcomes = probe(scenario, days)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.kind] = counts.get(o.kind, 0) + 1
        if o.kind != "changed":
            print(f"{o.kind:10s} {o.key}: {o.detail[:160]}")
    print(scenario, counts)
    return 1 if counts.get("silent") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
