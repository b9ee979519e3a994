"""The queue-only scenario: the full engine configured down to one M/G/c(+G) queue.

One phone channel, one pool of identical servers, first in first out, no escalation, no
churn, no publicity. Service times are exponential by default (M/M/c), or lognormal with
a coefficient of variation, or constant; callers are infinitely patient by default, or
have an exponential (M/M/c+M, Erlang A) or lognormal patience. It exists to check the
engine against Erlang C and Erlang A (:mod:`escalationsim.analysis.analytic`) and, where
no exact formula exists (M/G/c+G), against an independent simulator (Ciw,
:mod:`escalationsim.experiment.ciw_reference`): the very same code paths that run the
policy comparisons run here, only with every other feature switched off by configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from escalationsim.config.fields import (
    POSITIVE,
    int_in,
    one_of,
    optional,
    param,
    positive_at_most,
    within,
)
from escalationsim.config.scenario import (
    Dist,
    HandleTime,
    HandleTimesConfig,
    PatienceDist,
    PhoneConfig,
    PoolConfig,
    PopulationConfig,
    ScenarioConfig,
)


@dataclass
class QueueOnlyScenario:
    """An M/G/c queue (M/G/c+G with ``patience_minutes``); rates per hour.

    The defaults are M/M/c: exponential service (``service_cv`` is then ignored, as it is
    for ``constant``) and, given a ``patience_minutes``, exponential patience (M/M/c+M;
    ``patience_cv`` is then ignored). Lognormal service or patience has the given mean
    and coefficient of variation.
    """

    kind: str = "queue_only"
    name: str = "queue_only"
    arrivals_per_hour: float = param(200.0, POSITIVE)
    servers: int = param(14, int_in(1, 100_000))
    service_minutes: float = param(3.0, positive_at_most(1e5, " minutes"))
    service_dist: Dist = param(Dist.exponential, one_of(Dist))
    service_cv: float = param(1.0, within(0, 10))
    patience_minutes: float | None = param(None, optional(positive_at_most(1e5, " minutes")))
    patience_dist: PatienceDist = param(PatienceDist.exponential, one_of(PatienceDist))
    patience_cv: float = param(1.0, within(0, 10))
    initial_customers: int = param(0, int_in(0, 10_000_000))
    """Customers already waiting when the run starts (0: it starts empty)."""

    def expected_per_day(self) -> float:
        """Expected arrivals per day."""
        return self.arrivals_per_hour * 24.0

    def service_scv(self) -> float:
        """The squared coefficient of variation of the service time as simulated: 1 for
        exponential, 0 for constant, ``service_cv`` squared for lognormal."""
        if self.service_dist == Dist.exponential:
            return 1.0
        if self.service_dist == Dist.constant:
            return 0.0
        return float(self.service_cv) ** 2

    def markovian(self) -> bool:
        """Whether the queue is M/M/c or M/M/c+M, whose answers are known exactly
        (Erlang C / Erlang A): exponential service and, if any, exponential patience."""
        return self.service_dist == Dist.exponential and (
            self.patience_minutes is None or self.patience_dist == PatienceDist.exponential
        )


def to_scenario(q: QueueOnlyScenario) -> ScenarioConfig:
    """The full-model scenario that behaves exactly as the queue ``q``: the first
    version's model (every later mechanism off, staff around the clock) with one
    channel, one pool and customers who never escalate."""
    patience = None if q.patience_minutes is None else q.patience_minutes * 60.0
    base = ScenarioConfig.first_version()
    return replace(
        base,
        name=q.name,
        volume_per_day=q.arrivals_per_hour * 24.0,
        arrivals=replace(base.arrivals, initial_complaints=q.initial_customers),
        population=PopulationConfig(
            first_channel_phone=1.0,
            first_channel_email=0.0,
            first_channel_social=0.0,
            uses_social_share=0.0,
            knows_ceo_share=0.0,
            exception_share=0.0,
            patience_sigma=0.0,  # every caller's patience multiplier is exactly 1
        ),
        channels=replace(
            base.channels,
            phone=PhoneConfig(
                patience_mean_s=patience, patience_dist=q.patience_dist, patience_cv=q.patience_cv
            ),
        ),
        staff=replace(base.staff, reps=PoolConfig(count=q.servers, hourly_cost_usd=40.0)),
        handle_times=HandleTimesConfig(
            phone=HandleTime(mean_min=q.service_minutes, cv=q.service_cv, dist=q.service_dist)
        ),
        behaviour=replace(base.behaviour, routine_fix_prob=1.0, max_retries=0),
        churn=replace(
            base.churn,
            minor_quick=1.0,
            minor_fixed=1.0,
            minor_unfixed=1.0,
            major_quick=1.0,
            major_fixed=1.0,
            major_unfixed=1.0,
        ),
    )
