"""The queue-only scenario's figures (scenario=queue_only): the first call of each
complaint in an M/M/c(+M) queue, to compare with Erlang C and Erlang A."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from escalationsim.analysis.outcomes.base import NONNEG, SHARE, Compute, Family, Kpi, Theme

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

THEME = Theme(
    "queue",
    "The queue-only scenario",
    intro="""Computed only under `scenario=queue_only`, over first calls (answered or abandoned),
to compare with Erlang C and Erlang A (docs/model.md, validation).""",
)

_FIRST_CALLS = ("first_calls",)


def _queue(key: str) -> Compute:
    def f(inp: KpiInputs, row: dict[str, Any]) -> float:
        s = inp.sums
        n = s["first_calls"]
        if n == 0:
            return math.nan
        if key == "occupancy":
            return inp.result.utilisation["reps"]
        if key == "mean_wait_min":
            return s["first_call_wait_h"] / n * 60.0
        return s[key] / n

    return f


QUEUE: list[Kpi | Family] = [
    Kpi(
        "p_wait",
        _queue("first_calls_waited"),
        "P(wait > 0)",
        "share",
        "{:.4f}",
        SHARE,
        queue_only=True,
        reads=(*_FIRST_CALLS, "first_calls_waited"),
        doc="first calls that waited at all / first calls",
    ),
    Kpi(
        "mean_wait_min",
        _queue("mean_wait_min"),
        "mean wait (min)",
        "min",
        "{:.4f}",
        NONNEG,
        queue_only=True,
        reads=(*_FIRST_CALLS, "first_call_wait_h"),
        doc="mean wait of first calls, minutes",
    ),
    Kpi(
        "p_abandon",
        _queue("first_calls_abandoned"),
        "P(abandon)",
        "share",
        "{:.4f}",
        SHARE,
        queue_only=True,
        reads=(*_FIRST_CALLS, "first_calls_abandoned"),
        doc="first calls abandoned / first calls",
    ),
    Kpi(
        "occupancy",
        _queue("occupancy"),
        "occupancy",
        "share",
        "{:.4f}",
        SHARE,
        queue_only=True,
        reads=_FIRST_CALLS,
        doc="the reps' utilisation (`util_reps`); NaN without first calls",
    ),
    Kpi(
        "service_level_20s",
        _queue("first_calls_in_service_level"),
        "served within 20 s",
        "share",
        "{:.4f}",
        SHARE,
        queue_only=True,
        direction="higher",
        reads=(*_FIRST_CALLS, "first_calls_in_service_level"),
        doc="first calls answered within 20 s / first calls",
    ),
]
