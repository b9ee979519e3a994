"""The scenario: the world a policy is tried in (customers, channels, staff, costs,
targets), as typed dataclasses with each field's allowed range declared beside it.

Units are explicit in every field name: ``_h`` hours, ``_min`` minutes, ``_s`` seconds,
``_days`` days, ``_usd`` US dollars. Simulated time is in hours. The figures behind every
default are cited in ``conf/scenario/default.yaml``.

One default world: ``ScenarioConfig()`` is the command line's default scenario
(``conf/scenario/default.yaml``; tests/test_config.py checks that they are equal), and
:meth:`ScenarioConfig.first_version` the first version's uncalibrated model
(``scenario=first_version``), which differs from it in :data:`FIRST_VERSION`'s settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum

from escalationsim.config.fields import (
    LOG_SD,
    POSITIVE,
    PROB,
    Check,
    check,
    int_in,
    int_min,
    is_int,
    is_num,
    nonneg_at_most,
    one_of,
    optional,
    param,
    positive_at_most,
    usd,
    within,
)
from escalationsim.kernel.schedule import Schedule, Shift

HOURLY_PROFILE = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.1, 2.0,
    1.7, 1.8, 1.9, 1.8, 1.6, 1.4, 1.1, 0.9, 0.7, 0.5, 0.35, 0.2,
)  # fmt: skip
"""The default day's shape, 24 weights by hour (an assumption after Brown et al., JASA
2005, Fig. 1: busiest mid-morning and mid-afternoon, quiet at night)."""

WEEKLY_PROFILE = (1.25, 1.1, 1.05, 1.0, 0.95, 0.6, 0.5)
"""The default week's shape, Monday first (an assumption: Monday busiest, quiet
weekends)."""

REPS_ROSTER = (
    4, 4, 4, 4, 4, 4, 6, 8, 11, 14, 15, 14, 13, 13, 14, 13, 12, 11, 9, 8, 7, 6, 5, 4,  # Monday
    4, 4, 3, 3, 4, 4, 5, 7, 10, 12, 13, 13, 11, 12, 12, 12, 11, 10, 9, 8, 7, 6, 5, 4,  # Tuesday
    4, 4, 3, 3, 4, 4, 5, 7, 10, 12, 13, 12, 11, 12, 12, 12, 11, 10, 8, 8, 7, 6, 5, 4,  # Wednesday
    4, 4, 3, 3, 4, 4, 5, 7, 9, 12, 12, 12, 11, 11, 12, 11, 10, 9, 8, 7, 6, 6, 5, 4,  # Thursday
    4, 4, 3, 3, 4, 4, 5, 7, 9, 11, 12, 12, 10, 11, 11, 11, 10, 9, 8, 7, 6, 5, 5, 4,  # Friday
    3, 3, 3, 3, 3, 4, 4, 5, 7, 8, 9, 9, 8, 8, 8, 8, 8, 7, 6, 6, 5, 5, 4, 4,  # Saturday
    3, 3, 3, 3, 3, 4, 4, 5, 6, 8, 8, 8, 7, 7, 8, 7, 7, 6, 6, 5, 5, 4, 4, 4,  # Sunday
)  # fmt: skip
"""The default reps' head count by hour of the week, Monday 00:00 first: each hour's
calls staffed by Erlang A (SIPP) to answer 70% within 20 seconds, plus the emails' and
posts' average load, at least one rep (conf/scenario/default.yaml and docs/model.md,
Calibration, say how)."""


class Dist(str, Enum):
    """Shape of a handling-time distribution."""

    lognormal = "lognormal"
    exponential = "exponential"
    constant = "constant"


class PatienceDist(str, Enum):
    """Shape of a caller's patience (the time they wait before hanging up)."""

    exponential = "exponential"
    lognormal = "lognormal"


@dataclass
class HandleTime:
    """Handling time of one task: mean in minutes, coefficient of variation and shape.

    Lognormal by default: Brown et al. (JASA 2005) found call-centre service times close
    to lognormal. ``exponential`` ignores ``cv`` (it is 1); ``constant`` ignores it too.
    """

    mean_min: float = param(
        8.0, Check(lambda v: is_num(v) and 1e-6 <= v <= 1e5, "a number in [1e-06, 1e5] minutes")
    )
    cv: float = param(1.0, within(0, 10))
    dist: Dist = param(Dist.lognormal, one_of(Dist))


@dataclass
class BurstConfig:
    """An incident: arrivals run ``multiplier`` times faster for ``duration_h`` hours from
    the start of day ``start_day``."""

    start_day: float = param(0.0, nonneg_at_most(1e6, " days"))
    duration_h: float = param(24.0, positive_at_most(1e6, " hours"))
    multiplier: float = param(
        3.0, Check(lambda v: is_num(v) and 0 < v <= 100, "a number in (0, 100]")
    )


@dataclass
class OpenWorkConfig:
    """Complaints waiting on each channel when the run starts (``run.initial_state``
    sets them from a contact log's open work; all 0: none)."""

    phone: int = param(0, int_in(0, 10_000_000))
    email: int = param(0, int_in(0, 10_000_000))
    social: int = param(0, int_in(0, 10_000_000))
    ceo: int = param(0, int_in(0, 10_000_000))

    def counts(self) -> dict[str, int]:
        """The channels with open work, and how much."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


@dataclass
class PromisedConfig:
    """Complaints resolved before the run began with a fix promised on each channel whose
    back-office work is still under way: one entry per complaint, the hours since the
    promise (``run.initial_state`` sets them from a contact log's open work; empty:
    none). Each waits for the rest of its lead time, drawn given that it has lasted that
    long, chasing as usual, and is then resolved."""

    phone: list[float] = field(default_factory=list)
    email: list[float] = field(default_factory=list)
    social: list[float] = field(default_factory=list)
    ceo: list[float] = field(default_factory=list)

    def ages(self) -> list[tuple[str, float]]:
        """Each promised complaint's channel and age in hours, channel by channel."""
        return [(f.name, float(a)) for f in fields(self) for a in getattr(self, f.name)]

    def check_rules(self, prefix: str) -> None:
        for f in fields(self):
            ages = list(getattr(self, f.name))
            check(
                f"{prefix}.{f.name}",
                ages if len(ages) <= 5 else f"[{len(ages)} values]",
                len(ages) <= 10_000_000 and all(is_num(a) and 0 <= a <= 1e6 for a in ages),
                "a list of ages in hours, each in [0, 1e6]",
            )


@dataclass
class ArrivalsConfig:
    """How the complaint rate varies in time. ``hourly_profile``: 24 relative weights by
    hour of day (normalised to mean 1; empty: flat); ``weekly_profile``: 7 relative
    weights by day of the week, Monday first (normalised to mean 1; empty: flat);
    ``bursts``: incidents on top. Day 0 of a run is a Monday. ``busyness_cv``: the
    coefficient of variation of a gamma factor (mean 1), one per day, that multiplies
    every hour of that day: busy and quiet days, so that daily counts vary more than
    Poisson ones do (Avramidis, Deslauriers & L'Ecuyer 2004; 0: Poisson, off).
    ``initial_complaints``: complaints already made when the run starts, all arriving at
    time 0 (a backlog to start from; 0: the run starts empty). ``initial_open``: by
    channel, complaints waiting on it when the run starts, arriving there at time 0
    (the open work at a contact log's end: ``run.initial_state``; empty: none).
    ``initial_promised``: by channel, the ages of complaints whose fix was promised there
    and whose back-office work is under way when the run starts (:class:`PromisedConfig`)."""

    hourly_profile: list[float] = field(default_factory=lambda: list(HOURLY_PROFILE))
    weekly_profile: list[float] = field(default_factory=lambda: list(WEEKLY_PROFILE))
    bursts: list[BurstConfig] = field(default_factory=list)
    busyness_cv: float = param(0.0, within(0, 3))
    initial_complaints: int = param(0, int_in(0, 10_000_000))
    initial_open: OpenWorkConfig = field(default_factory=OpenWorkConfig)
    initial_promised: PromisedConfig = field(default_factory=PromisedConfig)

    def check_rules(self, prefix: str) -> None:
        for name, n, what in (("hourly_profile", 24, "hour"), ("weekly_profile", 7, "day")):
            profile = getattr(self, name)
            if len(profile):
                check(
                    f"{prefix}.{name}",
                    list(profile),
                    len(profile) == n
                    and all(is_num(w) and 0 <= w <= 1e6 for w in profile)
                    and sum(profile) > 0,
                    f"empty (flat) or {n} weights by {what} in [0, 1e6], not all 0",
                )


@dataclass
class PopulationConfig:
    """Distribution of customer attributes. Every figure: see conf/scenario/default.yaml."""

    followers_median: float = param(
        150.0, Check(lambda v: is_num(v) and 0 < v <= 1e7, "a number in (0, 1e7]")
    )
    followers_sigma: float = param(2.0, LOG_SD)
    first_channel_phone: float = param(0.60, PROB)
    first_channel_email: float = param(0.36, PROB)
    first_channel_social: float = param(0.04, PROB)
    uses_social_share: float = param(0.30, PROB)
    uses_social_follower_slope: float = param(1.5, nonneg_at_most(50))
    knows_ceo_share: float = param(0.15, PROB)
    persistence_mean: float = param(
        0.55, Check(lambda v: is_num(v) and 0 < v < 1, "a number in the open interval (0, 1)")
    )
    persistence_concentration: float = param(
        4.0, Check(lambda v: is_num(v) and 1e-3 <= v <= 1e6, "a number in [0.001, 1e6]")
    )
    patience_sigma: float = param(0.5, LOG_SD)
    clv_median_usd: float = param(
        600.0, Check(lambda v: is_num(v) and 0 < v <= 1e9, "an amount in (0, 1,000,000,000] USD")
    )
    clv_sigma: float = param(0.8, LOG_SD)
    exception_share: float = param(0.25, PROB)
    exception_value_median_usd: float = param(
        80.0, Check(lambda v: is_num(v) and 0 < v <= 1e9, "an amount in (0, 1,000,000,000] USD")
    )
    exception_value_sigma: float = param(0.9, LOG_SD)
    causes: int = param(10, int_in(1, 10_000))
    cause_zipf_s: float = param(1.0, nonneg_at_most(20))

    def check_rules(self, prefix: str) -> None:
        mix = self.first_channel_phone + self.first_channel_email + self.first_channel_social
        check(
            f"{prefix}.first_channel_*",
            round(mix, 9),
            abs(mix - 1.0) < 1e-6,
            "shares (phone, email, social) summing to 1",
        )
        check(
            f"{prefix}.uses_social_share",
            self.uses_social_share,
            self.uses_social_share >= self.first_channel_social,
            f">= population.first_channel_social ({self.first_channel_social}): everyone who "
            "posts first on social uses social",
        )


@dataclass
class PhoneConfig:
    """Synchronous phone queue with abandonment (``patience_mean_s: null``: callers never
    hang up).

    A caller's patience is the mean times the caller's own multiplier
    (``population.patience_sigma``) times a draw of mean 1: exponential by default (the
    Erlang A assumption), or lognormal with coefficient of variation ``patience_cv``
    (``patience_cv`` is ignored for exponential, whose cv is 1).
    """

    patience_mean_s: float | None = param(360.0, optional(positive_at_most(1e7, " seconds")))
    patience_dist: PatienceDist = param(PatienceDist.lognormal, one_of(PatienceDist))
    patience_cv: float = param(1.0, within(0, 10))


@dataclass
class EmailConfig:
    """Asynchronous email/web-form backlog; the customer stops waiting after a patience.

    An email waits ``triage_mean_h`` (exponential) before it reaches the reps' queue:
    routing, batching and business hours that a 24/7 rep pool does not model. With
    ``keep_unanswered`` an email whose writer stopped waiting stays in the backlog and is
    answered late (or withdrawn, if the complaint was resolved meanwhile); off, it is
    withdrawn when the writer stops waiting (the first version).
    """

    patience_mean_h: float = param(48.0, positive_at_most(1e5, " hours"))
    triage_mean_h: float = param(1.0, nonneg_at_most(1e5, " hours"))
    keep_unanswered: bool = True


@dataclass
class SocialConfig:
    """Public complaints on social media: unanswered posts accrue negative impressions.

    The team that answers posts reviews the mentions every ``review_interval_h`` hours
    (at 0, 2, 4, ... h): a post joins its queue at the next review, unless the policy's
    triage raises an alert for it (big accounts under ``by_influence``). 0: every post
    joins the queue as it is made."""

    patience_h: float = param(24.0, positive_at_most(1e5, " hours"))
    review_interval_h: float = param(2.0, nonneg_at_most(1e4, " hours"))
    post_lifetime_h: float = param(48.0, positive_at_most(1e5, " hours"))
    impressions_per_follower_h: float = param(0.02, within(0, 1e3))


@dataclass
class CeoInboxConfig:
    """The CEO's inbox / office of the CEO, and the regulator's response deadline.

    A writer waiting for the CEO's own answer (``ceo.responds``) gives up after an
    exponential time of mean ``writer_patience_days`` times their patience multiplier,
    and the letter is withdrawn unless the CEO has started it; 0: writers wait for ever."""

    response_deadline_days: float = param(15.0, positive_at_most(3650, " days"))
    deadline_fine_usd: float = param(500.0, usd(1e9))
    writer_patience_days: float = param(15.0, nonneg_at_most(3650, " days"))


@dataclass
class ChannelsConfig:
    """Per-channel settings, one section per channel of the channel registry that has any
    (:mod:`escalationsim.engine.channels`)."""

    phone: PhoneConfig = field(default_factory=PhoneConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    social: SocialConfig = field(default_factory=SocialConfig)
    ceo: CeoInboxConfig = field(default_factory=CeoInboxConfig)


_HOUR = Check(lambda v: is_num(v) and 0 <= v <= 24, "an hour of day in [0, 24]")


@dataclass
class ShiftConfig:
    """``count`` workers from ``start_hour`` to ``end_hour`` on ``days`` (0 = Monday ...
    6 = Sunday); an end at or before the start runs past midnight."""

    days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    start_hour: float = param(9.0, _HOUR)
    end_hour: float = param(17.0, _HOUR)
    count: int = param(1, int_in(0, 1_000_000))

    def check_rules(self, prefix: str) -> None:
        check(
            f"{prefix}.days",
            list(self.days),
            len(self.days) > 0
            and len(set(self.days)) == len(self.days)
            and all(is_int(d) and 0 <= d <= 6 for d in self.days),
            "a non-empty list of distinct days 0..6 (0 = Monday)",
        )


@dataclass
class ScheduleConfig:
    """When a pool's staff are on duty, repeating every week. Empty (the default): the
    pool's ``count`` around the clock. Either ``shifts`` (head counts add up where shifts
    overlap) or ``hourly``: head count by hour, 24 entries (every day alike) or 168
    (Monday 00:00 first)."""

    shifts: list[ShiftConfig] = field(default_factory=list)
    hourly: list[int] = field(default_factory=list)

    def check_rules(self, prefix: str) -> None:
        check(
            f"{prefix}",
            "shifts and hourly",
            not (self.shifts and self.hourly),
            "either shifts or hourly, not both",
        )
        if self.hourly:
            check(
                f"{prefix}.hourly",
                list(self.hourly),
                len(self.hourly) in (24, 168)
                and all(is_int(n) and 0 <= n <= 1_000_000 for n in self.hourly),
                "24 or 168 head counts, integers in [0, 1000000]",
            )

    @property
    def constant(self) -> bool:
        """No schedule: the pool's count around the clock."""
        return not self.shifts and not self.hourly


@dataclass
class PoolConfig:
    """A pool of identical staff: head count, loaded hourly cost and when they work
    (``schedule``: the staff logged in and able to work; by default ``count`` workers
    around the clock). ``shrinkage``: the share of paid hours lost to breaks, training,
    meetings, leave and absence, so that paid hours are the scheduled ones over
    ``1 - shrinkage`` (a price: it changes no behaviour; 0: paid hours are the scheduled
    ones)."""

    count: int = param(1, int_min(1))
    hourly_cost_usd: float = param(40.0, usd(1e6))
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    shrinkage: float = param(0.0, within(0, 0.9))

    def check_rules(self, prefix: str) -> None:
        sch = self.schedule
        if sch.constant:
            return
        busy = any(n > 0 for n in sch.hourly) or any(sh.count > 0 for sh in sch.shifts)
        check(f"{prefix}.schedule", "no one on duty", busy, "at least one worker on duty")

    def weekly_schedule(self) -> Schedule:
        """The pool's weekly schedule: its shifts, its hourly table, or ``count`` workers
        around the clock."""
        sch = self.schedule
        if sch.hourly:
            return Schedule.from_table(sch.hourly)
        if sch.shifts:
            return Schedule.from_shifts(
                Shift(tuple(s.days), s.start_hour, s.end_hour, s.count) for s in sch.shifts
            )
        return Schedule.constant(self.count)


@dataclass
class WorkRoute:
    """Which pool does one kind of work, and in which priority class (lower first; in a
    class, first come first served, or the policy's order, e.g. bigger accounts first).

    ``reserve``: the work is started only while at least this many other workers of the
    pool stay free (trunk reservation, as blended call centres keep agents free for
    calls: Bhulai & Koole, 2003; Gans & Zhou, 2003); while fewer are on duty, it waits."""

    pool: str = "reps"
    priority: int = param(0, int_in(0, 100))
    reserve: int = param(0, int_in(0, 1_000_000))


WORK_POOLS: tuple[str, ...] = ("reps", "social", "managers", "exec_office")
"""Pools that can be given work (the CEO has a desk of their own)."""


@dataclass
class WorkConfig:
    """Who does each kind of work. By default one blended team of reps: phone (priority
    0), then posts (1), then email and consults (2), posts and consults started only
    while two other reps stay free, emails by any free rep; the first version had
    separate teams (phone and email to the reps, posts to the social team). A pool with
    no work is not staffed."""

    phone: WorkRoute = field(default_factory=lambda: WorkRoute("reps", 0))
    email: WorkRoute = field(default_factory=lambda: WorkRoute("reps", 2, 0))
    consult: WorkRoute = field(default_factory=lambda: WorkRoute("reps", 2, 2))
    social: WorkRoute = field(default_factory=lambda: WorkRoute("reps", 1, 2))
    supervisor: WorkRoute = field(default_factory=lambda: WorkRoute("managers", 0))
    owner: WorkRoute = field(default_factory=lambda: WorkRoute("managers", 0))
    audit: WorkRoute = field(default_factory=lambda: WorkRoute("managers", 1))
    office: WorkRoute = field(default_factory=lambda: WorkRoute("exec_office", 0))

    def check_rules(self, prefix: str) -> None:
        for kind, route in vars(self).items():
            check(
                f"{prefix}.{kind}.pool",
                route.pool,
                route.pool in WORK_POOLS,
                f"one of {list(WORK_POOLS)}",
            )

    def pools_in_use(self) -> set[str]:
        """Pools that some kind of work goes to."""
        return {route.pool for route in vars(self).values()}


@dataclass
class CeoConfig:
    """The CEO: a single person with a weekly time budget for complaints."""

    hours_per_week: float = 4.0
    days_per_week: int = param(
        5, Check(lambda v: is_int(v) and 1 <= v <= 7, "an integer in [1, 7]")
    )
    start_hour: float = param(
        9.0, Check(lambda v: is_num(v) and 0 <= v < 24, "an hour of day in [0, 24)")
    )
    hourly_cost_usd: float = param(5000.0, usd(1e6))

    def check_rules(self, prefix: str) -> None:
        days = self.days_per_week
        check(
            f"{prefix}.hours_per_week",
            self.hours_per_week,
            is_num(self.hours_per_week) and 0 < self.hours_per_week <= 24 * days,
            f"a number in (0, {24 * days}] (24 h x days_per_week)",
        )
        block = self.hours_per_week / days
        check(
            f"{prefix}.start_hour",
            self.start_hour,
            self.start_hour + block <= 24,
            f"early enough that the daily block of {block:g} h ends by midnight",
        )


@dataclass
class StaffConfig:
    """Staff pools. Reps answer phone (first) and email (second) from one pool.

    With ``scale_with_volume`` the pools grow with the business and the CEO does not:
    reps are staffed by Erlang A for the phone load (abandonment at most half of
    ``targets.phone_abandon_max``) plus the email load in Erlangs, rounded up; the other
    pools are sized ``ceil(count x volume_per_day / reference_volume_per_day)``, at
    least 1 (see ``escalationsim.experiment.staffing.head_counts``).
    """

    reps: PoolConfig = field(
        default_factory=lambda: PoolConfig(
            count=7,
            hourly_cost_usd=28.0,
            schedule=ScheduleConfig(hourly=list(REPS_ROSTER)),
            shrinkage=0.33,
        )
    )
    social: PoolConfig = field(
        default_factory=lambda: PoolConfig(count=2, hourly_cost_usd=45.0, shrinkage=0.33)
    )
    managers: PoolConfig = field(
        default_factory=lambda: PoolConfig(count=1, hourly_cost_usd=70.0, shrinkage=0.3)
    )
    exec_office: PoolConfig = field(
        default_factory=lambda: PoolConfig(
            count=5,
            hourly_cost_usd=90.0,
            schedule=ScheduleConfig(shifts=[ShiftConfig([0, 1, 2, 3, 4], 9.0, 17.0, 5)]),
            shrinkage=0.3,
        )
    )
    ceo: CeoConfig = field(default_factory=CeoConfig)
    work: WorkConfig = field(default_factory=WorkConfig)
    scale_with_volume: bool = False
    reference_volume_per_day: float = param(1000.0, positive_at_most(1e9, " complaints a day"))

    def check_rules(self, prefix: str) -> None:
        for kind, route in vars(self.work).items():
            if route.reserve and route.pool in WORK_POOLS:
                peak = getattr(self, route.pool).weekly_schedule().peak
                check(
                    f"{prefix}.work.{kind}.reserve",
                    route.reserve,
                    route.reserve < peak,
                    f"fewer than the most {route.pool} ever on duty ({peak}), or the work "
                    "would never start",
                )


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
    backoffice: HandleTime = field(default_factory=lambda: HandleTime(20.0, 0.8))
    chase: HandleTime = field(default_factory=lambda: HandleTime(4.0, 0.8))
    office_reply: HandleTime = field(default_factory=lambda: HandleTime(30.0, 0.8))
    office_draft: HandleTime = field(default_factory=lambda: HandleTime(20.0, 0.8))
    ceo_sign: HandleTime = field(default_factory=lambda: HandleTime(1.0, 0.5))


@dataclass
class BehaviourConfig:
    """How customers and frontline staff behave after each contact."""

    routine_fix_prob: float = param(0.85, PROB)
    retry_delay_mean_h: float = param(4.0, positive_at_most(1e5, " hours"))
    escalate_delay_mean_h: float = param(12.0, positive_at_most(1e5, " hours"))
    max_retries: int = param(1, int_in(0, 100))
    supervisor_request_prob: float = param(0.3, PROB)
    switch_prob: float = param(0.3, PROB)
    """After a service failure on a channel with an alternative (phone <-> email), the
    chance that a customer who tries again switches to the alternative instead of
    retrying the same channel (once per complaint; 0: channels are sticky)."""
    roulette_prob: float = param(0.2, PROB)
    """After a rep's "no" on the phone or by email, the chance that the customer asks
    again, hoping for another rep, before escalating ("rep roulette"; 0: never)."""
    max_roulette: int = param(1, int_in(0, 100))
    """Rep-roulette attempts per complaint at most."""


@dataclass
class BackOfficeConfig:
    """Work a resolution needs after the contact (a refund, a replacement, a fix by
    another team). A resolved complaint needs it with ``share_routine`` or
    ``share_exception``; it then completes after a lead time (lognormal, mean and
    coefficient of variation) and costs ``handle_times.backoffice`` of back-office staff
    time at ``hourly_cost_usd``; the complaint counts as resolved, and the customer is
    told, when it completes. While waiting the customer may chase (a recontact on the
    channel the fix was promised on, or the phone): the time to each chase is Weibull
    with ``chase_shape`` > 1, so the chance of chasing grows with the wait."""

    enabled: bool = True
    share_routine: float = param(0.2, PROB)
    share_exception: float = param(0.8, PROB)
    lead_time_mean_h: float = param(72.0, positive_at_most(1e5, " hours"))
    lead_time_cv: float = param(1.0, within(0, 10))
    hourly_cost_usd: float = param(35.0, usd(1e6))
    chase_scale_h: float = param(72.0, positive_at_most(1e6, " hours"))
    chase_shape: float = param(2.0, within(0.1, 20))
    max_chases: int = param(3, int_in(0, 100))


@dataclass
class CustomersConfig:
    """Customers who remember (:mod:`escalationsim.engine.customer_base`): a finite base
    of ``volume_per_day x 365 / complaints_per_customer_year`` customers, each complaining
    at that rate (a Poisson process per customer), who can complain more than once.
    After a complaint answered in public (a post answered) or at the CEO's inbox (a letter
    resolved), the customer complains ``answered_rate_multiplier`` times as often, and
    next time starts on social with ``social_first_prob`` (after a public answer) or at the
    CEO's inbox with ``ceo_first_prob`` (after a letter resolved). A customer who churns
    leaves the base. ``enabled: false``: every complaint is a new customer's (the first
    version)."""

    enabled: bool = True
    complaints_per_customer_year: float = param(0.5, positive_at_most(1e4, " a year"))
    answered_rate_multiplier: float = param(1.5, within(1, 100))
    social_first_prob: float = param(0.5, PROB)
    ceo_first_prob: float = param(0.5, PROB)

    def base_size(self, volume_per_day: float) -> float:
        """Customers in the base: the volume over each customer's complaint rate."""
        return volume_per_day * 365.0 / self.complaints_per_customer_year


@dataclass
class PublicityConfig:
    """Publicity that spreads (:mod:`escalationsim.engine.publicity`): negative
    impressions of unanswered public posts, and of public refusals for the rest of the
    post's life, reach the customer base; the exposure per customer (impressions over
    the base size, decaying with ``memory_days``) makes a customer who uses social media
    start their complaint there instead of on the phone or by email with probability
    ``public_first_max x (1 - exp(-exposure / exposure_scale))``. ``enabled: false``: no
    effect beyond the impression cost (the first version)."""

    enabled: bool = True
    public_first_max: float = param(0.3, PROB)
    exposure_scale: float = param(2.0, positive_at_most(1e9, " impressions per customer"))
    memory_days: float = param(7.0, positive_at_most(3650, " days"))


@dataclass
class FollowUpsConfig:
    """Promises made on a channel without tickets (``policy.tracking``): back-office work
    promised on an untracked contact is lost with ``lost_prob_untracked``; the customer
    chases until the promised time has passed, then starts over on the channel they began
    on, if they persist (once per complaint; 0: never lost, the first version)."""

    lost_prob_untracked: float = param(0.2, PROB)


@dataclass
class ClaimsConfig:
    """Exception claims that are weak (not owed under the rules) and the judgement of
    those who decide them (:mod:`escalationsim.engine.judgement`). A share ``weak_share``
    of the complaints needing an exception make a weak claim. Each rep has an error
    multiplier (lognormal, mean 1, log-sd ``rep_spread``) on the chance of granting a
    weak claim (``rep_weak_grant``) and of refusing a legitimate one
    (``rep_legit_refuse``); a manager reviewing a weak claim above the rep's budget grants
    it with ``manager_weak_grant`` (a legitimate one with the policy's
    ``manager_approval_prob``). ``enabled: false``: every claim is legitimate and every
    rep judges perfectly (the first version)."""

    enabled: bool = True
    weak_share: float = param(0.15, PROB)
    rep_weak_grant: float = param(0.3, PROB)
    rep_legit_refuse: float = param(0.1, PROB)
    rep_spread: float = param(0.5, LOG_SD)
    manager_weak_grant: float = param(0.05, PROB)
    override_weak_factor: float = param(0.2, PROB)
    """Whoever may override customer service's "no" at the CEO's inbox (the office, the
    CEO) overrides a weak claim with this factor times their override chance: the
    legitimacy of a claim raises the chance it is overridden."""


@dataclass
class WeighingConfig:
    """Customers who weigh their claim (:mod:`escalationsim.engine.weighing`): after a
    failure, the odds that a customer with an exception claim tries again are their
    persistence's odds times (claim value over the population's median)^``value_elasticity``,
    times ``weak_odds`` if the claim is not owed (weak claims need ``claims.enabled``).
    Screening of weak claims by the hassle of escalating (Dukes & Zhu 2019) then emerges
    rather than being assumed. ``enabled: false``: persistence ignores the claim (the
    first version)."""

    enabled: bool = True
    value_elasticity: float = param(0.5, within(0, 5))
    weak_odds: float = param(0.5, within(0, 1e3))


@dataclass
class OmbudsmanConfig:
    """A refused exception claim taken to an ombudsman or regulator, priced after the run
    (:mod:`escalationsim.analysis.complaints`). A customer whose claim was never granted
    and who gave up on the company refers it with ``referral_prob_owed`` (the claim was
    owed) or ``referral_prob_weak`` (it was not), times (claim value over the population's
    median)^``value_elasticity`` times (persistence over its mean)^``persistence_elasticity``
    (capped at 1): bigger claims and more persistent customers go further. The
    ombudsman upholds an owed claim with ``uphold_owed``, a weak one with ``uphold_weak``.
    Each case costs the company the ``case_fee_usd`` and ``staff_hours`` of the executive
    office's time (at its hourly cost); an upheld one also the claim's value and an
    ``award_usd`` for distress and inconvenience. ``enabled: false``: no case (the cost of
    saying no is churn alone)."""

    enabled: bool = True
    referral_prob_owed: float = param(0.1, PROB)
    referral_prob_weak: float = param(0.03, PROB)
    value_elasticity: float = param(0.5, within(0, 5))
    persistence_elasticity: float = param(1.0, within(0, 5))
    uphold_owed: float = param(0.9, PROB)
    uphold_weak: float = param(0.1, PROB)
    case_fee_usd: float = param(820.0, usd(1e6))
    staff_hours: float = param(3.0, nonneg_at_most(1000))
    award_usd: float = param(150.0, usd(1e6))


@dataclass
class OfficeConfig:
    """How the executive office handles the CEO's inbox (policy/ceo.py).

    ``reads_file``: under ``ceo.office`` the office asks customer service what happened,
    waits for the file (``investigation_mean_h``, exponential), and writes the answer
    (``handle_times.office_reply``, in office hours); it repeats an explicit "no" unless
    it overrides, and resolves as an owner would a complaint customer service never
    answered. ``drafts_ceo_letters``: under ``ceo.redirects`` the office drafts the
    acknowledgement (``handle_times.office_draft``) and the CEO only signs it
    (``handle_times.ceo_sign``). ``owner_direct_line``: the acknowledgement names the
    owner, and the customer's later contacts about the case (chases) go to the owner's
    queue. All false: the first version (the office answers at once, the CEO writes every
    acknowledgement, chases go to the office)."""

    reads_file: bool = True
    investigation_mean_h: float = param(48.0, nonneg_at_most(1e5, " hours"))
    drafts_ceo_letters: bool = True
    owner_direct_line: bool = True


class ChurnAccounting(str, Enum):
    """How churn enters the cost: ``incremental``: churn beyond the baseline attrition,
    valued at the margin lost over ``horizon_years``; ``lifetime``: every churned customer
    at their whole lifetime value (the first version's accounting)."""

    incremental = "incremental"
    lifetime = "lifetime"


@dataclass
class ChurnConfig:
    """Repurchase probability after a complaint (TARP), by problem size and outcome, and
    how the churn it implies is costed.

    Routine issues count as minor problems, issues needing an exception as major ones.
    ``baseline_attrition``: share of customers who leave within ``horizon_years`` without
    any complaint; ``lifetime_years``: the customer lifetime their value is spread over,
    so the margin lost over the horizon is ``clv x min(1, horizon / lifetime)``.
    """

    accounting: ChurnAccounting = param(ChurnAccounting.incremental, one_of(ChurnAccounting))
    baseline_attrition: float = param(0.1, PROB)
    horizon_years: float = param(1.0, positive_at_most(100, " years"))
    lifetime_years: float = param(5.0, positive_at_most(100, " years"))

    quick_resolution_h: float = param(24.0, positive_at_most(1e5, " hours"))
    minor_quick: float = param(0.95, PROB)
    minor_fixed: float = param(0.70, PROB)
    minor_unfixed: float = param(0.46, PROB)
    major_quick: float = param(0.82, PROB)
    major_fixed: float = param(0.54, PROB)
    major_unfixed: float = param(0.19, PROB)
    ceo_channel_penalty: float = param(0.25, PROB)
    """Repurchase after a fix that came through the CEO's channel is this share lower than
    the same fix through the normal channels (0: no penalty, the first version)."""
    realisation: float = param(1.0, PROB)
    """The share of the customers who say they will not buy again (TARP's figures are
    stated intentions) who actually leave: churn probability = realisation x (1 -
    repurchase). 1: intentions taken at face value."""

    def check_rules(self, prefix: str) -> None:
        for stage in ("minor", "major"):
            q, f, u = (getattr(self, f"{stage}_{x}") for x in ("quick", "fixed", "unfixed"))
            check(
                f"{prefix}.{stage}_*",
                (q, f, u),
                q >= f >= u,
                f"ordered {stage}_quick >= {stage}_fixed >= {stage}_unfixed (repurchase is "
                "likelier the better the outcome)",
            )


class StaffBasis(str, Enum):
    """Which staff hours the total cost charges."""

    paid = "paid"
    busy = "busy"


@dataclass
class CostsConfig:
    """Money that is not handling time: how staff are paid, publicity, one-off fixes.

    ``staff_basis``: ``busy`` charges staff for the hours they handled complaints (the
    first version's accounting); ``paid`` charges every paid hour of the schedule, idle
    time included (what the payroll pays)."""

    cost_per_impression_usd: float = param(0.01, usd(1e3))
    staff_basis: StaffBasis = param(StaffBasis.paid, one_of(StaffBasis))


@dataclass
class TargetsConfig:
    """The service a policy must deliver; ``meets_targets`` in kpis.csv checks them."""

    phone_abandon_max: float = param(0.12, PROB)
    ttr_p90_max_h: float = param(120.0, POSITIVE)
    deadline_breach_max: float = param(0.05, PROB)
    ceo_personal_share_min: float = param(0.5, PROB)
    """The share of its letters a CEO who responds must answer in person for the policy
    to be what it says (``ceo_answers_in_person``; not part of ``meets_targets``: only
    a responding CEO answers in person)."""


@dataclass
class ScenarioConfig:
    """Everything about the world a policy is tried in: customers, channels, staff, costs.
    ``calibration``: the folder of the calibration that wrote this scenario
    (``experiment=calibrate``; empty: not calibrated): the simulation ignores it, and
    ``report.html`` quotes that calibration's backtest."""

    kind: str = "escalation"
    name: str = "default"
    calibration: str = ""
    volume_per_day: float = param(1000.0, POSITIVE)
    arrivals: ArrivalsConfig = field(default_factory=ArrivalsConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    channels: ChannelsConfig = field(default_factory=ChannelsConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    handle_times: HandleTimesConfig = field(default_factory=HandleTimesConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    backoffice: BackOfficeConfig = field(default_factory=BackOfficeConfig)
    claims: ClaimsConfig = field(default_factory=ClaimsConfig)
    weighing: WeighingConfig = field(default_factory=WeighingConfig)
    ombudsman: OmbudsmanConfig = field(default_factory=OmbudsmanConfig)
    office: OfficeConfig = field(default_factory=OfficeConfig)
    follow_ups: FollowUpsConfig = field(default_factory=FollowUpsConfig)
    customers: CustomersConfig = field(default_factory=CustomersConfig)
    publicity: PublicityConfig = field(default_factory=PublicityConfig)
    churn: ChurnConfig = field(default_factory=ChurnConfig)
    costs: CostsConfig = field(default_factory=CostsConfig)
    targets: TargetsConfig = field(default_factory=TargetsConfig)

    @classmethod
    def first_version(cls) -> ScenarioConfig:
        """The first version's uncalibrated model (``scenario=first_version``): the
        default with :data:`FIRST_VERSION`'s settings, every mechanism added since then
        switched off, the uncalibrated staffing and accounting."""
        cfg = cls()
        for key, value in FIRST_VERSION.items():
            *path, last = key.split(".")
            node = cfg
            for part in path:
                node = getattr(node, part)
            setattr(node, last, list(value) if isinstance(value, list) else value)
        return cfg

    def expected_per_day(self) -> float:
        """Expected complaints per day (before word of mouth and root-cause fixes)."""
        return self.volume_per_day


FIRST_VERSION: dict[str, object] = {
    "name": "first_version",
    "volume_per_day": 500.0,
    "arrivals.hourly_profile": [],
    "arrivals.weekly_profile": [],
    "channels.email.triage_mean_h": 12.0,
    "channels.email.keep_unanswered": False,
    "channels.phone.patience_mean_s": 90.0,
    "channels.phone.patience_dist": PatienceDist.exponential,
    "channels.social.review_interval_h": 0.0,
    "channels.ceo.writer_patience_days": 0.0,
    "staff.reps.count": 5,
    "staff.reps.hourly_cost_usd": 40.0,
    "staff.reps.shrinkage": 0.0,
    "staff.social.shrinkage": 0.0,
    "staff.managers.shrinkage": 0.0,
    "staff.exec_office.shrinkage": 0.0,
    "staff.reps.schedule.hourly": [],
    "staff.managers.count": 2,
    "staff.exec_office.count": 2,
    "staff.exec_office.schedule.shifts": [],
    "staff.work.email.priority": 1,
    "staff.work.email.reserve": 0,
    "staff.work.consult.priority": 1,
    "staff.work.consult.reserve": 0,
    "staff.work.social.pool": "social",
    "staff.work.social.priority": 0,
    "staff.work.social.reserve": 0,
    "staff.reference_volume_per_day": 500.0,
    "behaviour.switch_prob": 0.0,
    "behaviour.roulette_prob": 0.0,
    "backoffice.enabled": False,
    "claims.enabled": False,
    "weighing.enabled": False,
    "ombudsman.enabled": False,
    "office.reads_file": False,
    "office.drafts_ceo_letters": False,
    "office.owner_direct_line": False,
    "follow_ups.lost_prob_untracked": 0.0,
    "customers.enabled": False,
    "publicity.enabled": False,
    "churn.accounting": ChurnAccounting.lifetime,
    "churn.baseline_attrition": 0.0,
    "churn.ceo_channel_penalty": 0.0,
    "costs.staff_basis": StaffBasis.busy,
    "targets.ttr_p90_max_h": 72.0,
}
"""Where the first version's model (conf/scenario/first_version.yaml) differs from the
default: flat arrivals, staff around the clock at the first head counts (paid for the
hours scheduled, at the first hourly cost), callers' exponential 90-second patience,
separate social team, channels that never switch, no back office, weak claims or
ombudsman, office reading the file, lost follow-ups, customers who remember or publicity
that spreads, and its accounting (lifetime churn value, busy staff hours, a 72-hour P90
target)."""
