"""What an outcome (a KPI) declares, and the formulas most KPIs are made of.

An outcome is one :class:`Kpi`: its name (a column of ``kpis.csv``), a formula over the
run's declared reductions (:mod:`escalationsim.analysis.reductions`) and run-level
counters (:mod:`escalationsim.engine.counters`), a label, unit, display format, the range
it cannot leave, whether lower or higher is better (or it is not ranked), the views it
appears in and a definition (``doc``, the row of docs/metrics.md). The formulas below
(:class:`PerComplaint`, :class:`Share`, :class:`Total`, :class:`CounterValue`) name
what they read, so the registry checks at start-up that each name is declared; a
formula written as a function names what it reads in ``reads`` and ``counters``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from escalationsim.engine import counters as run_counters

if TYPE_CHECKING:
    from escalationsim.analysis.kpis import KpiInputs

INF = math.inf
SHARE = (0.0, 1.0)
GAP = (-1.0, 1.0)
NONNEG = (0.0, INF)
ANY = (-INF, INF)

Direction = Literal["lower", "higher", "closer", "none"]
"""Which way a KPI is better: less of it, more of it, closer to its ``target`` (a gap
between groups: 0; a ratio of two groups' times: 1), or neither (not a number a policy
could be best on, e.g. the list of unstable queues)."""

Compute = Callable[["KpiInputs", dict[str, Any]], Any]


def ratio(num: float, den: float) -> float:
    """num / den, NaN when there is nothing to divide by."""
    return num / den if den > 0 else math.nan


@dataclass(frozen=True)
class PerComplaint:
    """A reduction's total per measured complaint (a share for a 0/1 column)."""

    reduction: str

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.reduction,)

    def __call__(self, inp: KpiInputs, row: dict[str, Any]) -> float:
        return ratio(inp.sums[self.reduction], inp.n)


@dataclass(frozen=True)
class Share:
    """One reduction's total over another's (NaN when the second is 0)."""

    num: str
    den: str

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.num, self.den)

    def __call__(self, inp: KpiInputs, row: dict[str, Any]) -> float:
        return ratio(inp.sums[self.num], inp.sums[self.den])


@dataclass(frozen=True)
class Total:
    """A reduction's total over the measured complaints."""

    reduction: str

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.reduction,)

    def __call__(self, inp: KpiInputs, row: dict[str, Any]) -> float:
        return inp.sums[self.reduction]


@dataclass(frozen=True)
class CounterValue:
    """A run-level counter, as a float (or as ``cast`` says)."""

    name: str
    cast: Callable[[float], Any] = float

    @property
    def counters(self) -> tuple[str, ...]:
        return (self.name,)

    def __call__(self, inp: KpiInputs, row: dict[str, Any]) -> Any:
        counters = inp.result.counters
        if self.name in counters:
            return self.cast(counters[self.name])
        # a run result made by hand (or before the counter existed): the declared default
        return self.cast(run_counters.declared()[self.name].default)


@dataclass(frozen=True)
class Kpi:
    """One KPI. ``compute(inputs, row)`` gets the run's inputs and the KPIs computed so
    far (those before it in the registry)."""

    name: str
    compute: Compute
    label: str
    unit: str = ""
    fmt: str = "{:.4g}"
    bounds: tuple[float, float] = ANY
    views: Mapping[str, float] = field(default_factory=dict)
    short: str = ""
    """Legend label in plots that show parts (e.g. the cost breakdown)."""
    plot_label: str = ""
    """Axis label in sweep plots (default: ``label``)."""
    queue_only: bool = False
    """Computed only for the queue-only scenario."""
    censored: bool = False
    """A quantile of a Kaplan-Meier estimate, or a ratio of two: +inf where not reached
    (too few complaints resolved), and +inf in a summary over replications if it is in
    any of them (no paired difference then)."""
    queues: tuple[str, ...] = ()
    """Pools whose queue this KPI measures the wait of: where one of them grows without
    bound the value depends on how long the run drains, so tables show the queue's
    growth a week instead (``unstable_<pool>``, ``backlog_growth_per_week_<pool>``)."""
    direction: Direction = "lower"
    """Which way is better, for rankings, optimisation and the report's verdicts."""
    target: float = 0.0
    """The value that is best, for a KPI better the closer it is to it."""
    doc: str = ""
    """Its definition: the row of docs/metrics.md."""
    reads: tuple[str, ...] = ()
    """Reductions a formula written as a function reads (the declared formulas say so
    themselves)."""
    counters: tuple[str, ...] = ()
    """Run-level counters a formula written as a function reads."""
    theme: str = ""
    """The theme module that declares it (set when the registry is assembled)."""

    def distance(self, values: Any) -> Any:
        """``values`` (a number, array or table of this KPI) as a score where lower is
        better: itself, its negative, or its distance to ``target``."""
        if self.direction == "higher":
            return -values
        if self.direction == "closer":
            return abs(values - self.target)
        return values

    @property
    def better(self) -> str:
        """Which way is better, in words (docs/metrics.md)."""
        if self.direction == "closer":
            return f"closer to {self.target:g}"
        return {"none": "not ranked"}.get(self.direction, self.direction)

    @property
    def reductions_read(self) -> tuple[str, ...]:
        """Every reduction the KPI reads."""
        return (*self.reads, *getattr(self.compute, "reads", ()))

    @property
    def counters_read(self) -> tuple[str, ...]:
        """Every run-level counter the KPI reads."""
        return (*self.counters, *getattr(self.compute, "counters", ()))


@dataclass(frozen=True)
class Family:
    """Several KPIs made when the registry is read (e.g. one per staff pool or per
    escalation channel of the channel registry, so that a new pool or channel gets its
    KPIs without another entry). ``rows`` documents them as docs/metrics.md shows them:
    (pattern, definition) pairs such as ``("occupancy_<pool>", "...")``."""

    make: Callable[[], Iterable[Kpi]]
    rows: tuple[tuple[str, str], ...] = ()
    theme: str = ""


@dataclass(frozen=True)
class Theme:
    """A theme module's heading in docs/metrics.md, with the text before and after its
    table."""

    name: str
    title: str
    intro: str = ""
    outro: str = ""


__all__ = [
    "ANY",
    "GAP",
    "INF",
    "NONNEG",
    "SHARE",
    "Compute",
    "CounterValue",
    "Direction",
    "Family",
    "Kpi",
    "PerComplaint",
    "Share",
    "Theme",
    "Total",
    "ratio",
]
