"""The customers of one replication: arrival times and attributes, drawn in numpy blocks.

The table is drawn once per replication from the ``arrivals`` and ``population`` streams
and handed unchanged to every policy, so policies are compared on the same customers
(common random numbers). Arrivals are a homogeneous Poisson process at
``volume_per_day / 24`` per hour: the count over the horizon is Poisson and the times are
sorted uniforms, which is the same process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from escalationsim.config import PopulationConfig, ScenarioConfig

PHONE, EMAIL, SOCIAL, CEO = 0, 1, 2, 3
CHANNELS: tuple[str, ...] = ("phone", "email", "social", "ceo")
CHANNEL_CODES: tuple[int, ...] = (PHONE, EMAIL, SOCIAL, CEO)


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

    def __len__(self) -> int:
        return len(self.arrival_h)


def _logistic_with_mean(x: np.ndarray, mean: float) -> np.ndarray:
    """1 / (1 + exp(-(a + x))) with ``a`` found by bisection so that the average is ``mean``."""
    if mean <= 0.0 or len(x) == 0:
        return np.zeros_like(x)
    if mean >= 1.0:
        return np.ones_like(x)
    lo, hi = -50.0, 50.0
    for _ in range(80):
        a = 0.5 * (lo + hi)
        if np.mean(1.0 / (1.0 + np.exp(-(a + x)))) < mean:
            lo = a
        else:
            hi = a
    return 1.0 / (1.0 + np.exp(-(0.5 * (lo + hi) + x)))


def _lognormal_median(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def rate_factor(scenario: ScenarioConfig, t_h: np.ndarray) -> np.ndarray:
    """Arrival rate at times ``t_h`` relative to the mean daily rate: the hour-of-day
    weight (mean 1) times the multiplier of every incident under way."""
    cfg = scenario.arrivals
    factor = np.ones_like(t_h, dtype=float)
    if cfg.hourly_profile:
        w = np.asarray(cfg.hourly_profile, dtype=float)
        factor *= (w / w.mean())[np.floor(t_h % 24.0).astype(int)]
    for b in cfg.bursts:
        start = b.start_day * 24.0
        factor *= np.where((t_h >= start) & (t_h < start + b.duration_h), b.multiplier, 1.0)
    return factor


def arrival_times(
    scenario: ScenarioConfig, horizon_h: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted Poisson arrival times over [0, horizon_h): homogeneous at
    ``volume_per_day / 24`` per hour, or, with an hourly profile or incidents, thinned
    from the highest rate (each candidate kept with probability rate(t) / max rate)."""
    rate_h = scenario.volume_per_day / 24.0
    cfg = scenario.arrivals
    if not cfg.hourly_profile and not cfg.bursts:
        n = int(rng.poisson(rate_h * horizon_h))
        return np.sort(rng.random(n) * horizon_h)
    peak = 1.0
    if cfg.hourly_profile:
        w = np.asarray(cfg.hourly_profile, dtype=float)
        peak = float(w.max() / w.mean())
    for b in cfg.bursts:
        peak *= max(b.multiplier, 1.0)
    n = int(rng.poisson(rate_h * peak * horizon_h))
    times = np.sort(rng.random(n) * horizon_h)
    keep = rng.random(n) * peak < rate_factor(scenario, times)
    return times[keep]


def draw_population(
    scenario: ScenarioConfig,
    horizon_h: float,
    arrivals: np.random.Generator,
    attributes: np.random.Generator,
) -> Population:
    """Draw arrival times over [0, horizon_h) and every customer attribute."""
    times = arrival_times(scenario, horizon_h, arrivals)
    n = len(times)
    p: PopulationConfig = scenario.population
    rng = attributes

    z = rng.standard_normal(n)
    followers = np.floor(np.minimum(p.followers_median * np.exp(p.followers_sigma * z), 1e12))
    # Social use rises with the size of the following: logistic in the follower z-score,
    # with the intercept chosen so that the population share is uses_social_share.
    u_social = rng.random(n)
    p_social = _logistic_with_mean(p.uses_social_follower_slope * z, p.uses_social_share)
    uses_social = u_social < p_social
    # First channel: social users post first on social with the probability that makes
    # the overall share first_channel_social; everyone else phones or emails.
    p_first_social = p.first_channel_social / p.uses_social_share if p.uses_social_share else 0.0
    u_first = rng.random(n)
    p_phone = p.first_channel_phone / max(p.first_channel_phone + p.first_channel_email, 1e-12)
    first = np.where(u_first < p_phone, PHONE, EMAIL).astype(np.int8)
    first[uses_social & (rng.random(n) < p_first_social)] = SOCIAL
    knows_ceo = rng.random(n) < p.knows_ceo_share
    a = p.persistence_mean * p.persistence_concentration
    b = (1.0 - p.persistence_mean) * p.persistence_concentration
    persistence = rng.beta(a, b, n)
    # Patience multiplier with mean 1 (lognormal), applied to every channel's patience.
    s = p.patience_sigma
    patience = np.exp(s * rng.standard_normal(n) - 0.5 * s * s)
    clv = _lognormal_median(rng, p.clv_median_usd, p.clv_sigma, n)
    needs_exception = rng.random(n) < p.exception_share
    exception_value = _lognormal_median(
        rng, p.exception_value_median_usd, p.exception_value_sigma, n
    )
    weights = 1.0 / np.arange(1, p.causes + 1) ** p.cause_zipf_s
    cause = rng.choice(p.causes, size=n, p=weights / weights.sum()).astype(np.int16)
    u = rng.random((3, n))
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
    )
