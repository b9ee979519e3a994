"""The KPI registry: every KPI of a run, in ``kpis.csv`` column order, assembled from the
theme modules of :mod:`escalationsim.analysis.outcomes` that declare them.

A new KPI is one :class:`Kpi` declaration (or a :class:`Family` of them, e.g. one per
staff pool or per escalation channel) in a theme module, or one :func:`register` call
from a plugin: it then appears in ``kpis.csv``, ``summary.csv``, the paired differences,
docs/metrics.md (generated), and in every table or plot its ``views`` name; rankings,
optimisation and the robustness study read its ``direction``. :func:`check_declarations`
refuses, before a run starts, a name declared twice and a KPI that reads a reduction or
a counter no one declares.

Views: ``headline`` (the KPI table printed after a run and in ``headline.md``),
``paired`` (the differences shown in the report), ``cost_parts`` (the stacked cost
breakdown plot), ``sweep`` (KPIs plotted against a swept parameter). Each view lists its
KPIs by rank (the value in ``views``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from escalationsim.analysis import reductions
from escalationsim.analysis.costs import hourly_costs
from escalationsim.analysis.fairness import median_ratio
from escalationsim.analysis.mser import Stationarity, cycle_batch, stationarity
from escalationsim.analysis.outcomes import (
    claims,
    cost,
    escalation,
    fairness,
    operations,
    queue,
    service,
)
from escalationsim.analysis.outcomes.base import (
    ANY,
    GAP,
    INF,
    NONNEG,
    SHARE,
    Compute,
    CounterValue,
    Family,
    Kpi,
    PerComplaint,
    Share,
    Theme,
    Total,
    ratio,
)
from escalationsim.analysis.outcomes.operations import growth_per_week, queue_stable
from escalationsim.analysis.stats import ComplaintStats, Group
from escalationsim.config.fields import did_you_mean
from escalationsim.config.scenario import ScenarioConfig, StaffBasis
from escalationsim.engine import channels
from escalationsim.engine import counters as run_counters
from escalationsim.engine.staff import POOLS, WORK_POOLS

if TYPE_CHECKING:
    from types import ModuleType

    from escalationsim.engine.model import RunResult

MIN_GROUP = 30
"""Smallest first-channel group that enters the channel TTR ratio."""


def channel_fairness(groups: Mapping[int, Group]) -> tuple[float, float]:
    """Largest over smallest median TTR across first channels (Kaplan-Meier medians over
    every complaint, the unresolved censored: +inf when a channel's median is not
    reached), and largest minus smallest resolution rate (channels with at least
    MIN_GROUP complaints)."""
    medians, rates = [], []
    for g in groups.values():
        if g.count < MIN_GROUP:
            continue
        rates.append(g.resolved / g.count)
        medians.append(g.survival.quantile(0.5))
    r = median_ratio(max(medians), min(medians)) if len(medians) >= 2 else math.nan
    gap = float(max(rates) - min(rates)) if len(rates) >= 2 else math.nan
    return r, gap


@dataclass
class KpiInputs:
    """What a run's KPIs are computed from, with the intermediate figures several KPIs
    share computed once."""

    result: RunResult
    scenario: ScenarioConfig
    stats: ComplaintStats
    queue_only: bool = False
    daily: pd.DataFrame | None = None
    """The run's daily series (analysis.metrics.daily_series), if known."""

    READS = (
        "hours_backoffice",
        "compensation",
        "cost_churn",
        "cost_publicity",
        "penalty",
        "cost_ombudsman",
    )
    """Reductions the shared figures below read (checked like a KPI's)."""
    COUNTERS = ("fix_cost",)
    """Counters they read."""

    @property
    def n(self) -> int:
        """Complaints measured."""
        return self.stats.n

    @property
    def sums(self) -> dict[str, float]:
        """Totals over the measured complaints (:func:`~.stats.column_sums`)."""
        return self.stats.sums

    @cached_property
    def rates(self) -> dict[str, float]:
        return hourly_costs(self.scenario)

    @cached_property
    def staff(self) -> dict[str, float]:
        """Staff cost (USD over the window): ``busy`` (the pools' busy hours inside the
        window, whichever complaint they went to, plus the back office's hours for the
        measured complaints, which it is paid by the task), ``paid`` (every paid hour of
        the pools in the window: their scheduled hours over one less their shrinkage, plus
        the back office), ``shrinkage`` (paid hours not scheduled: breaks, training,
        leave), ``idle`` (scheduled hours not busy) and ``charged`` (the one
        ``costs.staff_basis`` puts in the total). Hours in
        the window, not the hours spent on the measured complaints: a queue that never
        reaches the window's complaints (a CEO's inbox working through the warm-up's
        backlog) still costs the hours its staff work."""
        result = self.result
        staff = self.scenario.staff
        pools_busy = sum(result.busy_h[p] * self.rates[p] for p in WORK_POOLS)
        logged = sum(result.paid_h[p] * self.rates[p] for p in WORK_POOLS)
        # paid hours are the scheduled (logged-in) ones over 1 - shrinkage
        pools_paid = sum(
            result.paid_h[p] * self.rates[p] / (1.0 - getattr(staff, p).shrinkage)
            for p in WORK_POOLS
        )
        bo = self.scenario.backoffice
        backoffice = self.sums["hours_backoffice"] * bo.hourly_cost_usd if bo.enabled else 0.0
        busy, paid = pools_busy + backoffice, pools_paid + backoffice
        basis_paid = self.scenario.costs.staff_basis == StaffBasis.paid
        return {
            "busy": busy,
            "pools_paid": pools_paid,
            "backoffice": backoffice,
            "paid": paid,
            "shrinkage": pools_paid - logged,
            "idle": logged + backoffice - busy,
            "charged": paid if basis_paid else busy,
        }

    @cached_property
    def costs(self) -> dict[str, float]:
        """The parts of the total cost (USD over the window)."""
        s = self.sums
        return {
            "cost_staff": self.staff["charged"],
            # the CEO's hours inside the window, whichever letter they went to
            "cost_ceo": self.result.busy_h["ceo"] * self.rates["ceo"],
            "cost_compensation": s["compensation"],
            "cost_churn": s["cost_churn"],
            "cost_publicity": s["cost_publicity"],
            "cost_penalty": s["penalty"],
            "cost_ombudsman": s["cost_ombudsman"],
            "cost_fix": CounterValue("fix_cost")(self, {}),
        }

    @cached_property
    def queues(self) -> tuple[bool, list[str], dict[str, float]]:
        """All queues stable?, the unstable ones, and each one's backlog growth."""
        unstable, growth = [], {}
        for pool in POOLS:
            ok, g = queue_stable(self.result.backlog[pool], self.result.inflow[pool])
            growth[pool] = g
            if not ok:
                unstable.append(pool)
        return not unstable, unstable, growth

    @cached_property
    def stationarity(self) -> Stationarity | None:
        """MSER on the window's daily series: complaints, their cost and every queue's
        length (analysis.mser; batches of a week under a weekly profile)."""
        if self.daily is None or self.daily.empty:
            return None
        cols = ["complaints", "cost", *(c for c in self.daily.columns if c.startswith("queue_"))]
        series = {c: self.daily[c].to_numpy(dtype=float) for c in cols if c in self.daily}
        arrivals = self.scenario.arrivals
        weekly = len(arrivals.weekly_profile) > 0 and len(set(arrivals.weekly_profile)) > 1
        return stationarity(series, 24.0, cycle_batch(weekly, False, 24.0))

    @cached_property
    def by_channel(self) -> tuple[float, float]:
        return channel_fairness(self.stats.channels)

    @property
    def window_h(self) -> float:
        lo, hi = self.result.window_h
        return hi - lo


def themed(theme: ModuleType, *entries: Kpi | Family) -> list[Kpi | Family]:
    """``entries`` of a theme module, tagged with its theme's name."""
    name = theme.THEME.name
    return [replace(e, theme=name) for e in entries]


THEMES: tuple[ModuleType, ...] = (cost, service, escalation, claims, operations, fairness, queue)
"""The theme modules, in the order docs/metrics.md shows them."""

REGISTRY: list[Kpi | Family] = [
    *themed(operations, *operations.VOLUME),
    *themed(cost, *cost.TOTALS, *cost.PARTS),
    *themed(service, *service.RESOLUTION),
    *themed(escalation, *escalation.RATES),
    *themed(service, *service.SPEED),
    *themed(claims, *claims.CLAIMS),
    *themed(escalation, *escalation.INBOX),
    *themed(service, *service.FOLLOW_UP),
    *themed(escalation, *escalation.MEMORY),
    *themed(service, *service.SOCIAL),
    *themed(cost, *cost.PER_CONTACT),
    *themed(escalation, *escalation.DEADLINE, *escalation.PUBLICITY),
    *themed(operations, *operations.LOAD),
    *themed(cost, *cost.PHONE_CONTACT),
    *themed(operations, *operations.STABILITY),
    *themed(cost, *cost.CAPACITY),
    *themed(operations, *operations.QUEUES),
    *themed(fairness, *fairness.FAIRNESS),
    *themed(service, *service.AUDIT_AND_CHURN),
    *themed(queue, *queue.QUEUE),
]
"""Every KPI in ``kpis.csv`` order (after ``policy`` and ``replication``): the order of
the file's columns is a contract with its readers, so it is spelt out here, slice by
slice of the theme modules that declare them."""


VIEWS = ("headline", "paired", "cost_parts", "sweep")
"""The tables and plots a KPI may appear in."""


def _check_entry(k: Kpi) -> None:
    """A KPI's declaration, checked when it is registered: its direction, views, format
    and the reductions it reads (its counters are checked with the job)."""
    if k.direction not in ("lower", "higher", "closer", "none"):
        raise ValueError(
            f"KPI {k.name!r}: direction = {k.direction!r} is not allowed: must be one of "
            "'lower', 'higher', 'closer' (with target) or 'none'"
        )
    unknown = [v for v in k.views if v not in VIEWS]
    if unknown:
        raise ValueError(f"KPI {k.name!r}: views {unknown} unknown: must be among {list(VIEWS)}")
    try:
        k.fmt.format(1.5)
    except (ValueError, IndexError, KeyError) as err:
        raise ValueError(f"KPI {k.name!r}: fmt = {k.fmt!r} cannot format a number: {err}") from None
    declared = reductions.reductions()
    for name in k.reductions_read:
        if name not in declared:
            raise ValueError(
                f"KPI {k.name!r} reads reduction {name!r}, which is not declared"
                f"{did_you_mean(name, declared)}"
            )


def register(entry: Kpi | Family) -> Kpi | Family:
    """Add a KPI (or a family) after the project's own, e.g. from a plugin, checked: a
    name already declared, an unknown direction, view or format, or a reduction no one
    declares is a ValueError naming it, and nothing is registered. To register a KPI
    again (a notebook cell run twice), :func:`unregister` it first."""
    for k in _expand(entry):
        _check_entry(k)
    REGISTRY.append(entry)
    try:
        kpis()
    except ValueError:
        REGISTRY.pop()
        raise
    return entry


def unregister(name: str) -> None:
    """Remove the registered KPI (or the family making the KPI) ``name``; a KeyError if
    there is none."""
    for i, entry in enumerate(REGISTRY):
        if name in {k.name for k in _expand(entry)}:
            del REGISTRY[i]
            return
    raise KeyError(f"no KPI {name!r} is registered")


@contextmanager
def registered(*entries: Kpi | Family) -> Iterator[None]:
    """Register KPIs (or families) for the duration of a ``with`` block (for tests and
    notebooks: a plugin registers its own once, at import)."""
    done: list[Kpi | Family] = []
    try:
        for entry in entries:
            done.append(register(entry))
        yield
    finally:
        for entry in reversed(done):
            unregister(_expand(entry)[0].name)


def _expand(entry: Kpi | Family) -> list[Kpi]:
    if isinstance(entry, Family):
        return [replace(k, theme=k.theme or entry.theme) for k in entry.make()]
    return [entry]


_EXPANDED: list[Any] = [(), (), ()]
"""The last expansion: the entries it was made from (held, so compared by identity),
the channel registry's names and the KPIs. Summaries ask for the registry once per KPI
column, so it is built once, not hundreds of times a run."""


def kpis() -> list[Kpi]:
    """The registry with every family expanded, in order; a name declared twice (a
    plugin's KPI named like one of ours would silently replace it in every table) raises
    a ValueError naming it."""
    entries, names, cached = _EXPANDED
    current = channels.names()
    if (
        len(entries) == len(REGISTRY)
        and names == current
        and all(a is b for a, b in zip(entries, REGISTRY, strict=True))
    ):
        return list(cached)
    out: list[Kpi] = []
    for entry in REGISTRY:
        out.extend(_expand(entry))
    if len({k.name for k in out}) < len(out):
        seen: set[str] = set()
        twice = sorted({k.name for k in out if k.name in seen or seen.add(k.name)})
        raise ValueError(f"KPI name(s) declared twice in analysis.kpis.REGISTRY: {twice}")
    _EXPANDED[:] = [tuple(REGISTRY), current, tuple(out)]
    return out


def check_declarations() -> None:
    """Refuse, before anything runs, a KPI that reads a reduction or a run-level counter
    no one declares (it would stop the run at its end with a KeyError, or before the
    counters were declared read as 0): a ValueError naming the KPI and the name, with the
    declared name probably meant. Counters are declared by the engine's mechanisms and
    the policy's levers, so call this once the policy layer is imported."""
    declared = reductions.reductions()
    counters = run_counters.declared()
    problems = []
    readers: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        ("analysis.kpis.KpiInputs", KpiInputs.READS, KpiInputs.COUNTERS),
        *((f"KPI {k.name!r}", k.reductions_read, k.counters_read) for k in kpis()),
    ]
    for who, reads, counts in readers:
        for name in reads:
            if name not in declared:
                problems.append(
                    f"{who} reads reduction {name!r}, which is not declared"
                    f"{did_you_mean(name, declared)}"
                )
        for name in counts:
            if name not in counters:
                problems.append(
                    f"{who} reads counter {name!r}, which is not declared"
                    f"{did_you_mean(name, counters)}"
                )
    if problems:
        raise ValueError("; ".join(problems))


def by_name() -> dict[str, Kpi]:
    """The expanded registry by KPI name."""
    return {k.name: k for k in kpis()}


def view(name: str) -> list[Kpi]:
    """The KPIs a table or plot shows, in its order."""
    shown = [k for k in kpis() if name in k.views]
    return sorted(shown, key=lambda k: k.views[name])


def bounds(name: str) -> tuple[float, float]:
    """The range KPI ``name`` cannot leave ((-inf, inf) for a name not in the registry)."""
    k = by_name().get(name)
    return k.bounds if k else ANY


def compute(inputs: KpiInputs) -> dict[str, Any]:
    """One row of KPIs for a run: ``policy``, ``replication``, then every KPI."""
    row: dict[str, Any] = {"policy": inputs.result.policy, "replication": inputs.result.replication}
    for k in kpis():
        if k.queue_only and not inputs.queue_only:
            continue
        row[k.name] = k.compute(inputs, row)
    return row


__all__ = [
    "ANY",
    "GAP",
    "INF",
    "MIN_GROUP",
    "NONNEG",
    "REGISTRY",
    "SHARE",
    "THEMES",
    "Compute",
    "CounterValue",
    "Family",
    "Kpi",
    "KpiInputs",
    "PerComplaint",
    "Share",
    "Theme",
    "Total",
    "by_name",
    "bounds",
    "channel_fairness",
    "check_declarations",
    "compute",
    "growth_per_week",
    "kpis",
    "queue_stable",
    "ratio",
    "register",
    "registered",
    "unregister",
    "view",
]
