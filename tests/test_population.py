"""Tests for escalationsim.engine.population: arrivals and customer attributes.

Statistical checks use fixed seeds and a large horizon, and bands of 4 standard errors
computed from the configured values (not from the code under test).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from escalationsim.analysis.fairness import top_share_mask
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine import channels
from escalationsim.engine.population import draw_population
from tests.codes import CEO, EMAIL, PHONE, SOCIAL

DAYS = 200.0
HORIZON_H = DAYS * 24.0


def _draw(scenario: ScenarioConfig, seed: int, horizon_h: float = HORIZON_H):
    ss = np.random.SeedSequence(seed).spawn(2)
    return draw_population(
        scenario,
        horizon_h,
        np.random.default_rng(ss[0]),
        np.random.default_rng(ss[1]),
    )


def _with_slope(slope: float) -> ScenarioConfig:
    s = ScenarioConfig.first_version()
    return dataclasses.replace(
        s, population=dataclasses.replace(s.population, uses_social_follower_slope=slope)
    )


@pytest.fixture(scope="module")
def scenario() -> ScenarioConfig:
    return ScenarioConfig.first_version()


@pytest.fixture(scope="module")
def pop(scenario: ScenarioConfig):
    return _draw(scenario, 20240601)


def _share_ok(observed: np.ndarray, p: float) -> None:
    n = len(observed)
    se = math.sqrt(p * (1.0 - p) / n)
    assert abs(observed.mean() - p) < 4 * se, (observed.mean(), p, se)


def test_channel_codes() -> None:
    assert channels.names()[PHONE] == "phone" and channels.names()[EMAIL] == "email"
    assert channels.names()[SOCIAL] == "social" and channels.names()[CEO] == "ceo"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_arrival_count_within_poisson_band(scenario: ScenarioConfig, seed: int) -> None:
    horizon = 60.0 * 24.0
    pop = _draw(scenario, seed, horizon)
    mean = scenario.volume_per_day * 60.0
    assert abs(len(pop) - mean) < 4 * math.sqrt(mean)


def test_arrival_count_large_horizon(pop, scenario: ScenarioConfig) -> None:
    mean = scenario.volume_per_day * DAYS
    assert abs(len(pop) - mean) < 4 * math.sqrt(mean)


def test_arrival_times_sorted_in_horizon(pop) -> None:
    t = pop.arrival_h
    assert np.all(np.diff(t) >= 0)
    assert t.min() >= 0.0 and t.max() < HORIZON_H
    # Homogeneous: each of 10 equal sub-intervals gets ~1/10 of the arrivals.
    counts, _ = np.histogram(t, bins=10, range=(0.0, HORIZON_H))
    _share_ok(np.repeat([1.0, 0.0], [counts[0], len(t) - counts[0]]), 0.1)
    _share_ok(np.repeat([1.0, 0.0], [counts[-1], len(t) - counts[-1]]), 0.1)


def test_columns_have_one_entry_per_customer(pop) -> None:
    n = len(pop)
    for f in dataclasses.fields(pop):
        assert len(getattr(pop, f.name)) == n, f.name


def test_first_channel_shares(pop, scenario: ScenarioConfig) -> None:
    p = scenario.population
    fc = pop.first_channel
    assert set(np.unique(fc)) <= {PHONE, EMAIL, SOCIAL}  # nobody starts at the CEO
    _share_ok(fc == PHONE, p.first_channel_phone)
    _share_ok(fc == EMAIL, p.first_channel_email)
    _share_ok(fc == SOCIAL, p.first_channel_social)


def test_attribute_shares(pop, scenario: ScenarioConfig) -> None:
    p = scenario.population
    _share_ok(pop.uses_social, p.uses_social_share)
    _share_ok(pop.knows_ceo, p.knows_ceo_share)
    _share_ok(pop.needs_exception, p.exception_share)


def test_first_on_social_implies_uses_social(pop) -> None:
    assert np.all(pop.uses_social[pop.first_channel == SOCIAL])


def test_cause_zipf_share(pop, scenario: ScenarioConfig) -> None:
    p = scenario.population
    weights = [1.0 / (k**p.cause_zipf_s) for k in range(1, p.causes + 1)]
    assert pop.cause.min() >= 0 and pop.cause.max() < p.causes
    _share_ok(pop.cause == 0, weights[0] / sum(weights))
    _share_ok(pop.cause == p.causes - 1, weights[-1] / sum(weights))


def test_followers_median(pop, scenario: ScenarioConfig) -> None:
    # floor(median * exp(sigma z)): P(followers <= m - 1) ~ P(X < m) = 1/2 for m = median.
    m = scenario.population.followers_median
    assert np.all(pop.followers >= 0)
    _share_ok(pop.followers < m, 0.5)


def test_top_followers_use_social_more_with_positive_slope(pop, scenario: ScenarioConfig) -> None:
    assert scenario.population.uses_social_follower_slope > 0
    top = top_share_mask(pop.followers)
    a, b = pop.uses_social[top].mean(), pop.uses_social[~top].mean()
    p = scenario.population.uses_social_share
    se = math.sqrt(p * (1 - p) * (1 / top.sum() + 1 / (~top).sum()))
    assert a - b > 4 * se
    # The overall share is still the configured one.
    _share_ok(pop.uses_social, p)


def test_top_followers_use_social_equally_with_zero_slope() -> None:
    s = _with_slope(0.0)
    pop = _draw(s, 77)
    top = top_share_mask(pop.followers)
    a, b = pop.uses_social[top].mean(), pop.uses_social[~top].mean()
    p = s.population.uses_social_share
    se = math.sqrt(p * (1 - p) * (1 / top.sum() + 1 / (~top).sum()))
    assert abs(a - b) < 4 * se
    _share_ok(pop.uses_social, p)
    _share_ok(pop.first_channel == SOCIAL, s.population.first_channel_social)


def test_patience_multiplier_mean_one(pop, scenario: ScenarioConfig) -> None:
    s = scenario.population.patience_sigma
    x = pop.patience
    assert np.all(x > 0)
    # Lognormal exp(sZ - s^2/2): mean 1, variance exp(s^2) - 1.
    se = math.sqrt((math.exp(s * s) - 1.0) / len(x))
    assert abs(x.mean() - 1.0) < 4 * se


def test_persistence_beta(pop, scenario: ScenarioConfig) -> None:
    p = scenario.population
    x = pop.persistence
    assert np.all((x > 0) & (x < 1))
    m = p.persistence_mean
    var = m * (1 - m) / (p.persistence_concentration + 1)  # Beta(m c, (1 - m) c)
    assert abs(x.mean() - m) < 4 * math.sqrt(var / len(x))


def test_same_seed_same_population(scenario: ScenarioConfig) -> None:
    a, b = _draw(scenario, 5, 240.0), _draw(scenario, 5, 240.0)
    for f in dataclasses.fields(a):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name))


def test_arrivals_depend_only_on_arrival_stream(scenario: ScenarioConfig) -> None:
    a = draw_population(
        scenario, 240.0, np.random.default_rng(1), np.random.default_rng(2)
    ).arrival_h
    b = draw_population(
        scenario, 240.0, np.random.default_rng(1), np.random.default_rng(3)
    ).arrival_h
    np.testing.assert_array_equal(a, b)


# _logistic_with_mean averages an empty array (numpy RuntimeWarning); the result is right.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_zero_horizon_gives_empty_population(scenario: ScenarioConfig) -> None:
    pop = draw_population(scenario, 0.0, np.random.default_rng(1), np.random.default_rng(2))
    assert len(pop) == 0
    assert len(pop.first_channel) == 0


def test_hourly_profile_shapes_arrivals_by_hour() -> None:
    from escalationsim.config.scenario import ArrivalsConfig
    from escalationsim.engine.population import arrival_times

    profile = [0.2] * 8 + [2.0] * 10 + [1.0] * 6  # night, office hours, evening
    flat_week = ArrivalsConfig(hourly_profile=profile, weekly_profile=[])
    s = dataclasses.replace(
        ScenarioConfig.first_version(), volume_per_day=2400.0, arrivals=flat_week
    )
    t = arrival_times(s, 24.0 * 100, np.random.default_rng(5))
    counts = np.bincount(np.floor(t % 24).astype(int), minlength=24)
    expected = 100 * 100.0 * np.asarray(profile) / np.mean(profile)  # 100/h on average
    z = (counts - expected) / np.sqrt(expected)
    assert np.all(np.abs(z) < 5), z
    assert len(t) == pytest.approx(100 * 2400, rel=0.02)


def test_incident_burst_multiplies_the_rate_in_its_window() -> None:
    from escalationsim.config.scenario import ArrivalsConfig, BurstConfig
    from escalationsim.engine.population import arrival_times

    burst = BurstConfig(start_day=10, duration_h=48, multiplier=4.0)
    flat = ArrivalsConfig(hourly_profile=[], weekly_profile=[], bursts=[burst])
    s = dataclasses.replace(ScenarioConfig.first_version(), volume_per_day=1200.0, arrivals=flat)
    t = arrival_times(s, 24.0 * 30, np.random.default_rng(6))
    inside = ((t >= 240) & (t < 288)).sum()
    before = ((t >= 0) & (t < 240)).sum()
    assert inside == pytest.approx(4 * 50 * 48, rel=0.05)  # 50/h base, x4, 48 h
    assert before == pytest.approx(50 * 240, rel=0.05)


def test_bad_arrival_settings_are_rejected() -> None:
    from escalationsim.config.fields import ConfigError, validate_tree
    from escalationsim.config.scenario import ArrivalsConfig, BurstConfig

    with pytest.raises(ConfigError, match=r"scenario\.arrivals\.hourly_profile"):
        validate_tree(
            ScenarioConfig(arrivals=ArrivalsConfig(hourly_profile=[1.0] * 23)), "scenario"
        )
    with pytest.raises(ConfigError, match=r"scenario\.arrivals\.bursts\[0\]\.multiplier"):
        validate_tree(
            ScenarioConfig(arrivals=ArrivalsConfig(bursts=[BurstConfig(multiplier=-1.0)])),
            "scenario",
        )


def test_blocks_make_up_the_table_and_a_longer_horizon_keeps_earlier_customers() -> None:
    from escalationsim.engine.population import block_hours, population_blocks

    s = ScenarioConfig.first_version()
    ss = np.random.SeedSequence(9).spawn(2)

    def rngs():
        return np.random.default_rng(ss[0]), np.random.default_rng(ss[1])

    horizon = 2.5 * block_hours(s)
    blocks = list(population_blocks(s, horizon, *rngs()))
    assert len(blocks) == 3
    whole = draw_population(s, horizon, *rngs())
    longer = draw_population(s, 4 * horizon, *rngs())
    n = len(whole)
    assert sum(len(b) for b in blocks) == n and longer.arrival_h[n] >= horizon
    for f in dataclasses.fields(whole):
        joined = np.concatenate([getattr(b, f.name) for b in blocks])
        np.testing.assert_array_equal(joined, getattr(whole, f.name))
        np.testing.assert_array_equal(getattr(longer, f.name)[:n], getattr(whole, f.name))
    # blocks hold about BLOCK_CUSTOMERS arrivals each
    from escalationsim.engine.population import BLOCK_CUSTOMERS

    assert abs(len(blocks[0]) - BLOCK_CUSTOMERS) < 5 * math.sqrt(BLOCK_CUSTOMERS)


@pytest.mark.parametrize(("slope", "share"), [(1.5, 0.3), (0.0, 0.5), (3.0, 0.05), (-1.0, 0.9)])
def test_logistic_intercept_gives_the_share_on_average(slope: float, share: float) -> None:
    from escalationsim.engine.population import logistic_intercept

    a = logistic_intercept(slope, share)
    z = np.linspace(-9.0, 9.0, 200_001)  # integrate against the normal density
    density = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    mean = np.sum(density / (1.0 + np.exp(-(a + slope * z)))) * (z[1] - z[0])
    assert mean == pytest.approx(share, abs=1e-6)


# ------------------------------------------------- arrivals by hour of the week (chi-square)

WEEK_CELLS = 168
"""(day of week, hour) cells: Monday 00:00-01:00 is cell 0."""


def _cells(t_h: np.ndarray) -> np.ndarray:
    return (np.floor(t_h / 24.0).astype(np.int64) % 7) * 24 + np.floor(t_h % 24.0).astype(np.int64)


def _expected_by_cell(rate, lo_h: float, hi_h: float, step_h: float = 1 / 60) -> np.ndarray:
    """Integral of ``rate(t)`` (an array function of times in hours) over each cell's
    hours in [lo_h, hi_h), by the midpoint rule on ``step_h`` steps."""
    t = np.arange(lo_h, hi_h, step_h) + step_h / 2
    return np.bincount(_cells(t), weights=rate(t) * step_h, minlength=WEEK_CELLS)


def _chi2_p(observed: np.ndarray, expected: np.ndarray, conditional: bool) -> float:
    """p-value of Pearson's chi-square of cell counts against expected counts (scaled to
    the observed total when ``conditional``: the shares are tested, not the level)."""
    from scipy import stats

    if conditional:
        expected = expected * observed.sum() / expected.sum()
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    return float(stats.chi2.sf(chi2, len(observed) - (1 if conditional else 0)))


def _default(*overrides: str) -> ScenarioConfig:
    from escalationsim import compose

    return compose(["run.policies=[rigid_script]", *overrides]).scenario


@pytest.mark.parametrize(("memory", "burst"), [(True, False), (False, False), (True, True)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_candidate_arrivals_follow_the_profile_times_every_factor(
    memory: bool, burst: bool, seed: int
) -> None:
    """The customer table's arrivals per (day of week, hour) cell are Poisson with mean
    volume x hourly weight x weekly weight x burst multiplier (x the candidate factor of
    customers who remember): a chi-square on absolute counts. Before the fix of
    ``_peak_factor`` the thinning bound left out the candidate factor and the busiest
    hours lost a sixth of their arrivals."""
    from escalationsim.engine.population import candidate_factor, rate_factor

    bursts = "[{start_day: 9, duration_h: 30, multiplier: 3}]" if burst else "[]"
    s = _default(
        f"scenario.customers.enabled={str(memory).lower()}", f"scenario.arrivals.bursts={bursts}"
    )
    horizon = 28 * 24.0
    pop = _draw(s, seed, horizon)
    rate_h = s.volume_per_day / 24.0 * candidate_factor(s)
    expected = _expected_by_cell(lambda t: rate_h * rate_factor(s, t), 0.0, horizon)
    observed = np.bincount(_cells(pop.arrival_h), minlength=WEEK_CELLS)
    assert _chi2_p(observed, expected, conditional=False) > 1e-3


FACTORS = {
    # customers who remember (the default): candidates thinned by each customer's rate
    "memory": [],
    "no_memory": ["scenario.customers.enabled=false"],
    # an incident, root-cause fixes and word of mouth (the CEO answering) at once
    "every_factor": [
        "run.policies=[ceo_responds]",
        "policies.ceo_responds.root_cause.enabled=true",
        "policies.ceo_responds.root_cause.lead_days=14",  # ships inside the 35 days
        "scenario.arrivals.bursts=[{start_day: 16, duration_h: 30, multiplier: 3}]",
    ],
}


@pytest.mark.parametrize(
    ("case", "seed"), [("memory", 1), ("memory", 2), ("memory", 3), ("no_memory", 1),
                       ("no_memory", 2), ("every_factor", 1), ("every_factor", 2)]
)  # fmt: skip
def test_simulated_complaints_follow_the_profile_times_every_factor(case: str, seed: int) -> None:
    """The complaints a run makes (four whole weeks measured) fall in the (day of week,
    hour) cells in the shares of the hourly and weekly profiles times any incident:
    whether a candidate is a complaint (its customer's rate, churn) or is routed to the
    CEO does not depend on the hour. A root-cause fix prevents complaints of cause 0 only,
    from when it ships, so the test counts the other causes there."""
    from escalationsim import compose, simulate
    from escalationsim.engine.population import rate_factor

    cfg = compose(
        [
            "run.policies=[rigid_script]",
            "run.replications=1",
            "run.horizon_days=35",
            "run.warmup_days=7",
            "run.drain_days=0",
            "run.workers=1",
            f"run.seed={seed}",
            "scenario.volume_per_day=700",
            *FACTORS[case],
        ]
    )
    df = simulate(cfg).complaints
    if case == "every_factor":
        df = df[df["cause"] != 0]
    s = cfg.scenario
    observed = np.bincount(_cells(df["arrival_time"].to_numpy()), minlength=WEEK_CELLS)
    expected = _expected_by_cell(lambda t: rate_factor(s, t), 7 * 24.0, 35 * 24.0)
    assert observed.sum() > 10_000
    assert _chi2_p(observed, expected, conditional=True) > 1e-3


def _busy_days(cv: float, seed: int, days: int, stream: int = 7) -> np.ndarray:
    """Arrivals per day of a flat company of 1,000 complaints a day with busyness ``cv``
    (customers who remember off, so every candidate is a complaint)."""
    from escalationsim.engine.population import population_blocks

    s = _default(
        "scenario.customers.enabled=false",
        "scenario.arrivals.hourly_profile=[]",
        "scenario.arrivals.weekly_profile=[]",
        f"scenario.arrivals.busyness_cv={cv}",
    )
    ss = np.random.SeedSequence(seed).spawn(2)
    blocks = population_blocks(
        s,
        days * 24.0,
        np.random.default_rng(ss[0]),
        np.random.default_rng(ss[1]),
        busyness=np.random.default_rng(stream),
    )
    times = np.concatenate([b.arrival_h for b in blocks])
    return np.bincount(np.floor(times / 24.0).astype(int), minlength=days)


@pytest.mark.parametrize("cv", [0.0, 0.2])
def test_busy_days_spread_daily_counts_as_a_gamma_day_factor_does(cv: float) -> None:
    """Over 400 days of 1,000 complaints: the day totals' variance is ``mean + cv^2
    mean^2`` (Poisson-gamma), so the moment estimate of cv is within 0.04 of the setting
    (its standard error is about 0.008 at cv 0.2), and the mean stays 1,000 (the factor
    has mean 1). Without the factor (cv 0) the index of dispersion is 1."""
    per_day = _busy_days(cv, seed=3, days=400)
    mean, var = per_day.mean(), per_day.var(ddof=1)
    assert abs(mean - 1000) < 4 * math.sqrt((1000 + cv * cv * 1e6) / 400)
    est = math.sqrt(max(var - mean, 0.0)) / mean
    assert abs(est - cv) < 0.04
    if cv == 0.0:
        assert 0.8 < var / mean < 1.2


def test_busy_days_keep_earlier_days_when_the_horizon_grows_and_have_their_own_stream() -> None:
    """A longer horizon keeps every earlier day's arrivals (the factors are drawn day by
    day in fixed chunks); another busyness stream changes the days but not the arrivals'
    own stream's role (different counts, same seed otherwise)."""
    short = _busy_days(0.3, seed=4, days=70)
    long = _busy_days(0.3, seed=4, days=200)
    assert np.array_equal(short, long[:70])
    other = _busy_days(0.3, seed=4, days=70, stream=8)
    assert not np.array_equal(short, other)
