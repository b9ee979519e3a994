"""A whole job: the scenario, the policies defined, and the run settings (which policies
to compare, for how long, how often, from which seed), with the one check of the whole
job that runs before anything is simulated."""

from __future__ import annotations

from dataclasses import dataclass, field

from escalationsim.config.fields import (
    NONNEG,
    POSITIVE,
    ConfigError,
    check,
    int_min,
    is_num,
    param,
    validate_tree,
)
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.policy.policy import PolicyConfig, validate_policy


@dataclass
class RunConfig:
    """Which policies to compare, for how long, how often, from which seed."""

    policies: list[str] = field(
        default_factory=lambda: ["rigid_script", "empowered_rep", "ceo_responds"]
    )
    replications: int = param(5, int_min(1))
    horizon_days: float = param(60.0, POSITIVE)
    warmup_days: float = param(10.0, NONNEG)
    drain_days: float = param(30.0, NONNEG)
    seed: int = param(12345, int_min(0))
    workers: int = param(1, int_min(1))
    records: bool = True

    def check_rules(self, prefix: str) -> None:
        check(
            f"{prefix}.warmup_days",
            self.warmup_days,
            is_num(self.warmup_days)
            and is_num(self.horizon_days)
            and self.warmup_days < self.horizon_days,
            f"< {prefix}.horizon_days ({self.horizon_days})",
        )
        check(
            f"{prefix}.policies",
            self.policies,
            len(self.policies) >= 1,
            "a non-empty list of policy names",
        )
        check(
            f"{prefix}.policies",
            self.policies,
            len(set(self.policies)) == len(self.policies),
            "a list without repeated names",
        )


def validate_run(r: RunConfig, available: list[str] | None = None) -> None:
    """Raise ConfigError for bad run settings or a policy name that is not defined."""
    validate_tree(r, "run")
    if available is not None:
        for i, name in enumerate(r.policies):
            check(f"run.policies[{i}]", name, name in available, f"one of {sorted(available)}")


@dataclass
class SimConfig:
    """A complete job: the scenario, the policies defined, and the run settings.

    ``policies`` maps a name to its levers; ``run.policies`` picks which of them to run.
    """

    scenario: ScenarioConfig | QueueOnlyScenario = field(default_factory=ScenarioConfig)
    policies: dict[str, PolicyConfig] = field(default_factory=dict)
    run: RunConfig = field(default_factory=RunConfig)


MAX_COMPLAINTS_PER_RUN = 20_000_000
"""Upper bound on expected complaints per replication (memory: about 200 bytes each)."""


def validate(cfg: SimConfig) -> None:
    """Check the whole job before anything runs; raise ConfigError naming the key."""
    validate_run(cfg.run, list(cfg.policies))
    if not isinstance(cfg.scenario, ScenarioConfig | QueueOnlyScenario):
        raise ConfigError(
            f"scenario is a {type(cfg.scenario).__name__}: must be a ScenarioConfig or a "
            "QueueOnlyScenario"
        )
    validate_tree(cfg.scenario, "scenario")
    expected = cfg.scenario.expected_per_day() * cfg.run.horizon_days
    check(
        "scenario.volume_per_day x run.horizon_days",
        round(expected),
        expected <= MAX_COMPLAINTS_PER_RUN,
        f"at most {MAX_COMPLAINTS_PER_RUN:,} complaints per replication",
    )
    for name in cfg.run.policies:
        validate_policy(cfg.policies[name], f"policies.{name}")
