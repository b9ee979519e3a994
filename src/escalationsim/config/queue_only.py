"""The queue-only scenario: the full engine configured down to one M/M/c(+M) queue.

One phone channel, one pool of identical servers, first in first out, exponential
service, optional exponential patience, no escalation, no churn, no publicity. It exists
to check the engine against Erlang C and Erlang A (:mod:`escalationsim.analysis.analytic`):
the very same code paths that run the policy comparisons run here, only with every other
feature switched off by configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from escalationsim.config.fields import POSITIVE, int_in, optional, param, positive_at_most
from escalationsim.config.scenario import (
    BehaviourConfig,
    ChannelsConfig,
    ChurnConfig,
    Dist,
    HandleTime,
    HandleTimesConfig,
    PhoneConfig,
    PoolConfig,
    PopulationConfig,
    ScenarioConfig,
    StaffConfig,
)


@dataclass
class QueueOnlyScenario:
    """An M/M/c queue (M/M/c+M with ``patience_minutes``); rates per hour."""

    kind: str = "queue_only"
    name: str = "queue_only"
    arrivals_per_hour: float = param(200.0, POSITIVE)
    servers: int = param(14, int_in(1, 100_000))
    service_minutes: float = param(3.0, positive_at_most(1e5, " minutes"))
    patience_minutes: float | None = param(None, optional(positive_at_most(1e5, " minutes")))

    def expected_per_day(self) -> float:
        """Expected arrivals per day."""
        return self.arrivals_per_hour * 24.0


def to_scenario(q: QueueOnlyScenario) -> ScenarioConfig:
    """The full-model scenario that behaves exactly as the queue ``q``."""
    patience = None if q.patience_minutes is None else q.patience_minutes * 60.0
    return ScenarioConfig(
        name=q.name,
        volume_per_day=q.arrivals_per_hour * 24.0,
        population=PopulationConfig(
            first_channel_phone=1.0,
            first_channel_email=0.0,
            first_channel_social=0.0,
            uses_social_share=0.0,
            knows_ceo_share=0.0,
            exception_share=0.0,
            patience_sigma=0.0,  # every caller's patience multiplier is exactly 1
        ),
        channels=ChannelsConfig(phone=PhoneConfig(patience_mean_s=patience)),
        staff=StaffConfig(reps=PoolConfig(count=q.servers, hourly_cost_usd=40.0)),
        handle_times=HandleTimesConfig(
            phone=HandleTime(mean_min=q.service_minutes, cv=1.0, dist=Dist.exponential)
        ),
        behaviour=BehaviourConfig(routine_fix_prob=1.0, max_retries=0),
        churn=ChurnConfig(
            minor_quick=1.0,
            minor_fixed=1.0,
            minor_unfixed=1.0,
            major_quick=1.0,
            major_fixed=1.0,
            major_unfixed=1.0,
        ),
    )
