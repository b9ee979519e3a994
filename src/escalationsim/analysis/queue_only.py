"""The queue-only scenario: the full engine configured down to one M/M/c(+M) queue.

One phone channel, one pool of identical servers, first in first out, exponential
service, optional exponential patience, no escalation, no churn, no publicity. It exists
to check the engine against Erlang C and Erlang A (:mod:`escalationsim.analysis.analytic`): the
very same code paths that run the policy comparisons run here, only with every other
feature switched off by configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from escalationsim.analysis.stats import ComplaintStats
from escalationsim.config import (
    BehaviourConfig,
    ChannelsConfig,
    ChurnConfig,
    ConfigError,
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
    arrivals_per_hour: float = 200.0
    servers: int = 14
    service_minutes: float = 3.0
    patience_minutes: float | None = None


def validate_queue_only(q: QueueOnlyScenario, prefix: str = "scenario") -> None:
    """Raise ConfigError naming the key if a queue-only parameter is out of range."""

    def ok_pos(key: str, v: Any) -> None:
        good = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        if not good:
            raise ConfigError(f"{prefix}.{key} = {v!r} is not allowed: must be a number > 0")

    ok_pos("arrivals_per_hour", q.arrivals_per_hour)
    ok_pos("service_minutes", q.service_minutes)
    if q.patience_minutes is not None:
        ok_pos("patience_minutes", q.patience_minutes)
    if not (isinstance(q.servers, int) and not isinstance(q.servers, bool) and q.servers >= 1):
        raise ConfigError(
            f"{prefix}.servers = {q.servers!r} is not allowed: must be an integer >= 1"
        )


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


def queue_kpis(stats: ComplaintStats, occupancy: float) -> dict[str, float]:
    """Queue statistics over the measured arrivals whose call ended (answered or
    abandoned): P(wait > 0), mean wait (until served or abandoned) in minutes,
    P(abandon), occupancy and the share served within 20 seconds (abandoners count as
    not served)."""
    s = stats.sums
    n = s["first_calls"]
    if n == 0:
        return dict.fromkeys(
            ("p_wait", "mean_wait_min", "p_abandon", "occupancy", "service_level_20s"), math.nan
        )
    return {
        "p_wait": s["first_calls_waited"] / n,
        "mean_wait_min": s["first_call_wait_h"] / n * 60.0,
        "p_abandon": s["first_calls_abandoned"] / n,
        "occupancy": occupancy,
        "service_level_20s": s["first_calls_in_service_level"] / n,
    }
