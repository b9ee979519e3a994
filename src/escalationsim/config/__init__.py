"""Typed configuration of the world: the scenario (and the queue-only scenario used for
validation), with each field's allowed range declared beside it, and the one validator
that walks any config (:mod:`.fields`). Policies' lever configs live beside their levers
in :mod:`escalationsim.policy`; a whole job (:class:`~escalationsim.experiment.job.SimConfig`)
in :mod:`escalationsim.experiment.job`.
"""

from escalationsim.config.fields import ConfigError, validate_tree
from escalationsim.config.queue_only import QueueOnlyScenario, to_scenario
from escalationsim.config.scenario import ScenarioConfig

__all__ = ["ConfigError", "QueueOnlyScenario", "ScenarioConfig", "to_scenario", "validate_tree"]
