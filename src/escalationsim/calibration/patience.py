"""Patience: how long a caller waits before hanging up, from censored waits.

A caller who hung up tells us their patience (the wait until ``abandoned_at``); a caller
who was answered tells us only that their patience was longer than their wait (right
censored at ``answered_at``). Ignoring that (taking the abandoned callers' waits as the
patience sample) understates patience badly, since the patient callers are exactly the
ones who got answered: the ``naive`` rows show by how much.

Per channel with an ``abandoned_at`` column (the phone, usually; with no hang-up at
all, only its ``abandon_rate`` of 0: patience is then not identified, only bounded by the
longest wait):

- ``abandon_rate``: abandoned over answered or abandoned, Wilson interval;
- ``patience_median_min`` and ``patience_mean_min`` by censored maximum likelihood
  (exponential, Weibull and lognormal ranked by AIC; ``method`` names the one used),
  intervals by the delta method on the observed information; ``patience_candidate``
  rows (``dist``, ``aic``);
- ``patience_median_min`` by Kaplan-Meier (``scipy.stats.ecdf`` on
  ``scipy.stats.CensoredData``, log-log interval) when the survival curve falls below
  one half; with little abandonment it does not (most callers are answered before they
  would give up) and only the parametric fit extrapolates a median, as its method says;
- ``patience_median_min_naive``: the median of the abandoned callers' waits alone.

Why scipy and not lifelines: the Kaplan-Meier estimate with its interval and the
censored likelihoods are in scipy.stats (``ecdf``, ``CensoredData``, each family's
``logsf``), already a dependency; the fit's information matrix is a few lines here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import optimize, stats

from escalationsim.calibration.fits import share, table

MIN_WAITS = 30
"""Fewer answered or abandoned contacts on a channel than this: no patience fit."""

Z = float(stats.norm.ppf(0.975))


def waits(log: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per channel with ``abandoned_at``, the waits in minutes of the contacts answered
    or abandoned, and whether each was abandoned (an observed patience) or answered (a
    censored one)."""
    if "abandoned_at" not in log:
        return {}
    out = {}
    for channel, part in log.groupby("channel", sort=True, observed=True):
        gone = part["abandoned_at"].notna()
        if not gone.any() and channel != "phone":  # a text channel logs no hang-ups
            continue
        seen = gone | part["answered_at"].notna()
        part, gone = part[seen], gone[seen]
        end = part["abandoned_at"].where(gone, part["answered_at"])
        minutes = (end - part["arrived_at"]).dt.total_seconds().to_numpy() / 60.0
        out[str(channel)] = (minutes, gone.to_numpy())
    return out


# Each family: its log-density and log-survival in (log scale, log shape) parameters,
# and its median and mean from them.
Family = tuple[
    Callable[[np.ndarray, np.ndarray], np.ndarray],
    Callable[[np.ndarray, np.ndarray], np.ndarray],
    Callable[[np.ndarray], float],
    Callable[[np.ndarray], float],
    int,
]


def _family(name: str) -> Family:
    if name == "exponential":
        return (
            lambda x, p: stats.expon.logpdf(x, scale=math.exp(p[0])),
            lambda x, p: stats.expon.logsf(x, scale=math.exp(p[0])),
            lambda p: math.exp(p[0]) * math.log(2.0),
            lambda p: math.exp(p[0]),
            1,
        )
    if name == "weibull":
        return (
            lambda x, p: stats.weibull_min.logpdf(x, math.exp(p[1]), scale=math.exp(p[0])),
            lambda x, p: stats.weibull_min.logsf(x, math.exp(p[1]), scale=math.exp(p[0])),
            lambda p: math.exp(p[0]) * math.log(2.0) ** math.exp(-p[1]),
            lambda p: math.exp(p[0]) * math.gamma(1.0 + math.exp(-p[1])),
            2,
        )
    # lognormal: p = (log median, log sigma)
    return (
        lambda x, p: stats.lognorm.logpdf(x, math.exp(p[1]), scale=math.exp(p[0])),
        lambda x, p: stats.lognorm.logsf(x, math.exp(p[1]), scale=math.exp(p[0])),
        lambda p: math.exp(p[0]),
        lambda p: math.exp(p[0] + 0.5 * math.exp(2.0 * p[1])),
        2,
    )


FAMILIES = ("exponential", "weibull", "lognormal")


def _hessian(f: Callable[[np.ndarray], float], p: np.ndarray) -> np.ndarray:
    """The Hessian of ``f`` at ``p`` by central differences."""
    k = len(p)
    h = 1e-4 * np.maximum(1.0, np.abs(p))
    out = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            e_i, e_j = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            out[i, j] = (
                f(p + e_i + e_j) - f(p + e_i - e_j) - f(p - e_i + e_j) + f(p - e_i - e_j)
            ) / (4 * h[i] * h[j])
    return out


def resolution(t: np.ndarray) -> float:
    """The resolution of waits ``t`` (minutes): 1 when all are whole minutes, 1/60 when
    all are whole seconds (as most exports give them), else 0 (exact)."""
    s = t[t > 0] * 60.0
    if not len(s) or np.abs(s - np.round(s)).max() > 1e-3:
        return 0.0
    return 1.0 if np.abs(s / 60.0 - np.round(s / 60.0)).max() < 1e-3 else 1.0 / 60.0


def censored_fit(name: str, t: np.ndarray, event: np.ndarray, rounded: float = 0.0) -> dict:
    """The censored maximum-likelihood fit of family ``name`` to waits ``t`` (``event``:
    abandoned), with AIC and the median and mean with delta-method intervals. Waits
    rounded to ``rounded`` minutes (:func:`resolution`) are read as intervals: a hang-up
    logged at ``t`` happened in ``t`` plus or minus half of it, and an answer logged at
    ``t`` says only that patience exceeded ``t`` less half of it (else the many waits
    rounded to 0 read as hang-ups at once, and bend the fit)."""
    logpdf, logsf, median, mean, k = _family(name)
    half = rounded / 2.0
    if half > 0:
        lo, hi = np.maximum(t[event] - half, 1e-9), t[event] + half
        cens = np.maximum(t[~event] - half, 0.0)
        cens = cens[cens > 1e-6]

        def nll(p: np.ndarray) -> float:
            a, b = logsf(lo, p), logsf(hi, p)  # log P(lo < patience <= hi) below
            with np.errstate(divide="ignore", invalid="ignore"):
                events = a + np.log1p(-np.exp(b - a))
            value = -(events.sum() + logsf(cens, p).sum())
            return float(value) if np.isfinite(value) else 1e300
    else:
        t = np.maximum(t, 1e-6)  # a hang-up at once: as good as immediate
        obs, cens = t[event], t[~event & (t > 1e-6)]  # censored at 0 says nothing

        def nll(p: np.ndarray) -> float:
            value = -(logpdf(obs, p).sum() + logsf(cens, p).sum())
            return float(value) if np.isfinite(value) else 1e300

    start = np.array([math.log(max(np.mean(t), 1e-3)), 0.0][:k])
    options = {"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000}
    res = optimize.minimize(nll, start, method="Nelder-Mead", options=options)
    p = res.x
    try:
        cov = np.linalg.inv(_hessian(nll, p))
    except np.linalg.LinAlgError:
        cov = np.full((k, k), np.nan)
    out = {
        "dist": name,
        "aic": 2 * k + 2 * res.fun,
        "params": tuple(float(v) for v in p),
        "cov": cov,
    }
    for what, g in (("median", median), ("mean", mean)):
        value = g(p)
        # the delta method on the log of the value (positive, so its interval is too)
        step = 1e-6
        grad = np.array(
            [
                (math.log(g(p + step * e)) - math.log(g(p - step * e))) / (2 * step)
                for e in np.eye(k)
            ]
        )
        se = float(math.sqrt(max(grad @ cov @ grad, 0.0))) if np.isfinite(cov).all() else math.nan
        out[what] = (value, value * math.exp(-Z * se), value * math.exp(Z * se))
    return out


def survival(t: np.ndarray, event: np.ndarray, points: int = 200) -> pd.DataFrame:
    """The survival curves of patience behind the fits, for a plot: at ``points`` waits
    from 0 to the longest, the Kaplan-Meier estimate with its 95% log-log band, each
    family's censored fit (column named for it), and the ``naive`` curve of the
    abandoned callers' waits alone (what ignoring censoring assumes)."""
    data = stats.CensoredData(uncensored=t[event], right=t[~event])
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():  # undefined at the ends of the curve
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(0.95, method="log-log")
    grid = np.linspace(0.0, float(t.max()), points)
    out = {
        "minutes": grid,
        "kaplan_meier": sf.evaluate(grid),
        "km_low": band.low.evaluate(grid),
        "km_high": band.high.evaluate(grid),
    }
    for name in FAMILIES:
        logsf = _family(name)[1]
        params = np.array(censored_fit(name, t, event, resolution(t))["params"])
        out[name] = np.exp(logsf(np.maximum(grid, 1e-9), params))
    gone = np.sort(t[event])
    out["naive"] = 1.0 - np.searchsorted(gone, grid, side="right") / max(len(gone), 1)
    return pd.DataFrame(out)


def kaplan_meier_median(t: np.ndarray, event: np.ndarray) -> tuple[float, float, float] | None:
    """The Kaplan-Meier median patience with the interval where the log-log band crosses
    one half; None if the curve never falls to one half."""
    data = stats.CensoredData(uncensored=t[event], right=t[~event])
    sf = stats.ecdf(data).sf
    times, surv = sf.quantiles, sf.probabilities
    if not (surv <= 0.5).any():
        return None
    with warnings.catch_warnings():  # undefined at the ends of the curve: not used there
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(0.95, method="log-log")
    lo_s, hi_s = band.low.probabilities, band.high.probabilities

    def first(s: np.ndarray) -> float:
        below = np.nonzero(s <= 0.5)[0]
        return float(times[below[0]]) if len(below) else math.inf

    return first(surv), first(lo_s), first(hi_s)


def fit_patience(log: pd.DataFrame) -> pd.DataFrame:
    """The patience fits of ``log`` (see the module doc) as ``fits.csv`` rows."""
    rows: list[dict] = []
    for channel, (t, event) in waits(log).items():
        n, k = len(t), int(event.sum())
        if n < MIN_WAITS:
            continue
        how = "abandoned over answered or abandoned; Wilson interval"
        rows.append(share("abandon_rate", k, n, how, channel))
        if k == 0:  # nobody hung up: patience exceeds every wait, and no more is known
            continue
        rounded = resolution(t)
        fits = sorted(
            (censored_fit(f, t, event, rounded) for f in FAMILIES), key=lambda r: r["aic"]
        )
        best = fits[0]
        grain = {1.0: "; waits in whole minutes: interval-censored", 1 / 60: "; waits in "
                 "whole seconds: interval-censored"}.get(rounded, "")  # fmt: skip
        for what in ("median", "mean"):
            value, lo, hi = best[what]
            rows.append(
                {
                    "quantity": f"patience_{what}_min",
                    "channel": channel,
                    "estimate": value,
                    "ci_low": lo,
                    "ci_high": hi,
                    "method": f"censored maximum likelihood, {best['dist']} (AIC best); "
                    f"delta-method interval{grain}",
                    "n": n,
                    "dist": best["dist"],
                }
            )
        km = kaplan_meier_median(t, event)
        if km is not None:
            rows.append(
                {
                    "quantity": "patience_median_min",
                    "channel": channel,
                    "estimate": km[0],
                    "ci_low": km[1],
                    "ci_high": km[2],
                    "method": "Kaplan-Meier; log-log interval",
                    "n": n,
                }
            )
        if k:
            gone = t[event]
            half = Z * 0.5 / math.sqrt(k)  # the median's order-statistic interval
            lo, hi = (
                np.quantile(gone, [max(0.5 - half, 0.0), min(0.5 + half, 1.0)])
                if k > 1
                else (math.nan, math.nan)
            )
            rows.append(
                {
                    "quantity": "patience_median_min_naive",
                    "channel": channel,
                    "estimate": float(np.median(gone)),
                    "ci_low": float(lo),
                    "ci_high": float(hi),
                    "method": "median of the abandoned callers' waits, ignoring the answered "
                    "(censored) ones: biased low, shown for comparison",
                    "n": k,
                }
            )
        for r in fits:
            rows.append(
                {
                    "quantity": "patience_candidate",
                    "channel": channel,
                    "estimate": r["mean"][0],
                    "ci_low": r["mean"][1],
                    "ci_high": r["mean"][2],
                    "method": "censored maximum likelihood; estimate: its mean (min)",
                    "n": n,
                    "dist": r["dist"],
                    "aic": r["aic"],
                    "median_min": r["median"][0],
                }
            )
    return table(rows)


__all__ = [
    "FAMILIES",
    "censored_fit",
    "fit_patience",
    "kaplan_meier_median",
    "resolution",
    "survival",
    "waits",
]
