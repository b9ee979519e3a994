"""What a column of ``groups.csv`` or ``daily.csv`` declares: the outcomes by group and
the daily series, declared as the KPIs are (:class:`~.base.Kpi`), with a label, unit,
format, range, direction and definition that tables, plots and docs/metrics.md read,
and a formula."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from escalationsim.analysis.outcomes.base import ANY, Direction


@dataclass(frozen=True)
class Measure:
    """One column: ``name``, its ``formula`` (what it is computed from depends on the
    table: a group of complaints, or a day's counts), ``label``, ``unit``, ``fmt``,
    ``bounds``, ``direction`` (as a KPI's) and ``doc`` (its row of docs/metrics.md)."""

    name: str
    formula: Callable[..., Any]
    label: str
    unit: str = ""
    fmt: str = "{:.4g}"
    bounds: tuple[float, float] = ANY
    direction: Direction = "none"
    doc: str = ""
    plot_label: str = ""
    """The label on a plot's axis, where it needs more words than a table's heading."""

    def axis_label(self, unit: str | None = None) -> str:
        """The (plot) label with its unit, or ``unit`` if the plot converts it:
        "share of complaints resolved (%)"."""
        unit = self.unit if unit is None else unit
        label = self.plot_label or self.label
        return f"{label} ({unit})" if unit else label

    @property
    def better(self) -> str:
        """Which way is better, in words (docs/metrics.md)."""
        return {"none": "-"}.get(self.direction, self.direction)

    def show(self, value: float) -> str:
        """``value`` in the declared format."""
        return self.fmt.format(value)


def by_name(measures: tuple[Measure, ...]) -> dict[str, Measure]:
    """The measures by name; a name declared twice is a ValueError."""
    out: dict[str, Measure] = {}
    for m in measures:
        if m.name in out:
            raise ValueError(f"measure {m.name!r} is declared twice")
        out[m.name] = m
    return out


__all__ = ["Measure", "by_name"]
