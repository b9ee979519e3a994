"""Patience from censored waits (escalationsim.calibration.patience), on queues of the
tests' own with known patience: an M/M/c+G queue served first come, first served, where
an abandoning caller takes no server, so each caller's wait is the time until the
earliest server is free (a few lines, not the simulator)."""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd
import pytest

from escalationsim.calibration.patience import censored_fit, fit_patience

T0 = pd.Timestamp("2026-01-05", tz="UTC")


def queue_log(n: int, patience: np.ndarray, seed: int, servers: int = 10) -> pd.DataFrame:
    """A phone log of ``n`` callers (Poisson arrivals, exponential service of 3 minutes,
    ``servers`` agents at 95% load before abandonment) whose patience (minutes) is
    ``patience``."""
    rng = np.random.default_rng(seed)
    rate = 0.95 * servers / 3.0  # callers a minute
    arrive = np.cumsum(rng.exponential(1 / rate, n))
    service = rng.exponential(3.0, n)
    free = [0.0] * servers  # when each server is next free (a heap)
    answered = np.full(n, np.nan)
    abandoned = np.full(n, np.nan)
    for i in range(n):
        start = max(arrive[i], free[0])
        if start - arrive[i] > patience[i]:
            abandoned[i] = arrive[i] + patience[i]
            continue
        answered[i] = start
        heapq.heapreplace(free, start + service[i])
    ended = answered + service
    t = lambda m: T0 + pd.to_timedelta(m, unit="min")  # noqa: E731
    return pd.DataFrame(
        {
            "contact_id": np.arange(n),
            "ticket_id": np.arange(n),
            "channel": "phone",
            "arrived_at": t(arrive),
            "answered_at": t(answered),
            "abandoned_at": t(abandoned),
            "ended_at": t(ended),
            "outcome": np.where(np.isnan(abandoned), "resolved", "abandoned"),
        }
    )


def _row(fits: pd.DataFrame, quantity: str, method: str = "") -> pd.Series:
    rows = fits[(fits["quantity"] == quantity) & fits["method"].str.contains(method)]
    assert len(rows) == 1, (quantity, method, fits["quantity"].tolist())
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("dist", "draw", "median", "mean"),
    [
        ("exponential", lambda r, n: r.exponential(2.0, n), 2.0 * math.log(2), 2.0),
        ("lognormal", lambda r, n: r.lognormal(math.log(1.5), 0.8, n), 1.5, 1.5 * math.exp(0.32)),
    ],
)
def test_censored_fits_recover_the_patience_the_naive_estimate_does_not(dist, draw, median, mean):
    """20,000 callers, about a tenth abandoning: AIC picks the family that made the
    patience, whose median and mean intervals cover the truth; the median of the
    abandoned callers' waits alone (ignoring censoring) lies far below the interval.
    Without the answered callers' censored waits the fit would be the naive one."""
    rng = np.random.default_rng(7)
    n = 20_000
    log = queue_log(n, draw(rng, n), seed=8)
    fits = fit_patience(log)
    rate = _row(fits, "abandon_rate")
    assert 0.03 < rate["estimate"] < 0.3
    m = _row(fits, "patience_median_min", "censored")
    assert m["dist"] == dist
    assert m["ci_low"] <= median <= m["ci_high"]
    mu = _row(fits, "patience_mean_min")
    assert mu["ci_low"] <= mean <= mu["ci_high"]
    naive = _row(fits, "patience_median_min_naive")
    assert naive["estimate"] < 0.5 * m["ci_low"]  # ignoring censoring: less than half
    km = fits[fits["method"].str.startswith("Kaplan")]
    for _, r in km.iterrows():  # where the curve reaches one half: it covers the truth too
        assert r["ci_low"] <= median <= r["ci_high"]


def test_the_fit_agrees_with_scipys_own_censored_fit():
    """The delta-method wrapper's point estimate is scipy.stats' censored maximum
    likelihood (``lognorm.fit`` on ``CensoredData``)."""
    from scipy import stats

    rng = np.random.default_rng(3)
    pat = rng.lognormal(0.5, 0.7, 5000)
    wait = rng.exponential(1.0, 5000)
    event = pat < wait
    t = np.where(event, pat, wait)
    ours = censored_fit("lognormal", t, event)
    sigma, _, scale = stats.lognorm.fit(
        stats.CensoredData(uncensored=t[event], right=t[~event]), floc=0
    )
    assert ours["median"][0] == pytest.approx(scale, rel=1e-3)
    assert ours["mean"][0] == pytest.approx(scale * math.exp(sigma**2 / 2), rel=2e-3)


def test_a_channel_without_hang_ups_or_with_too_few_waits_gets_no_patience_rows():
    log = queue_log(20, np.full(20, 100.0), seed=1)
    assert fit_patience(log).empty
    assert fit_patience(log.drop(columns="abandoned_at")).empty


def test_no_hang_up_gives_an_abandonment_of_zero_and_no_patience():
    """Nobody hung up: the abandonment is 0 with its interval, and patience, which then
    only exceeds every wait, is not given a value (the scenario keeps its own, saying
    why: tests/test_calibration_roundtrip.py)."""
    fits = fit_patience(queue_log(500, np.full(500, 1e6), seed=2))
    assert list(fits["quantity"]) == ["abandon_rate"]
    row = fits.iloc[0]
    assert row["estimate"] == 0 and 0 < row["ci_high"] < 0.01
