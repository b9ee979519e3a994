"""Uncertainties and the scenarios of a robustness study: which parameters of the world
are uncertain (a range and a distribution each, with its source), and the points a study
samples from them.

Uncertainties (X) are kept apart from levers (L), as in EMA Workbench's XLRM framing:
the policies are the levers a company chooses; an uncertainty is a fact about the world
it does not know (what a customer is worth, how many claims are weak, how patient
callers are). A study runs every policy on each sampled world with common random
numbers, so that the policies are compared on the same customers in every world.

The points are a Latin hypercube or a scrambled Sobol sequence from
:mod:`scipy.stats.qmc` (well tested, seedable, and with the discrepancy measures to check
a design), drawn from the study's own :class:`numpy.random.SeedSequence`: the run's seed
with a spawn key no replication uses, so that the scenarios are reproducible from
``run.seed`` and independent of the replications' streams. The same declaration, number
of scenarios and seed always give the same points, whichever job asks for one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import pandas as pd
from scipy.stats import qmc

from escalationsim.config.fields import (
    ConfigError,
    check,
    int_in,
    int_min,
    one_of,
    param,
    validate_tree,
)
from escalationsim.experiment.parameter import (
    Parameter,
)
from escalationsim.kernel import libm

STUDY_SPAWN_KEY = 2**31 - 1
"""The spawn key of the study's seed sequence under ``run.seed``: replication ``r`` uses
``(r,)``, and no run has 2^31 - 1 replications (``run.limits.max_replications``)."""


class Dist(str, Enum):
    """How an uncertain parameter is spread over its range."""

    uniform = "uniform"
    log_uniform = "log_uniform"  # uniform in the logarithm: for a scale (values, rates)
    integer = "integer"  # a whole number, each of low..high equally likely


class Sampler(str, Enum):
    """The design the scenarios are drawn from (both space-filling)."""

    lhs = "lhs"  # Latin hypercube (McKay, Beckman & Conover 1979): any number of points
    sobol = "sobol"  # scrambled Sobol' sequence (Owen 1998): a power of two of points


@dataclass
class Uncertainty(Parameter):
    """One uncertain parameter (a :class:`~.parameter.Parameter`: the configuration
    key(s) it sets, several keys taking the same value, e.g. a word-of-mouth strength in
    two policies, and its range), with its spread and where the range comes from
    ("assumption" if nowhere)."""

    dist: Dist = param(Dist.uniform, one_of(Dist))
    source: str = ""
    label: str = ""
    """Words for the report (e.g. "median customer value"); the name if empty."""
    unit: str = ""

    @property
    def log_scale(self) -> bool:
        return self.dist == Dist.log_uniform

    @property
    def whole(self) -> bool:
        return self.dist == Dist.integer

    @property
    def spread(self) -> str:
        return f"dist {Dist(self.dist).value}"

    def check_rules(self, prefix: str) -> None:
        super().check_rules(prefix)
        check(
            f"{prefix}.source",
            self.source,
            bool(self.source.strip()),
            'a source, or "assumption" and why (every uncertainty says where its range comes from)',
        )

    def scale(self, u: np.ndarray) -> np.ndarray:
        """Points of the unit interval mapped onto the parameter's range."""
        if self.dist == Dist.log_uniform:
            return libm.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        if self.dist == Dist.integer:
            n = int(self.high) - int(self.low) + 1
            return int(self.low) + np.minimum(np.floor(u * n), n - 1)
        return self.low + u * (self.high - self.low)

    def describe(self, name: str) -> str:
        """The parameter's words for the report."""
        return self.label or name.replace("_", " ")


@dataclass
class RobustnessConfig:
    """A robustness study (``experiment=robustness``): ``scenarios`` worlds sampled from
    the uncertainties with ``sampler``; each job of the sweep runs one of them, the one
    numbered ``scenario`` (-1: not a job of a study)."""

    scenarios: int = param(16, int_in(2, 1_000_000))
    sampler: Sampler = param(Sampler.lhs, one_of(Sampler))
    scenario: int = param(-1, int_min(-1))
    cost_kpi: str = "cost_per_complaint"
    """The KPI the study ranks policies on and computes regret for."""
    fairness_kpis: list[str] = field(
        default_factory=lambda: ["gini_ttr", "follower_resolution_gap", "channel_resolution_gap"]
    )
    """Fairness measures each policy may be best on (fairer as each KPI's declared
    direction says: a gap closer to 0, a ratio closer to 1, an index lower)."""

    def check_rules(self, prefix: str) -> None:
        if self.sampler == Sampler.sobol:
            n = self.scenarios
            check(
                f"{prefix}.scenarios",
                n,
                n & (n - 1) == 0,
                "a power of two for sampler sobol (its balance holds for 2^m points); "
                "sampler lhs takes any number",
            )
        check(
            f"{prefix}.scenario",
            self.scenario,
            self.scenario < self.scenarios,
            f"-1 (no study) or a scenario number below robustness.scenarios ({self.scenarios})",
        )


def validate(uncertainties: Mapping[str, Uncertainty], study: RobustnessConfig) -> None:
    """Every uncertainty and the study's settings in range; at least one uncertainty for
    a study job. A ConfigError naming the key otherwise."""
    validate_tree(study, "robustness")
    for name, u in uncertainties.items():
        validate_tree(u, f"uncertainty.{name}")
    seen: dict[str, str] = {}
    for name, u in uncertainties.items():
        for key in u.keys:
            if key in seen:
                raise ConfigError(
                    f"uncertainty.{name}.keys: {key} is already set by uncertainty."
                    f"{seen[key]}: each key may be uncertain once"
                )
            seen[key] = name
    if study.scenario >= 0 and not uncertainties:
        raise ConfigError(
            "uncertainty is empty: a robustness study needs at least one uncertain "
            "parameter (e.g. uncertainty=default)"
        )


def study_rng(seed: int) -> np.random.Generator:
    """The study's own generator under the run's seed (:data:`STUDY_SPAWN_KEY`)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STUDY_SPAWN_KEY,)))


def sample(
    uncertainties: Mapping[str, Uncertainty], n: int, seed: int, sampler: Sampler = Sampler.lhs
) -> pd.DataFrame:
    """``n`` scenarios: one row each (index ``scenario``), one column per uncertainty
    (in declaration order), every value inside its declared range."""
    names = list(uncertainties)
    rng = study_rng(seed)
    if sampler == Sampler.sobol:
        unit = qmc.Sobol(d=len(names), scramble=True, rng=rng).random(n)
    else:
        unit = qmc.LatinHypercube(d=len(names), rng=rng).random(n)
    table = pd.DataFrame(
        {name: uncertainties[name].scale(unit[:, j]) for j, name in enumerate(names)}
    )
    table.index.name = "scenario"
    return table


def point(
    uncertainties: Mapping[str, Uncertainty], study: RobustnessConfig, seed: int
) -> dict[str, float]:
    """The values of scenario ``study.scenario`` (by uncertainty name)."""
    row = sample(uncertainties, study.scenarios, seed, study.sampler).iloc[study.scenario]
    return {name: float(v) for name, v in row.items()}
