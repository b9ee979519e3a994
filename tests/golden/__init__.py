"""The golden-output cases: small runs whose every output table is pinned exactly.

``python -m tests.golden`` regenerates the fixture files under ``tests/golden/data/``.
Do that only in a commit of its own whose message says why results changed on purpose;
a change meant to keep results must leave :mod:`tests.test_golden` passing unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data"

PRESETS = ["rigid_script", "empowered_rep", "ceo_responds", "ceo_redirects", "omnichannel"]

_SHORT = [
    "run.replications=2",
    "run.horizon_days=9",
    "run.warmup_days=2",
    "run.drain_days=5",
    "run.workers=1",
    "run.seed=2026",
    "scenario.volume_per_day=250",
]

_QUEUE = [
    "scenario=queue_only",
    "run.policies=[rigid_script]",
    "run.replications=2",
    "run.horizon_days=3",
    "run.warmup_days=0.5",
    "run.drain_days=0",
    "run.workers=1",
    "scenario.servers=4",
]

CASES: dict[str, list[str]] = {
    # all five presets on the default scenario, complaint rows kept
    "presets": [f"run.policies=[{','.join(PRESETS)}]", *_SHORT],
    # the first version's scenario (every operations mechanism off), kept for comparison
    "first_version": [f"run.policies=[{','.join(PRESETS)}]", *_SHORT, "scenario=first_version"],
    # the same presets with records off (aggregates streamed a block at a time)
    "records_off": [f"run.policies=[{','.join(PRESETS)}]", *_SHORT, "run.records=false"],
    # the engine configured down to an M/M/c queue, and to an M/M/c+M queue
    "queue_erlang_c": [*_QUEUE, "scenario.arrivals_per_hour=60", "scenario.service_minutes=3.5"],
    "queue_erlang_a": [
        *_QUEUE,
        "scenario.arrivals_per_hour=90",
        "scenario.service_minutes=3",
        "scenario.patience_minutes=2",
    ],
}

TABLES = ("complaints", "kpis", "daily", "groups", "summary", "paired")


def outputs(case: str) -> dict[str, pd.DataFrame]:
    """Every output table of ``case`` (those its run produces)."""
    from escalationsim import compose, simulate
    from escalationsim.analysis.fairness import outcomes_by_group

    res = simulate(compose(CASES[case]))
    out = {"kpis": res.kpis, "daily": res.daily, "summary": res.summary, "paired": res.paired}
    if res.complaints is not None:
        out["complaints"] = res.complaints
        out["groups"] = outcomes_by_group(res.complaints)
    return out


def path(case: str, table: str) -> Path:
    return DATA / f"{case}.{table}.parquet"


def regenerate(report: Callable[[str], None] = print) -> None:
    """Write every case's tables as the new fixtures."""
    DATA.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        for table, df in outputs(case).items():
            df.to_parquet(path(case, table), index=False)
            report(f"{path(case, table)}: {len(df)} rows")
