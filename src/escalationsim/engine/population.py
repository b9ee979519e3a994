"""The customers of one replication: arrival times and attributes, drawn in numpy blocks.

The table is drawn from the ``arrivals`` and ``population`` streams of a replication and
is the same for every policy, so policies are compared on the same customers (common
random numbers). It is drawn in consecutive time blocks of equal length (about
``BLOCK_CUSTOMERS`` arrivals each): in each block the number of arrivals is Poisson and
their times are sorted uniforms, which is a homogeneous Poisson process at
``volume_per_day / 24`` per hour (thinned for an hourly profile or incidents). Whole
blocks are always drawn and arrivals after the horizon dropped, so a longer horizon
keeps every earlier customer unchanged, and a run can read the table a block at a time
with memory that does not grow with the horizon.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np

from escalationsim.config.scenario import PopulationConfig, ScenarioConfig
from escalationsim.engine import channels
from escalationsim.kernel import libm


@dataclass
class Population:
    """Columnar customer attributes, one entry per would-be complaint, in arrival order."""

    arrival_h: np.ndarray
    followers: np.ndarray
    first_channel: np.ndarray
    uses_social: np.ndarray
    knows_ceo: np.ndarray
    persistence: np.ndarray
    patience: np.ndarray
    clv: np.ndarray
    needs_exception: np.ndarray
    exception_value: np.ndarray
    cause: np.ndarray
    u_direct: np.ndarray
    u_churn: np.ndarray
    u_prevent: np.ndarray
    claim_weak: np.ndarray
    customer_id: np.ndarray
    u_accept: np.ndarray
    u_first: np.ndarray
    u_public: np.ndarray
    u_ombudsman: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival_h)

    @classmethod
    def concat(cls, blocks: list[Population]) -> Population:
        """One table from consecutive blocks."""
        return cls(
            **{f.name: np.concatenate([getattr(b, f.name) for b in blocks]) for f in fields(cls)}
        )


BLOCK_CUSTOMERS = 4096
"""Expected arrivals per block of the customer table (at the peak arrival rate)."""


def logistic_intercept(slope: float, mean: float) -> float:
    """The intercept ``a`` with E[1 / (1 + exp(-(a + slope Z)))] = ``mean`` for a standard
    normal Z (Gauss-Hermite quadrature, bisection): social use rises with followers while
    the population share stays ``mean``."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    lo, hi = -60.0, 60.0
    for _ in range(100):
        a = 0.5 * (lo + hi)
        if float(np.sum(w / (1.0 + libm.exp(-(a + slope * x))))) < mean:
            lo = a
        else:
            hi = a
    return 0.5 * (lo + hi)


def _lognormal_median(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * libm.exp(sigma * rng.standard_normal(n))


def profile_factor(scenario: ScenarioConfig, t_h: np.ndarray) -> np.ndarray:
    """Arrival rate at times ``t_h`` relative to the mean rate, from the hour-of-day and
    day-of-week profiles only (each normalised to mean 1; day 0 is a Monday)."""
    cfg = scenario.arrivals
    factor = np.ones_like(t_h, dtype=float)
    if len(cfg.hourly_profile):
        w = np.asarray(cfg.hourly_profile, dtype=float)
        factor *= (w / w.mean())[np.floor(t_h % 24.0).astype(int)]
    if len(cfg.weekly_profile):
        w = np.asarray(cfg.weekly_profile, dtype=float)
        factor *= (w / w.mean())[np.floor(t_h / 24.0).astype(np.int64) % 7]
    return factor


def rate_factor(scenario: ScenarioConfig, t_h: np.ndarray) -> np.ndarray:
    """Arrival rate at times ``t_h`` relative to the mean daily rate: the hour-of-day
    weight (mean 1) times the day-of-week weight (mean 1; day 0 is a Monday) times the
    multiplier of every incident under way."""
    cfg = scenario.arrivals
    factor = profile_factor(scenario, t_h)
    for b in cfg.bursts:
        start = b.start_day * 24.0
        factor *= np.where((t_h >= start) & (t_h < start + b.duration_h), b.multiplier, 1.0)
    return factor


def candidate_factor(scenario: ScenarioConfig) -> float:
    """Candidate arrivals per expected complaint of a customer with no history: with
    customers who remember, a customer answered before complains up to
    ``answered_rate_multiplier`` times as often, so candidates are drawn at that multiple
    of the rate and each is kept by its customer's current rate (engine.customer_base)."""
    cust = scenario.customers
    return cust.answered_rate_multiplier if cust.enabled else 1.0


def _peak_factor(scenario: ScenarioConfig) -> float:
    """Highest candidate arrival rate over the mean daily rate (1 for a flat profile and
    no customer memory)."""
    cfg = scenario.arrivals
    peak = candidate_factor(scenario)
    if len(cfg.hourly_profile):
        w = np.asarray(cfg.hourly_profile, dtype=float)
        peak *= float(w.max() / w.mean())
    if len(cfg.weekly_profile):
        w = np.asarray(cfg.weekly_profile, dtype=float)
        peak *= float(w.max() / w.mean())
    for b in cfg.bursts:
        peak *= max(b.multiplier, 1.0)
    return peak


def block_hours(scenario: ScenarioConfig) -> float:
    """Length of one block of the customer table: ``BLOCK_CUSTOMERS`` expected candidate
    arrivals at the peak rate (a whole number of hours when that is at least an hour)."""
    rate_h = scenario.volume_per_day / 24.0 * _peak_factor(scenario)
    h = BLOCK_CUSTOMERS / rate_h if rate_h > 0 else math.inf
    return float(math.floor(h)) if h >= 1.0 else h


class DayFactors:
    """The busyness factor of each day (``scenario.arrivals.busyness_cv``): gamma with
    mean 1, one per day, drawn from a stream of its own in fixed chunks of ``CHUNK_DAYS``
    as the blocks reach the days, so a longer horizon keeps every earlier day's factor."""

    CHUNK_DAYS = 64

    def __init__(self, cv: float, rng: np.random.Generator) -> None:
        self.shape = 1.0 / (cv * cv)
        self.rng = rng
        self.values = np.zeros(0)

    def days(self, first: int, last: int) -> np.ndarray:
        """The factors of days ``first`` to ``last - 1``."""
        while len(self.values) < last:
            more = self.rng.gamma(self.shape, 1.0 / self.shape, self.CHUNK_DAYS)
            self.values = np.concatenate((self.values, more))
        return self.values[first:last]


def _block_arrivals(
    scenario: ScenarioConfig,
    start_h: float,
    length_h: float,
    rng: np.random.Generator,
    busy: DayFactors | None = None,
) -> np.ndarray:
    """Sorted Poisson arrival times in [start_h, start_h + length_h): homogeneous at
    ``volume_per_day / 24`` per hour, or, with an hourly profile, incidents or busy days,
    thinned from the highest rate in the block (each candidate kept with probability
    rate(t) / max rate)."""
    rate_h = scenario.volume_per_day / 24.0
    peak = _peak_factor(scenario)
    day_factor = None
    if busy is not None:
        first = int(start_h // 24.0)
        day_factor = busy.days(first, int(math.ceil((start_h + length_h) / 24.0)))
        peak *= float(day_factor.max())
    n = int(rng.poisson(rate_h * peak * length_h))
    times = start_h + np.sort(rng.random(n)) * length_h
    if peak == 1.0 and not scenario.arrivals.bursts and busy is None:
        return times  # flat: every candidate is an arrival
    rate = rate_factor(scenario, times) * candidate_factor(scenario)
    if day_factor is not None:
        rate *= day_factor[np.floor(times / 24.0).astype(np.int64) - first]
    if n and float(rate.max()) > peak * (1.0 + 1e-12):
        # a rate above the thinning bound would be kept with probability 1 and so lose
        # arrivals silently (as _peak_factor once did at the busiest hours): never clip
        raise AssertionError(f"arrival rate {rate.max():g} above its thinning bound {peak:g}")
    keep = rng.random(n) * peak < rate
    return times[keep]


def arrival_times(
    scenario: ScenarioConfig, horizon_h: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted arrival times over [0, horizon_h), drawn block by block (see module doc)."""
    block = block_hours(scenario)
    parts = []
    k = 0
    while k * block < horizon_h:
        t = _block_arrivals(scenario, k * block, block, rng)
        parts.append(t[t < horizon_h])
        k += 1
    return np.concatenate(parts) if parts else np.zeros(0)


def _attributes(
    scenario: ScenarioConfig,
    times: np.ndarray,
    rng: np.random.Generator,
    a_social: float,
    later: np.random.Generator,
    memory: np.random.Generator,
    ombudsman: np.random.Generator,
) -> Population:
    """Every attribute of the customers arriving at ``times``: the first version's from
    ``rng``, those added since from ``later`` (so the first stay as they were), those of
    customers who remember and of publicity from ``memory`` (only when either is on),
    the uniform deciding a refused claim's referral to an ombudsman from ``ombudsman``."""
    n = len(times)
    p: PopulationConfig = scenario.population
    z = rng.standard_normal(n)
    followers = np.floor(np.minimum(p.followers_median * libm.exp(p.followers_sigma * z), 1e12))
    # Social use rises with the size of the following: logistic in the follower z-score,
    # with the intercept chosen so that the population share is uses_social_share.
    u_social = rng.random(n)
    if p.uses_social_share <= 0.0:
        p_social = np.zeros(n)
    elif p.uses_social_share >= 1.0:
        p_social = np.ones(n)
    else:
        p_social = 1.0 / (1.0 + libm.exp(-(a_social + p.uses_social_follower_slope * z)))
    uses_social = u_social < p_social
    # First channel: social users post first on social with the probability that makes
    # the overall share first_channel_social; everyone else phones or emails.
    p_first_social = p.first_channel_social / p.uses_social_share if p.uses_social_share else 0.0
    u_first = rng.random(n)
    p_phone = p.first_channel_phone / max(p.first_channel_phone + p.first_channel_email, 1e-12)
    phone, email, social = (channels.code(name) for name in ("phone", "email", "social"))
    first = np.where(u_first < p_phone, phone, email).astype(np.int8)
    first[uses_social & (rng.random(n) < p_first_social)] = social
    knows_ceo = rng.random(n) < p.knows_ceo_share
    a = p.persistence_mean * p.persistence_concentration
    b = (1.0 - p.persistence_mean) * p.persistence_concentration
    persistence = rng.beta(a, b, n)
    # Patience multiplier with mean 1 (lognormal), applied to every channel's patience.
    s = p.patience_sigma
    patience = libm.exp(s * rng.standard_normal(n) - 0.5 * s * s)
    clv = _lognormal_median(rng, p.clv_median_usd, p.clv_sigma, n)
    needs_exception = rng.random(n) < p.exception_share
    exception_value = _lognormal_median(
        rng, p.exception_value_median_usd, p.exception_value_sigma, n
    )
    weights = 1.0 / libm.power(np.arange(1, p.causes + 1), p.cause_zipf_s)
    cause = rng.choice(p.causes, size=n, p=weights / weights.sum()).astype(np.int16)
    u = rng.random((3, n))
    c = scenario.claims
    claim_weak = needs_exception & (later.random(n) < (c.weak_share if c.enabled else 0.0))
    # Whose complaint each arrival is (customers who remember: engine.customer_base), and
    # the uniforms that decide whether it happens and where it starts.
    cust = scenario.customers
    if cust.enabled:
        size = int(min(max(round(cust.base_size(scenario.volume_per_day)), 1), 2**62))
        customer_id = memory.integers(0, size, n, dtype=np.int64)
    else:
        customer_id = np.full(n, -1, dtype=np.int64)
    if cust.enabled or scenario.publicity.enabled:
        u_later = memory.random((3, n))
    else:
        u_later = np.zeros((3, n))
    return Population(
        arrival_h=times,
        followers=followers.astype(np.int64),
        first_channel=first,
        uses_social=uses_social,
        knows_ceo=knows_ceo,
        persistence=persistence,
        patience=patience,
        clv=clv,
        needs_exception=needs_exception,
        exception_value=exception_value,
        cause=cause,
        u_direct=u[0],
        u_churn=u[1],
        u_prevent=u[2],
        claim_weak=claim_weak,
        customer_id=customer_id,
        u_accept=u_later[0],
        u_first=u_later[1],
        u_public=u_later[2],
        u_ombudsman=ombudsman.random(n),
    )


@dataclass(frozen=True)
class Replay:
    """Observed complaints to drive through the model instead of drawn ones: their
    arrival times (hours since day 0, sorted) and first channels (channel codes)."""

    times_h: np.ndarray
    first_channel: np.ndarray

    def __post_init__(self) -> None:
        t = np.asarray(self.times_h, dtype=float)
        if len(t) != len(self.first_channel):
            raise ValueError("a replay needs one first channel per arrival time")
        if len(t) and (np.any(np.diff(t) < 0) or t[0] < 0):
            raise ValueError("a replay's arrival times must be sorted and not negative")


def population_blocks(
    scenario: ScenarioConfig,
    horizon_h: float,
    arrivals: np.random.Generator,
    attributes: np.random.Generator,
    later: np.random.Generator | None = None,
    memory: np.random.Generator | None = None,
    replay: Replay | None = None,
    busyness: np.random.Generator | None = None,
    ombudsman: np.random.Generator | None = None,
) -> Iterator[Population]:
    """The customers arriving in [0, horizon_h), one time block after another: arrival
    times from ``arrivals``, the first version's attributes from ``attributes``, those
    added since from ``later`` (the replication's ``customers`` stream; None: a fixed
    stream, for tests that draw a table on its own), those of customers who remember from
    ``memory`` (the ``memory`` stream; None: another fixed stream). With ``replay``, the
    arrival times and first channels are the replay's (a backtest driving a log's observed
    complaints through the model); the other attributes are drawn as usual. ``busyness``
    (the ``busyness`` stream; None: a fixed one) gives the days' busyness factors when
    ``scenario.arrivals.busyness_cv`` is above 0; ``ombudsman`` (the ``ombudsman`` stream;
    None: a fixed one) the uniforms deciding refused claims' referrals."""
    if later is None:
        later = np.random.default_rng(0)
    if memory is None:
        memory = np.random.default_rng(1)
    if ombudsman is None:
        ombudsman = np.random.default_rng(3)
    p = scenario.population
    a_social = (
        logistic_intercept(p.uses_social_follower_slope, p.uses_social_share)
        if 0.0 < p.uses_social_share < 1.0
        else 0.0
    )
    busy = None
    # below 1e-6 the factor is 1 to within double precision (and 1/cv^2 would overflow)
    if scenario.arrivals.busyness_cv > 1e-6 and replay is None:
        cv = scenario.arrivals.busyness_cv
        busy = DayFactors(cv, busyness if busyness is not None else np.random.default_rng(2))
    block = block_hours(scenario)
    k = 0
    while k * block < horizon_h:
        if replay is None:
            times = _block_arrivals(scenario, k * block, block, arrivals, busy)
        else:
            lo, hi = np.searchsorted(replay.times_h, [k * block, (k + 1) * block])
            times = replay.times_h[lo:hi]
        opened = scenario.arrivals.initial_open.counts() if k == 0 else {}
        promised = scenario.arrivals.initial_promised.ages() if k == 0 else []
        first = scenario.arrivals.initial_complaints if k == 0 else 0
        start = first + sum(opened.values()) + len(promised)
        if start:  # a backlog to start from: drawn, then open work by channel
            times = np.concatenate((np.zeros(start), times))
        pop = _attributes(scenario, times, attributes, a_social, later, memory, ombudsman)
        at = first
        for channel, n in opened.items():  # open work waits where it was left
            pop.first_channel[at : at + n] = channels.code(channel)
            pop.u_accept[at : at + n] = 0.0  # already complaints, not candidates
            at += n
        for channel, _ in promised:  # then fixes promised, their work under way
            pop.first_channel[at] = channels.code(channel)
            pop.u_accept[at] = 0.0
            at += 1
        if replay is not None:
            pop.first_channel[len(pop.first_channel) - (hi - lo) :] = replay.first_channel[lo:hi]
        keep = int(np.searchsorted(times, horizon_h))
        if keep < len(times):
            pop = Population(**{f.name: getattr(pop, f.name)[:keep] for f in fields(pop)})
        yield pop
        k += 1


def draw_population(
    scenario: ScenarioConfig,
    horizon_h: float,
    arrivals: np.random.Generator,
    attributes: np.random.Generator,
    later: np.random.Generator | None = None,
    memory: np.random.Generator | None = None,
) -> Population:
    """Draw arrival times over [0, horizon_h) and every customer attribute: the blocks of
    :func:`population_blocks` in one table."""
    blocks = list(population_blocks(scenario, horizon_h, arrivals, attributes, later, memory))
    if not blocks:
        empty = np.random.default_rng(0)
        return _attributes(scenario, np.zeros(0), attributes, 0.0, empty, empty, empty)
    return Population.concat(blocks)
