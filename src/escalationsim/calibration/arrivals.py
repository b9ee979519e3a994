"""Arrivals: rates by channel, day of week and hour; Poisson or over-dispersed; the
day-level busyness factor.

Every contact of the log counts as an arrival on its channel (the offered load). The
observed period is every whole day from the first arrival's to the last one's, days
without contacts included (a day with none is a count of 0, not a missing day).

- ``arrival_rate_per_hour`` (per channel, day of week, hour): the mean count over the
  days of that weekday, with the exact Poisson interval (from the chi-square quantiles
  of the total).
- ``arrival_dispersion`` (per channel): the index of dispersion (variance over mean of
  the counts of a cell over its days), pooled over the cells; under Poisson it is 1 and
  its sum is chi-square, whose p-value is ``p_value`` (Brown et al. 2005; real counts
  vary more: Avramidis, Deslauriers & L'Ecuyer 2004). Interval: the chi-square one of a
  variance ratio.
- ``busyness_cv`` (per channel, and of the complaints with the channel empty: the
  scenario's ``arrivals.busyness_cv``): the coefficient of variation of a gamma factor
  that multiplies every hour of a day (a busy or a quiet day: Avramidis et al.'s
  Poisson-gamma model). A weekday's day totals then have variance ``mu + cv^2 mu^2``
  about their mean ``mu``: the estimate is the cv at which Pearson's statistic with
  those variances equals its degrees of freedom (0 when the days vary no more than
  Poisson counts do), and the interval is every cv its chi-square test does not reject,
  with ``p_value`` the test of cv 0. A percentile bootstrap was tried first and dropped:
  with four days a weekday its resamples shrink the variance, and its interval sat below
  the truth.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from escalationsim.calibration.fits import table


def by_hour(table: pd.DataFrame, at: str, weight: str | None = None) -> dict[str, pd.DataFrame]:
    """Per channel of ``table``, the rows (or their ``weight``, summed) in each hour of
    each day from the first ``at`` time's day to the last's: a frame indexed by date, one
    column per hour 0-23, zeros where none came."""
    times = table[at]
    days = pd.date_range(times.min().normalize(), times.max().normalize(), freq="D")
    out = {}
    for channel, sub in table.groupby("channel", sort=True):
        t = sub[at]
        values = sub[weight] if weight else pd.Series(1, index=sub.index)
        frame = (
            values.groupby([t.dt.normalize(), t.dt.hour])
            .sum()
            .unstack(fill_value=0)
            .reindex(index=days, columns=range(24), fill_value=0)
        )
        out[str(channel)] = frame.astype(int)
    return out


def counts(log: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per channel, the contacts that arrived in each hour of each day of the observed
    period (:func:`by_hour` of their arrivals)."""
    return by_hour(log, "arrived_at")


def _poisson_interval(total: int, n: int) -> tuple[float, float]:
    lo = stats.chi2.ppf(0.025, 2 * total) / 2.0 / n if total > 0 else 0.0
    hi = stats.chi2.ppf(0.975, 2 * total + 2) / 2.0 / n
    return float(lo), float(hi)


def _pearson(groups: list[np.ndarray], cv: float) -> float:
    """Pearson's statistic of the day totals (grouped by weekday) under a gamma day
    factor of ``cv``: squared deviations from the weekday's mean over the variance the
    model gives them, ``mu + cv^2 mu^2``."""
    total = 0.0
    for x in groups:
        mu = float(x.mean())
        if mu > 0:
            total += float(((x - mu) ** 2).sum()) / (mu + cv * cv * mu * mu)
    return total


def busyness_row(frame: pd.DataFrame) -> dict | None:
    """The ``busyness_cv`` row of a frame of counts by date and hour (:func:`counts`),
    from the day totals by weekday: the estimate is the cv at which Pearson's statistic
    equals its degrees of freedom (the moment estimator of a negative binomial's
    dispersion), the interval the cvs the statistic's chi-square test does not reject
    (0 included when Poisson days are not rejected). None when no weekday has two days
    with contacts."""
    weekday = frame.index.day_of_week.to_numpy()
    days = frame.sum(axis=1).to_numpy(dtype=float)
    groups = [days[weekday == w] for w in range(7)]
    groups = [x for x in groups if len(x) >= 2 and x.mean() > 0]
    dof = sum(len(x) - 1 for x in groups)
    if dof == 0:
        return None

    def solve(level: float) -> float:
        """The cv at which the statistic falls to ``level`` (0 if it is below already)."""
        if _pearson(groups, 0.0) <= level:
            return 0.0
        hi = 1.0
        while _pearson(groups, hi) > level and hi < 1e3:
            hi *= 2.0
        return float(optimize.brentq(lambda c: _pearson(groups, c) - level, 0.0, hi))

    return {
        "quantity": "busyness_cv",
        "estimate": solve(float(dof)),
        "ci_low": solve(float(stats.chi2.ppf(0.975, dof))),
        "ci_high": solve(float(stats.chi2.ppf(0.025, dof))),
        "method": "gamma day factor: Pearson's statistic of the day totals by weekday "
        "equal to its degrees of freedom (interval: its chi-square test inverted)",
        "n": len(days),
        "p_value": float(stats.chi2.sf(_pearson(groups, 0.0), dof)),
    }


def fit_arrivals(log: pd.DataFrame) -> pd.DataFrame:
    """The arrival fits of ``log`` (see the module doc) as ``fits.csv`` rows."""
    return fit_frames(counts(log))


def fit_frames(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The arrival fits of counts by channel (each a frame by date and hour, as
    :func:`counts` gives them: a log's, or interval counts' offered contacts)."""
    rows: list[dict] = []
    for channel, frame in frames.items():
        weekday = frame.index.day_of_week.to_numpy()
        stat, dof = 0.0, 0
        for w in range(7):
            block = frame[weekday == w]
            n = len(block)
            if n == 0:
                continue
            for hour in range(24):
                x = block[hour].to_numpy()
                total, mean = int(x.sum()), float(x.mean())
                lo, hi = _poisson_interval(total, n)
                rows.append(
                    {
                        "quantity": "arrival_rate_per_hour",
                        "channel": channel,
                        "day": w,
                        "hour": hour,
                        "estimate": mean,
                        "ci_low": lo,
                        "ci_high": hi,
                        "method": "mean count over the days (exact Poisson interval)",
                        "n": n,
                    }
                )
                if n >= 2 and mean > 0:
                    stat += float(((x - mean) ** 2).sum() / mean)
                    dof += n - 1
        if dof > 0:
            rows.append(
                {
                    "quantity": "arrival_dispersion",
                    "channel": channel,
                    "estimate": stat / dof,
                    "ci_low": stat / stats.chi2.ppf(0.975, dof),
                    "ci_high": stat / stats.chi2.ppf(0.025, dof),
                    "method": "index of dispersion pooled over day-of-week x hour cells "
                    "(chi-square test of Poisson)",
                    "n": dof,
                    "p_value": float(stats.chi2.sf(stat, dof)),
                }
            )
        row = busyness_row(frame)
        if row is not None:
            rows.append({**row, "channel": channel})
    return table(rows)


def fit_complaints(log: pd.DataFrame) -> pd.DataFrame:
    """The scenario's arrival process from the complaints' first contacts (one per
    ``ticket_id``): ``volume_per_day`` (mean day total, t interval over the days: right
    whether or not days are over-dispersed), ``busyness_cv`` (of the complaints' day
    totals, channel empty: ``scenario.arrivals.busyness_cv``), ``weekly_weight`` (per
    day of week) and ``hourly_weight`` (per hour of day), each a mean count over the
    overall mean, so that they average 1 as ``scenario.arrivals``' profiles do (exact
    Poisson intervals of the numerator)."""
    first = log.drop_duplicates("ticket_id")[["arrived_at"]].assign(channel="all")
    return profile_rows(counts(first)["all"], "volume_per_day", "complaints (first contacts)")


def trend_row(days: np.ndarray, what: str) -> dict | None:
    """``weekly_trend``: the change of the weekly totals from one week to the next, over
    their mean (the slope of a least-squares line through the whole weeks' totals, with
    its t interval and p-value). Pooling weeks whose rates differ makes the profiles and
    the volume an average of different companies (Kim & Whitt 2014): a trend says so.
    None with fewer than three whole weeks."""
    weeks = len(days) // 7
    if weeks < 3:
        return None
    totals = days[: weeks * 7].reshape(weeks, 7).sum(axis=1)
    mean = float(totals.mean())
    if mean <= 0:
        return None
    fit = stats.linregress(np.arange(weeks), totals)
    half = float(stats.t.ppf(0.975, weeks - 2) * fit.stderr)
    return {
        "quantity": "weekly_trend",
        "estimate": float(fit.slope) / mean,
        "ci_low": (float(fit.slope) - half) / mean,
        "ci_high": (float(fit.slope) + half) / mean,
        "method": f"{what}: slope of the whole weeks' totals over their mean (least "
        "squares; t interval)",
        "n": weeks,
        "p_value": float(fit.pvalue),
    }


def profile_rows(frame: pd.DataFrame, quantity: str, what: str) -> pd.DataFrame:
    """The day totals' mean (as ``quantity``, t interval), ``busyness_cv`` and the
    ``weekly_weight`` and ``hourly_weight`` profiles of counts by date and hour
    (:func:`counts`), ``what`` naming what was counted in each row's method."""
    days = frame.sum(axis=1).to_numpy(dtype=float)
    n = len(days)
    mean = float(days.mean())
    half = float(stats.t.ppf(0.975, n - 1) * days.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    rows: list[dict] = [
        {
            "quantity": quantity,
            "estimate": mean,
            "ci_low": mean - half,
            "ci_high": mean + half,
            "method": f"{what} per day, mean over the days; t interval",
            "n": n,
        }
    ]
    busy = busyness_row(frame)
    if busy is not None:
        rows.append(busy)
    trend = trend_row(days, what)
    if trend is not None:
        rows.append(trend)
    weekday = frame.index.day_of_week.to_numpy()
    for w in range(7):
        x = days[weekday == w]
        if len(x) == 0 or mean == 0:
            continue
        lo, hi = _poisson_interval(int(x.sum()), len(x))
        rows.append(
            {
                "quantity": "weekly_weight",
                "day": w,
                "estimate": float(x.mean()) / mean,
                "ci_low": lo / mean,
                "ci_high": hi / mean,
                "method": f"{what} on the weekday over the mean day (exact Poisson interval)",
                "n": len(x),
            }
        )
    per_hour = mean / 24.0
    for hour in range(24):
        x = frame[hour].to_numpy()
        if per_hour == 0:
            continue
        lo, hi = _poisson_interval(int(x.sum()), n)
        rows.append(
            {
                "quantity": "hourly_weight",
                "hour": hour,
                "estimate": float(x.mean()) / per_hour,
                "ci_low": lo / per_hour,
                "ci_high": hi / per_hour,
                "method": f"{what} in the hour over the mean hour (exact Poisson interval)",
                "n": n,
            }
        )
    return table(rows)


__all__ = [
    "by_hour",
    "counts",
    "fit_arrivals",
    "fit_complaints",
    "fit_frames",
    "profile_rows",
    "trend_row",
]
