"""escalationsim: simulate customer-complaint escalation and compare complaint policies.

From Python (docs/api.md)::

    from escalationsim import compose, simulate
    cfg = compose(["run.replications=3", "scenario.volume_per_day=1000"])
    results = simulate(cfg)          # results.kpis, results.summary, results.complaints

and the studies the command line runs as sweeps: :func:`compare`, :func:`sweep`,
:func:`robustness` (with :func:`uncertainties`, the shipped sets) and :func:`optimise`.

``compose`` reads the packaged Hydra configs; a :class:`SimConfig` can also be built by
hand from the dataclasses in :mod:`escalationsim.config` (the scenario),
:mod:`escalationsim.policy` (the levers) and :mod:`escalationsim.experiment` (the run).
The package's layers, from the bottom: ``kernel``, ``config``, ``engine``, ``policy``,
``analysis``, ``experiment``, ``app`` (docs/architecture.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from escalationsim.config.fields import ConfigError
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.experiment import Results, RunConfig, SimConfig, simulate, validate
from escalationsim.policy import PolicyConfig

if TYPE_CHECKING:
    from escalationsim.app.schema import AppConfig
    from escalationsim.experiment.optimize import Lever, OptimizeConfig
    from escalationsim.experiment.parameter import Parameter
    from escalationsim.experiment.studies import (
        RobustnessStudy,
        Screen,
        compare,
        optimise,
        robustness,
        screen,
        sweep,
        with_values,
    )
    from escalationsim.experiment.uncertainty import RobustnessConfig, Uncertainty

_LAZY = {
    "Lever": "escalationsim.experiment.optimize",
    "OptimizeConfig": "escalationsim.experiment.optimize",
    "Parameter": "escalationsim.experiment.parameter",
    "RobustnessStudy": "escalationsim.experiment.studies",
    "compare": "escalationsim.experiment.studies",
    "optimise": "escalationsim.experiment.studies",
    "robustness": "escalationsim.experiment.studies",
    "screen": "escalationsim.experiment.studies",
    "Screen": "escalationsim.experiment.studies",
    "sweep": "escalationsim.experiment.studies",
    "with_values": "escalationsim.experiment.studies",
    "RobustnessConfig": "escalationsim.experiment.uncertainty",
    "Uncertainty": "escalationsim.experiment.uncertainty",
}
"""The study API, imported when first used: ``import escalationsim`` (every worker
process does it) stays as light as the simulation needs (scipy.stats, Optuna and
scikit-learn load only for a study)."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'escalationsim' has no attribute {name!r}")


def compose(overrides: list[str] | None = None) -> SimConfig:
    """The packaged default job with Hydra-style overrides (e.g. ``run.seed=7``)."""
    from escalationsim.app.cli import compose as _compose

    return _compose(overrides)


def compose_job(overrides: list[str] | None = None) -> tuple[SimConfig, AppConfig]:
    """The packaged job with overrides, and the app's settings beside it: the shipped
    uncertainties (``uncertainty=...``), robustness study and optimisation
    (``experiment=optimize``), e.g. ``compose_job(["experiment=optimize"])[1].optimize``."""
    from escalationsim.app.cli import compose_job as _compose_job

    return _compose_job(overrides)


def uncertainties(name: str = "default") -> dict[str, Uncertainty]:
    """A shipped set of uncertainties, ``conf/uncertainty/<name>.yaml``, by name: the
    worlds a robustness study samples; a name not shipped is a ConfigError listing
    those that are."""
    from importlib.resources import files

    from escalationsim.app.cli import compose_job

    shipped = sorted(
        p.name.removesuffix(".yaml")
        for p in files("escalationsim.conf").joinpath("uncertainty").iterdir()
        if p.name.endswith(".yaml")
    )
    if name not in shipped:
        raise ConfigError(f"uncertainties({name!r}): no such set: the shipped ones are {shipped}")
    return dict(compose_job([f"uncertainty={name}"])[1].uncertainty)


__all__ = [
    "ConfigError",
    "Lever",
    "OptimizeConfig",
    "Parameter",
    "PolicyConfig",
    "Results",
    "RobustnessConfig",
    "RobustnessStudy",
    "RunConfig",
    "ScenarioConfig",
    "Screen",
    "SimConfig",
    "Uncertainty",
    "compare",
    "compose",
    "compose_job",
    "optimise",
    "robustness",
    "screen",
    "simulate",
    "sweep",
    "uncertainties",
    "validate",
    "with_values",
]
__version__ = "0.1.0"
