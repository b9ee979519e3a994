"""A complaint policy: its config (one lever config per slot) and the policy object
built from it for a run (one lever object per slot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from escalationsim.config.fields import ConfigError, validate_tree
from escalationsim.policy import registry
from escalationsim.policy.ceo import OfficeCeo
from escalationsim.policy.floodgates import WordOfMouth
from escalationsim.policy.rep import ScriptRep
from escalationsim.policy.root_cause import TopCause
from escalationsim.policy.social import InfluenceSocial
from escalationsim.policy.tracking import Tickets

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.channels.registry import Channel


@dataclass
class PolicyConfig:
    """A complaint policy: a composition of levers, one config per slot of
    :data:`~escalationsim.policy.registry.SLOTS`; each is the config dataclass of one of
    the slot's registered modes (e.g. ``rep=EmpoweredRep(budget_usd=500)``). Every
    dataclass's defaults are those of its ``conf/policy/<slot>/<mode>.yaml`` (tested), so
    ``PolicyConfig()`` is the base policy, ``rigid_script``."""

    name: str = "custom"
    rep: Any = field(default_factory=ScriptRep)
    social: Any = field(default_factory=InfluenceSocial)
    ceo: Any = field(default_factory=OfficeCeo)
    floodgates: Any = field(default_factory=WordOfMouth)
    tracking: Any = field(default_factory=Tickets)
    root_cause: Any = field(default_factory=TopCause)


def validate_policy(p: PolicyConfig, prefix: str) -> None:
    """Raise ConfigError if a lever's mode is not registered or a value is out of range."""
    for slot in registry.SLOTS:
        cfg = getattr(p, slot)
        mode = getattr(cfg, "mode", None)
        known = registry.modes(slot)
        if mode not in known:
            raise ConfigError(
                f"{prefix}.{slot}.mode = {mode!r} is not allowed: must be one of {sorted(known)}"
            )
        if not isinstance(cfg, known[mode].config):
            raise ConfigError(
                f"{prefix}.{slot} = {type(cfg).__name__}(mode={mode!r}) is not allowed: "
                f"must be a {known[mode].config.__name__} for mode {mode!r}"
            )
        validate_tree(cfg, f"{prefix}.{slot}")


class Policy:
    """A policy ready to run: one lever object per slot (``policy.rep``,
    ``policy.social``, ...), built fresh for each run (some levers keep state)."""

    def __init__(self, name: str, levers: dict[str, Any]) -> None:
        self.name = name
        self._levers = levers
        for slot, obj in levers.items():
            setattr(self, slot, obj)

    def levers(self) -> list[Any]:
        """Every lever object, in slot order."""
        return list(self._levers.values())

    def tracks(self, channel: type[Channel]) -> bool:
        """Whether tickets are kept on ``channel``."""
        return self._levers["tracking"].tracks(channel)


def build_policy(cfg: PolicyConfig, scenario: ScenarioConfig) -> Policy:
    """Lever objects for one run of the policy ``cfg`` in ``scenario``."""
    return Policy(
        cfg.name,
        {slot: registry.build(slot, getattr(cfg, slot), scenario) for slot in registry.SLOTS},
    )
