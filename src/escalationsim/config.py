"""Typed configuration of a simulation: scenario, policies and run settings.

These dataclasses are the only input the simulation core accepts. They are plain Python
(no Hydra): the CLI turns its composed Hydra config into them, a notebook builds them
directly. Units are explicit in every field name: ``_h`` hours, ``_min`` minutes,
``_s`` seconds, ``_days`` days, ``_usd`` US dollars. Simulated time is in hours.

``validate_*`` functions check ranges and cross-field rules and raise
:class:`ConfigError` naming the offending key and what is allowed, before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any


class ConfigError(ValueError):
    """A configuration value is out of its allowed range; the message names the key."""


class RepMode(str, Enum):
    """Rep authority: must follow the script, or may grant exceptions within a budget."""

    script = "script"
    empowered = "empowered"


class SocialMode(str, Enum):
    """How the social-media team picks which public complaints to answer, and in what order."""

    by_influence = "by_influence"
    fcfs = "fcfs"


class CeoMode(str, Enum):
    """What happens to a complaint that reaches the CEO's inbox."""

    office = "office"
    responds = "responds"
    redirects = "redirects"


# --------------------------------------------------------------------------- scenario


class Dist(str, Enum):
    """Shape of a handling-time distribution."""

    lognormal = "lognormal"
    exponential = "exponential"
    constant = "constant"


@dataclass
class HandleTime:
    """Handling time of one task: mean in minutes, coefficient of variation and shape.

    Lognormal by default: Brown et al. (JASA 2005) found call-centre service times close
    to lognormal. ``exponential`` ignores ``cv`` (it is 1); ``constant`` ignores it too.
    """

    mean_min: float = 8.0
    cv: float = 1.0
    dist: Dist = Dist.lognormal


@dataclass
class BurstConfig:
    """An incident: arrivals run ``multiplier`` times faster for ``duration_h`` hours from
    the start of day ``start_day``."""

    start_day: float = 0.0
    duration_h: float = 24.0
    multiplier: float = 3.0


@dataclass
class ArrivalsConfig:
    """How the complaint rate varies in time. ``hourly_profile``: 24 relative weights by
    hour of day (normalised to mean 1; empty: flat); ``bursts``: incidents on top."""

    hourly_profile: list[float] = field(default_factory=list)
    bursts: list[BurstConfig] = field(default_factory=list)


@dataclass
class PopulationConfig:
    """Distribution of customer attributes. Every figure: see conf/scenario/default.yaml."""

    followers_median: float = 150.0
    followers_sigma: float = 2.0
    first_channel_phone: float = 0.60
    first_channel_email: float = 0.36
    first_channel_social: float = 0.04
    uses_social_share: float = 0.30
    uses_social_follower_slope: float = 1.5
    knows_ceo_share: float = 0.15
    persistence_mean: float = 0.55
    persistence_concentration: float = 4.0
    patience_sigma: float = 0.5
    clv_median_usd: float = 600.0
    clv_sigma: float = 0.8
    exception_share: float = 0.25
    exception_value_median_usd: float = 80.0
    exception_value_sigma: float = 0.9
    causes: int = 10
    cause_zipf_s: float = 1.0


@dataclass
class PhoneConfig:
    """Synchronous phone queue with abandonment (``patience_mean_s: null``: callers never
    hang up)."""

    patience_mean_s: float | None = 90.0


@dataclass
class EmailConfig:
    """Asynchronous email/web-form backlog; the customer stops waiting after a patience.

    An email waits ``triage_mean_h`` (exponential) before it reaches the reps' queue:
    routing, batching and business hours that a 24/7 rep pool does not model.
    """

    patience_mean_h: float = 48.0
    triage_mean_h: float = 12.0


@dataclass
class SocialConfig:
    """Public complaints on social media: unanswered posts accrue negative impressions."""

    patience_h: float = 24.0
    post_lifetime_h: float = 48.0
    impressions_per_follower_h: float = 0.02


@dataclass
class CeoInboxConfig:
    """The CEO's inbox / office of the CEO, and the regulator's response deadline."""

    response_deadline_days: float = 15.0
    deadline_fine_usd: float = 500.0


@dataclass
class ChannelsConfig:
    """Per-channel settings."""

    phone: PhoneConfig = field(default_factory=PhoneConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    social: SocialConfig = field(default_factory=SocialConfig)
    ceo: CeoInboxConfig = field(default_factory=CeoInboxConfig)


@dataclass
class PoolConfig:
    """A pool of identical staff: head count (working 24/7 in shifts) and loaded hourly cost."""

    count: int = 1
    hourly_cost_usd: float = 40.0


@dataclass
class CeoConfig:
    """The CEO: a single person with a weekly time budget for complaints."""

    hours_per_week: float = 4.0
    days_per_week: int = 5
    start_hour: float = 9.0
    hourly_cost_usd: float = 5000.0


@dataclass
class StaffConfig:
    """Staff pools. Reps answer phone (first) and email (second) from one pool.

    With ``scale_with_volume`` the pools grow with the business and the CEO does not:
    reps are staffed by Erlang A for the phone load (abandonment at most half of
    ``targets.phone_abandon_max``) plus the email load in Erlangs, rounded up; the other
    pools are sized ``ceil(count x volume_per_day / reference_volume_per_day)``, at
    least 1 (see ``staff.head_counts``).
    """

    reps: PoolConfig = field(default_factory=lambda: PoolConfig(count=5, hourly_cost_usd=40.0))
    social: PoolConfig = field(default_factory=lambda: PoolConfig(count=2, hourly_cost_usd=45.0))
    managers: PoolConfig = field(default_factory=lambda: PoolConfig(count=2, hourly_cost_usd=70.0))
    exec_office: PoolConfig = field(
        default_factory=lambda: PoolConfig(count=2, hourly_cost_usd=90.0)
    )
    ceo: CeoConfig = field(default_factory=CeoConfig)
    scale_with_volume: bool = False
    reference_volume_per_day: float = 500.0


@dataclass
class HandleTimesConfig:
    """Handling time of each task (lognormal, mean in minutes)."""

    phone: HandleTime = field(default_factory=lambda: HandleTime(8.0, 1.0))
    email: HandleTime = field(default_factory=lambda: HandleTime(6.0, 1.0))
    social: HandleTime = field(default_factory=lambda: HandleTime(12.0, 1.0))
    supervisor: HandleTime = field(default_factory=lambda: HandleTime(15.0, 0.8))
    audit: HandleTime = field(default_factory=lambda: HandleTime(10.0, 0.8))
    owner: HandleTime = field(default_factory=lambda: HandleTime(30.0, 0.8))
    office_case: HandleTime = field(default_factory=lambda: HandleTime(45.0, 0.8))
    consult: HandleTime = field(default_factory=lambda: HandleTime(15.0, 0.8))
    ceo_answer: HandleTime = field(default_factory=lambda: HandleTime(10.0, 0.6))
    ceo_ack: HandleTime = field(default_factory=lambda: HandleTime(3.0, 0.6))
    ticketing: HandleTime = field(default_factory=lambda: HandleTime(2.0, 0.5))


@dataclass
class BehaviourConfig:
    """How customers and frontline staff behave after each contact."""

    routine_fix_prob: float = 0.85
    retry_delay_mean_h: float = 4.0
    escalate_delay_mean_h: float = 12.0
    max_retries: int = 1
    supervisor_request_prob: float = 0.3


@dataclass
class ChurnConfig:
    """Repurchase probability after a complaint (TARP), by problem size and outcome.

    Routine issues count as minor problems, issues needing an exception as major ones.
    """

    quick_resolution_h: float = 24.0
    minor_quick: float = 0.95
    minor_fixed: float = 0.70
    minor_unfixed: float = 0.46
    major_quick: float = 0.82
    major_fixed: float = 0.54
    major_unfixed: float = 0.19


@dataclass
class CostsConfig:
    """Money that is not staff time: publicity and one-off fixes."""

    cost_per_impression_usd: float = 0.01


@dataclass
class TargetsConfig:
    """The service a policy must deliver; ``meets_targets`` in kpis.csv checks them."""

    phone_abandon_max: float = 0.12
    ttr_p90_max_h: float = 72.0
    deadline_breach_max: float = 0.05


@dataclass
class ScenarioConfig:
    """Everything about the world a policy is tried in: customers, channels, staff, costs."""

    kind: str = "escalation"
    name: str = "default"
    volume_per_day: float = 500.0
    arrivals: ArrivalsConfig = field(default_factory=ArrivalsConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    channels: ChannelsConfig = field(default_factory=ChannelsConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    handle_times: HandleTimesConfig = field(default_factory=HandleTimesConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    churn: ChurnConfig = field(default_factory=ChurnConfig)
    costs: CostsConfig = field(default_factory=CostsConfig)
    targets: TargetsConfig = field(default_factory=TargetsConfig)


# --------------------------------------------------------------------------- policy


@dataclass
class RepLever:
    """Frontline rep authority. Empowered reps grant exceptions up to ``budget_usd``;
    above it a manager approves with ``manager_approval_prob``; managers audit a fraction
    ``audit_fraction`` of the exceptions reps grant."""

    mode: RepMode = RepMode.script
    budget_usd: float = 0.0
    audit_fraction: float = 0.0
    manager_approval_prob: float = 0.5


@dataclass
class SocialLever:
    """Social-media handling.

    ``by_influence``: the answer probability is logistic in log10(followers + 1) and
    bigger accounts are served first. ``fcfs``: every post is answered with
    ``answer_prob``, first come first served. The social team may grant exceptions up to
    ``budget_usd`` (public pressure buys what the phone line may not).
    """

    mode: SocialMode = SocialMode.by_influence
    answer_prob: float = 1.0
    influence_intercept: float = -2.6
    influence_slope: float = 0.8
    grants_exceptions: bool = True
    budget_usd: float = 300.0


@dataclass
class CeoLever:
    """CEO involvement.

    ``office``: executive staff consult customer service and usually repeat its answer
    (override with ``override_prob``). ``responds``: the CEO answers personally and
    overrides with ``override_prob``. ``redirects``: the CEO acknowledges quickly and hands
    the case to an empowered owner (a manager) who fixes it. ``visibility`` is how much one
    answer counts towards word of mouth.
    """

    mode: CeoMode = CeoMode.office
    override_prob: float = 0.15
    visibility: float = 0.0


@dataclass
class FloodgatesLever:
    """Word of mouth: visible CEO answers raise the share of new customers going straight
    to the CEO: share = max_share * (1 - exp(-strength * R)), R = visible answers per day
    (exponentially weighted over ``memory_days``)."""

    strength: float = 0.0
    memory_days: float = 14.0
    max_share: float = 0.3


@dataclass
class TrackingLever:
    """Ticket tracking: on phone and email always; on social and the CEO inbox if set."""

    all_channels: bool = False


@dataclass
class RootCauseLever:
    """Root-cause fixing: once ``detect_after`` tracked complaints of the most frequent
    cause were seen, a fix ships ``lead_days`` later and prevents that share
    (``effectiveness``) of its future complaints, for a one-off ``fix_cost_usd``."""

    enabled: bool = False
    detect_after: int = 200
    lead_days: float = 14.0
    effectiveness: float = 0.8
    fix_cost_usd: float = 20000.0


@dataclass
class PolicyConfig:
    """A complaint policy: a composition of levers."""

    name: str = "custom"
    rep: RepLever = field(default_factory=RepLever)
    social: SocialLever = field(default_factory=SocialLever)
    ceo: CeoLever = field(default_factory=CeoLever)
    floodgates: FloodgatesLever = field(default_factory=FloodgatesLever)
    tracking: TrackingLever = field(default_factory=TrackingLever)
    root_cause: RootCauseLever = field(default_factory=RootCauseLever)


# --------------------------------------------------------------------------- run


@dataclass
class RunConfig:
    """Which policies to compare, for how long, how often, from which seed."""

    policies: list[str] = field(
        default_factory=lambda: ["rigid_script", "empowered_rep", "ceo_responds"]
    )
    replications: int = 5
    horizon_days: float = 60.0
    warmup_days: float = 10.0
    drain_days: float = 30.0
    seed: int = 12345
    workers: int = 1
    records: bool = True


# --------------------------------------------------------------------------- validation


def _check(key: str, value: Any, ok: bool, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key} = {value!r} is not allowed: must be {allowed}")


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _prob(key: str, v: Any) -> None:
    _check(key, v, _is_num(v) and 0.0 <= v <= 1.0, "a probability in [0, 1]")


def _pos(key: str, v: Any) -> None:
    _check(key, v, _is_num(v) and v > 0, "a number > 0")


def _nonneg(key: str, v: Any) -> None:
    _check(key, v, _is_num(v) and v >= 0, "a number >= 0")


def _int_min(key: str, v: Any, lo: int) -> None:
    _check(
        key, v, isinstance(v, int) and not isinstance(v, bool) and v >= lo, f"an integer >= {lo}"
    )


def _enum(key: str, v: Any, enum: type[Enum]) -> None:
    allowed = [e.value for e in enum]
    _check(key, v, isinstance(v, enum) or v in allowed, f"one of {allowed}")


def _walk(prefix: str, obj: Any) -> None:
    """Generic checks: every number finite; then the specific ranges below."""
    for f in fields(obj):
        v = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        if is_dataclass(v):
            _walk(key, v)
        elif isinstance(v, float | int) and not isinstance(v, bool):
            _check(key, v, math.isfinite(v), "a finite number")


_PROBS_SCENARIO = [
    "population.first_channel_phone",
    "population.first_channel_email",
    "population.first_channel_social",
    "population.uses_social_share",
    "population.knows_ceo_share",
    "population.exception_share",
    "behaviour.routine_fix_prob",
    "behaviour.supervisor_request_prob",
    "churn.minor_quick",
    "churn.minor_fixed",
    "churn.minor_unfixed",
    "churn.major_quick",
    "churn.major_fixed",
    "churn.major_unfixed",
    "targets.phone_abandon_max",
    "targets.deadline_breach_max",
]
_POS_SCENARIO = [
    "volume_per_day",
    "population.followers_median",
    "population.clv_median_usd",
    "population.exception_value_median_usd",
    "population.persistence_concentration",
    "channels.email.patience_mean_h",
    "channels.social.patience_h",
    "channels.social.post_lifetime_h",
    "channels.ceo.response_deadline_days",
    "behaviour.retry_delay_mean_h",
    "behaviour.escalate_delay_mean_h",
    "churn.quick_resolution_h",
    "targets.ttr_p90_max_h",
    "staff.reference_volume_per_day",
]
_NONNEG_SCENARIO = [
    "population.followers_sigma",
    "population.patience_sigma",
    "population.clv_sigma",
    "population.exception_value_sigma",
    "population.cause_zipf_s",
    "channels.social.impressions_per_follower_h",
    "channels.email.triage_mean_h",
    "population.uses_social_follower_slope",
    "channels.ceo.deadline_fine_usd",
    "costs.cost_per_impression_usd",
]


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def validate_scenario(s: ScenarioConfig, prefix: str = "scenario") -> None:
    """Raise ConfigError if any scenario value is outside its allowed range."""
    _walk(prefix, s)
    for k in _PROBS_SCENARIO:
        _prob(f"{prefix}.{k}", _get(s, k))
    for k in _POS_SCENARIO:
        _pos(f"{prefix}.{k}", _get(s, k))
    for k in _NONNEG_SCENARIO:
        _nonneg(f"{prefix}.{k}", _get(s, k))
    _check(
        f"{prefix}.population.followers_sigma",
        p_sigma := s.population.followers_sigma,
        p_sigma <= 5,
        "a number in [0, 5] (a log-sd; 5 already spans 13 orders of magnitude)",
    )
    _check(
        f"{prefix}.population.followers_median",
        s.population.followers_median,
        s.population.followers_median <= 1e7,
        "a number in (0, 1e7]",
    )
    for stage in ("minor", "major"):
        q, f, u = (getattr(s.churn, f"{stage}_{x}") for x in ("quick", "fixed", "unfixed"))
        _check(
            f"{prefix}.churn.{stage}_*",
            (q, f, u),
            q >= f >= u,
            f"ordered {stage}_quick >= {stage}_fixed >= {stage}_unfixed (repurchase is "
            "likelier the better the outcome)",
        )
    profile = s.arrivals.hourly_profile
    if profile:
        _check(
            f"{prefix}.arrivals.hourly_profile",
            list(profile),
            len(profile) == 24 and all(_is_num(w) and w >= 0 for w in profile) and sum(profile) > 0,
            "empty (flat) or 24 weights >= 0, not all 0",
        )
    for i, b in enumerate(s.arrivals.bursts):
        key = f"{prefix}.arrivals.bursts[{i}]"
        _nonneg(f"{key}.start_day", b.start_day)
        _pos(f"{key}.duration_h", b.duration_h)
        _check(
            f"{key}.multiplier",
            b.multiplier,
            _is_num(b.multiplier) and 0 < b.multiplier <= 100,
            "a number in (0, 100]",
        )
    phone_patience = s.channels.phone.patience_mean_s
    if phone_patience is not None:
        _pos(f"{prefix}.channels.phone.patience_mean_s", phone_patience)
    p = s.population
    _check(
        f"{prefix}.population.persistence_mean",
        p.persistence_mean,
        _is_num(p.persistence_mean) and 0.0 < p.persistence_mean < 1.0,
        "a number in the open interval (0, 1)",
    )
    mix = p.first_channel_phone + p.first_channel_email + p.first_channel_social
    _check(
        f"{prefix}.population.first_channel_*",
        round(mix, 9),
        abs(mix - 1.0) < 1e-6,
        "shares (phone, email, social) summing to 1",
    )
    _check(
        f"{prefix}.population.uses_social_share",
        p.uses_social_share,
        p.uses_social_share >= p.first_channel_social,
        f">= population.first_channel_social ({p.first_channel_social}): everyone who posts "
        "first on social uses social",
    )
    _int_min(f"{prefix}.population.causes", p.causes, 1)
    _int_min(f"{prefix}.behaviour.max_retries", s.behaviour.max_retries, 0)
    for name in ("reps", "social", "managers", "exec_office"):
        pool: PoolConfig = getattr(s.staff, name)
        _int_min(f"{prefix}.staff.{name}.count", pool.count, 1)
        _nonneg(f"{prefix}.staff.{name}.hourly_cost_usd", pool.hourly_cost_usd)
    c = s.staff.ceo
    _check(
        f"{prefix}.staff.ceo.days_per_week",
        c.days_per_week,
        isinstance(c.days_per_week, int) and 1 <= c.days_per_week <= 7,
        "an integer in [1, 7]",
    )
    _check(
        f"{prefix}.staff.ceo.hours_per_week",
        c.hours_per_week,
        _is_num(c.hours_per_week) and 0 < c.hours_per_week <= 24 * c.days_per_week,
        f"a number in (0, {24 * c.days_per_week}] (24 h x days_per_week)",
    )
    _check(
        f"{prefix}.staff.ceo.start_hour",
        c.start_hour,
        _is_num(c.start_hour) and 0 <= c.start_hour < 24,
        "an hour of day in [0, 24)",
    )
    block = c.hours_per_week / c.days_per_week
    _check(
        f"{prefix}.staff.ceo.start_hour",
        c.start_hour,
        c.start_hour + block <= 24,
        f"early enough that the daily block of {block:g} h ends by midnight",
    )
    _nonneg(f"{prefix}.staff.ceo.hourly_cost_usd", c.hourly_cost_usd)
    for f in fields(s.handle_times):
        ht: HandleTime = getattr(s.handle_times, f.name)
        _pos(f"{prefix}.handle_times.{f.name}.mean_min", ht.mean_min)
        _check(
            f"{prefix}.handle_times.{f.name}.cv",
            ht.cv,
            _is_num(ht.cv) and 0 <= ht.cv <= 10,
            "a number in [0, 10]",
        )
        _enum(f"{prefix}.handle_times.{f.name}.dist", ht.dist, Dist)


def validate_policy(p: PolicyConfig, prefix: str) -> None:
    """Raise ConfigError if any lever value is outside its allowed range."""
    _walk(prefix, p)
    _enum(f"{prefix}.rep.mode", p.rep.mode, RepMode)
    _enum(f"{prefix}.social.mode", p.social.mode, SocialMode)
    _enum(f"{prefix}.ceo.mode", p.ceo.mode, CeoMode)
    _nonneg(f"{prefix}.rep.budget_usd", p.rep.budget_usd)
    _prob(f"{prefix}.rep.audit_fraction", p.rep.audit_fraction)
    _prob(f"{prefix}.rep.manager_approval_prob", p.rep.manager_approval_prob)
    _check(
        f"{prefix}.social.influence_intercept",
        p.social.influence_intercept,
        abs(p.social.influence_intercept) <= 50,
        "a number in [-50, 50]",
    )
    _check(
        f"{prefix}.social.influence_slope",
        p.social.influence_slope,
        p.social.influence_slope <= 50,
        "a number in [0, 50]",
    )
    _prob(f"{prefix}.social.answer_prob", p.social.answer_prob)
    _nonneg(f"{prefix}.social.influence_slope", p.social.influence_slope)
    _nonneg(f"{prefix}.social.budget_usd", p.social.budget_usd)
    _prob(f"{prefix}.ceo.override_prob", p.ceo.override_prob)
    _nonneg(f"{prefix}.ceo.visibility", p.ceo.visibility)
    _nonneg(f"{prefix}.floodgates.strength", p.floodgates.strength)
    _pos(f"{prefix}.floodgates.memory_days", p.floodgates.memory_days)
    _prob(f"{prefix}.floodgates.max_share", p.floodgates.max_share)
    _int_min(f"{prefix}.root_cause.detect_after", p.root_cause.detect_after, 1)
    _nonneg(f"{prefix}.root_cause.lead_days", p.root_cause.lead_days)
    _prob(f"{prefix}.root_cause.effectiveness", p.root_cause.effectiveness)
    _nonneg(f"{prefix}.root_cause.fix_cost_usd", p.root_cause.fix_cost_usd)


def validate_run(r: RunConfig, available: list[str] | None = None) -> None:
    """Raise ConfigError for bad run settings or a policy name that is not defined."""
    _int_min("run.replications", r.replications, 1)
    _int_min("run.workers", r.workers, 1)
    _int_min("run.seed", r.seed, 0)
    _pos("run.horizon_days", r.horizon_days)
    _nonneg("run.warmup_days", r.warmup_days)
    _nonneg("run.drain_days", r.drain_days)
    _check(
        "run.warmup_days",
        r.warmup_days,
        _is_num(r.warmup_days) and _is_num(r.horizon_days) and r.warmup_days < r.horizon_days,
        f"< run.horizon_days ({r.horizon_days})",
    )
    _check("run.policies", r.policies, len(r.policies) >= 1, "a non-empty list of policy names")
    _check(
        "run.policies",
        r.policies,
        len(set(r.policies)) == len(r.policies),
        "a list without repeated names",
    )
    if available is not None:
        for i, name in enumerate(r.policies):
            _check(f"run.policies[{i}]", name, name in available, f"one of {sorted(available)}")


@dataclass
class SimConfig:
    """A complete job: the scenario, the policies defined, and the run settings.

    ``policies`` maps a name to its levers; ``run.policies`` picks which of them to run.
    """

    scenario: Any = field(default_factory=ScenarioConfig)
    """A :class:`ScenarioConfig`, or a ``queue_only.QueueOnlyScenario``."""
    policies: dict[str, PolicyConfig] = field(default_factory=dict)
    run: RunConfig = field(default_factory=RunConfig)


MAX_COMPLAINTS_PER_RUN = 20_000_000
"""Upper bound on expected complaints per replication (memory: about 200 bytes each)."""


def validate(cfg: SimConfig) -> None:
    """Check the whole job before anything runs; raise ConfigError naming the key."""
    from escalationsim.analysis.queue_only import QueueOnlyScenario, validate_queue_only

    validate_run(cfg.run, list(cfg.policies))
    if isinstance(cfg.scenario, QueueOnlyScenario):
        validate_queue_only(cfg.scenario)
    elif isinstance(cfg.scenario, ScenarioConfig):
        validate_scenario(cfg.scenario)
    else:
        raise ConfigError(
            f"scenario is a {type(cfg.scenario).__name__}: must be a ScenarioConfig or a "
            "QueueOnlyScenario"
        )
    per_day = getattr(cfg.scenario, "volume_per_day", None)
    if per_day is None:
        per_day = cfg.scenario.arrivals_per_hour * 24.0
    expected = per_day * cfg.run.horizon_days
    _check(
        "scenario.volume_per_day x run.horizon_days",
        round(expected),
        expected <= MAX_COMPLAINTS_PER_RUN,
        f"at most {MAX_COMPLAINTS_PER_RUN:,} complaints per replication",
    )
    for name in cfg.run.policies:
        validate_policy(cfg.policies[name], f"policies.{name}")
