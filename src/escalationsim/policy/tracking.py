"""Ticket tracking: which channels open a ticket (an audit trail). Channels marked
``always_tracked`` in the channel registry (phone, email) always do; the others (social,
the CEO inbox) only if ``all_channels``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalationsim.engine.levers import Lever
from escalationsim.policy.registry import lever

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.channels.registry import Channel


@dataclass
class Tickets:
    """Tickets on the always-tracked channels, or on every channel."""

    mode: str = "tickets"
    all_channels: bool = False


@lever("tracking", "tickets", Tickets)
class Tracking(Lever):
    """Whether a channel keeps tickets under this policy."""

    def __init__(self, cfg: Tickets, scenario: ScenarioConfig) -> None:
        self.all_channels = cfg.all_channels

    def tracks(self, channel: type[Channel]) -> bool:
        return self.all_channels or channel.always_tracked
