"""Handle times: how long an answered contact is handled, per channel.

A contact's handle time is ``ended_at - answered_at`` (minutes), for the contacts with
both. Candidate distributions (lognormal, gamma, Weibull, exponential; all starting at
0) are fitted by maximum likelihood (``scipy.stats``) and ranked by AIC; the
Kolmogorov-Smirnov distance of each is given beside it (a guide, not a test: the
parameters were fitted on the same data). Lognormal is the usual finding for call
centres (Brown et al. 2005).

Rows of ``fits.csv``: ``handle_time_mean_min`` and ``handle_time_cv`` per channel (the
sample mean and coefficient of variation, with percentile bootstrap intervals, seeded;
``method`` names the distribution AIC prefers), and one ``handle_time_candidate`` row per
distribution with ``dist``, ``aic`` and ``ks``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from escalationsim.calibration.fits import table

CANDIDATES: dict[str, stats.rv_continuous] = {
    "lognormal": stats.lognorm,
    "gamma": stats.gamma,
    "weibull": stats.weibull_min,
    "exponential": stats.expon,
}
"""The distributions tried, by name (each with its location fixed at 0)."""

BOOTSTRAP = 400
MIN_CONTACTS = 30
"""Fewer handled contacts on a channel than this: no fit (said in the rows' absence)."""


def durations(log: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per channel, the handle times (minutes, > 0) of the contacts answered and ended."""
    done = log[log["answered_at"].notna() & log["ended_at"].notna()]
    minutes = (done["ended_at"] - done["answered_at"]).dt.total_seconds() / 60.0
    out = {}
    for channel, x in minutes.groupby(done["channel"], sort=True):
        x = x.to_numpy(dtype=float)
        out[str(channel)] = x[x > 0]
    return out


def rank(x: np.ndarray) -> list[dict]:
    """Each candidate fitted to ``x``: its name, AIC and KS distance, best AIC first."""
    out = []
    for name, dist in CANDIDATES.items():
        params = dist.fit(x, floc=0.0)
        loglik = float(np.sum(dist.logpdf(x, *params)))
        k = len(params) - 1  # the location is fixed
        ks = float(stats.kstest(x, dist.cdf, args=params).statistic)
        out.append({"dist": name, "aic": 2 * k - 2 * loglik, "ks": ks})
    return sorted(out, key=lambda r: r["aic"])


def qq(x: np.ndarray, dist: str, points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """A QQ plot's points: the family ``dist`` fitted to ``x`` (as :func:`rank` fits it),
    its quantiles against the sample's at ``points`` evenly spread probabilities (all of
    them for a smaller sample)."""
    family = CANDIDATES[dist]
    params = family.fit(x, floc=0.0)
    m = min(points, len(x))
    prob = (np.arange(1, m + 1) - 0.5) / m
    return family.ppf(prob, *params), np.quantile(x, prob)


CHUNK = 20_000_000
"""Values resampled at a time by the bootstrap (160 MB of floats): a million handle
times' 400 resamples at once would take 3 GB."""


def _bootstrap(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The means and coefficients of variation of ``BOOTSTRAP`` resamples of ``x``, drawn
    a block of at most ``CHUNK`` values at a time (all in one block, as before blocks,
    for up to 50,000 handle times; the same draws for a seed on every machine)."""
    rows = max(1, CHUNK // len(x))
    means, cvs = [], []
    for lo in range(0, BOOTSTRAP, rows):
        boot = rng.choice(x, (min(rows, BOOTSTRAP - lo), len(x)))
        m = boot.mean(axis=1)
        means.append(m)
        cvs.append(boot.std(axis=1, ddof=1) / m)
    return np.concatenate(means), np.concatenate(cvs)


def fit_handle_times(log: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The handle-time fits of ``log`` (see the module doc) as ``fits.csv`` rows."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    for channel, x in durations(log).items():
        if len(x) < MIN_CONTACTS:
            continue
        ranked = rank(x)
        best = ranked[0]["dist"]
        means, cvs = _bootstrap(x, rng)
        for quantity, estimate, draws in (
            ("handle_time_mean_min", float(x.mean()), means),
            ("handle_time_cv", float(x.std(ddof=1) / x.mean()), cvs),
        ):
            lo, hi = np.percentile(draws, [2.5, 97.5])
            rows.append(
                {
                    "quantity": quantity,
                    "channel": channel,
                    "estimate": estimate,
                    "ci_low": float(lo),
                    "ci_high": float(hi),
                    "method": f"sample value, percentile bootstrap; AIC prefers {best}",
                    "n": len(x),
                }
            )
        for r in ranked:
            rows.append(
                {
                    "quantity": "handle_time_candidate",
                    "channel": channel,
                    "method": "maximum likelihood (location 0); AIC; Kolmogorov-Smirnov",
                    "n": len(x),
                    **r,
                }
            )
    return table(rows)


__all__ = ["CANDIDATES", "durations", "fit_handle_times", "qq", "rank"]
