"""Key performance indicators of one run and its daily series.

All complaint-level figures cover the complaints that arrived in the measurement window
(after the warm-up, before the horizon). Money is in USD, times in hours. Which KPIs
there are, and how each is computed, is the KPI registry (:mod:`.kpis`); definitions are
written out in docs/metrics.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from escalationsim.analysis.kpis import KpiInputs, compute
from escalationsim.analysis.outcomes.daily import DAILY, QUEUE
from escalationsim.analysis.stats import ComplaintStats
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine.model import RunResult


def run_kpis(
    result: RunResult,
    scenario: ScenarioConfig,
    stats: ComplaintStats,
    queue_only: bool = False,
    daily: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """One row of KPIs for a run, from the summary of its complaints (and its daily
    series, :func:`daily_series`, for whether the window looks stationary)."""
    return compute(KpiInputs(result, scenario, stats, queue_only, daily))


def daily_series(result: RunResult, counts: np.ndarray) -> pd.DataFrame:
    """Per simulated day of the window: the declared columns of
    :mod:`escalationsim.analysis.outcomes.daily` (complaints arrived, the share that
    reached the CEO by arrival day and went straight there, their cost), then each
    queue's length at the start of the day. ``counts`` are the window's
    :func:`escalationsim.analysis.stats.day_counts`."""
    lo, hi = result.window_h
    days = np.arange(int(lo // 24), int(np.ceil(hi / 24)))
    out = pd.DataFrame({"day": days})
    for m in DAILY:  # the declared columns (analysis.outcomes.daily), in order
        out[m.name] = m.formula(*counts)
    for role, snaps in result.backlog.items():
        out[f"queue_{role}"] = QUEUE.formula(out["day"], lo, snaps)
    out.insert(0, "replication", result.replication)
    out.insert(0, "policy", result.policy)
    return out
