"""escalationsim: simulate customer-complaint escalation and compare complaint policies.

From Python::

    from escalationsim import compose, simulate
    cfg = compose(["run.replications=3", "scenario.volume_per_day=1000"])
    results = simulate(cfg)          # results.kpis, results.summary, results.complaints

``compose`` reads the packaged Hydra configs; a :class:`SimConfig` can also be built by
hand from the dataclasses in :mod:`escalationsim.config` (the scenario),
:mod:`escalationsim.policy` (the levers) and :mod:`escalationsim.experiment` (the run).
The package's layers, from the bottom: ``kernel``, ``config``, ``engine``, ``policy``,
``analysis``, ``experiment``, ``app`` (docs/architecture.md).
"""

from escalationsim.config.fields import ConfigError
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.experiment import Results, RunConfig, SimConfig, simulate, validate
from escalationsim.policy import PolicyConfig


def compose(overrides: list[str] | None = None) -> SimConfig:
    """The packaged default job with Hydra-style overrides (e.g. ``run.seed=7``)."""
    from escalationsim.app.cli import compose as _compose

    return _compose(overrides)


__all__ = [
    "ConfigError",
    "PolicyConfig",
    "Results",
    "RunConfig",
    "ScenarioConfig",
    "SimConfig",
    "compose",
    "simulate",
    "validate",
]
__version__ = "0.1.0"
