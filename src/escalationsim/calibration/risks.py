"""Escalation against resolution as competing risks: which comes first, and when.

For each complaint that did not start on social media or with the CEO, its first event
is whichever comes first of escalating (its first contact there) and being resolved; one
with neither by the log's end is censored there. Reading the share escalated as "how
many escalate" would ignore both the competition (a resolved complaint can no longer
escalate first) and the censoring (the complaints opened late had little time):
the Aalen-Johansen estimate of each cumulative incidence function does neither. Rows
of ``fits.csv``: ``escalation_cif`` and ``resolution_cif`` at :data:`HORIZONS_H` hours
after opening (``horizon_h``), with percentile bootstrap intervals over the complaints
(:data:`BOOTSTRAP` resamples, seeded). Written here rather than taken from lifelines
(``AalenJohansenFitter``), which is not a dependency (the lock cannot be refreshed
offline); the estimator is a few lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalationsim.calibration.fits import table

HORIZONS_H = (24.0, 72.0, 168.0)
"""Hours after opening at which the cumulative incidences are given."""

BOOTSTRAP = 100
"""Resamples of the complaints behind the intervals."""

ESCALATED = ("social", "ceo")


def first_events(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per complaint not started on social media or with the CEO: the hours from its
    first contact to its first event, and which (1: escalated, 2: resolved, 0:
    censored at the log's last arrival)."""
    end = log["arrived_at"].max()
    by = log.groupby("ticket_id", sort=False)
    opened = by["arrived_at"].min()
    first = by["channel"].first().astype(str)
    up = log[log["channel"].isin(ESCALATED)].groupby("ticket_id")["arrived_at"].min()
    done = by["resolved_at"].min() if "resolved_at" in log else pd.Series(pd.NaT, opened.index)
    keep = ~first.isin(ESCALATED)
    opened, up, done = opened[keep], up.reindex(opened.index)[keep], done[keep]
    hours = lambda t: ((t - opened) / pd.Timedelta(hours=1)).to_numpy(dtype=float, copy=True)  # noqa: E731
    t_up, t_done = hours(up), hours(done)
    t_end = hours(pd.Series(end, index=opened.index))
    t_up[np.isnan(t_up)] = np.inf
    t_done[np.isnan(t_done)] = np.inf
    t = np.minimum(np.minimum(t_up, t_done), t_end)
    cause = np.where(t_up <= np.minimum(t_done, t_end), 1, np.where(t_done <= t_end, 2, 0))
    return np.maximum(t, 0.0), cause


def aalen_johansen(t: np.ndarray, cause: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The cumulative incidence of causes 1 and 2 at times ``at`` (rows: the causes):
    the sum over event times up to each of the overall survival just before times the
    cause's share of those at risk."""
    order = np.argsort(t, kind="stable")
    t, cause = t[order], cause[order]
    times, first = np.unique(t, return_index=True)
    n = len(t)
    at_risk = n - first
    d1 = np.add.reduceat((cause == 1).astype(float), first)
    d2 = np.add.reduceat((cause == 2).astype(float), first)
    surv = np.cumprod(1.0 - (d1 + d2) / at_risk)
    before = np.concatenate(([1.0], surv[:-1]))
    cif = np.vstack([np.cumsum(before * d1 / at_risk), np.cumsum(before * d2 / at_risk)])
    idx = np.searchsorted(times, at, side="right") - 1
    out = np.where(idx >= 0, cif[:, np.maximum(idx, 0)], 0.0)
    return out


def fit_risks(log: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The ``escalation_cif`` and ``resolution_cif`` rows (see the module doc)."""
    t, cause = first_events(log)
    if len(t) < 30 or not (cause > 0).any():
        return table([])
    at = np.array(HORIZONS_H)
    est = aalen_johansen(t, cause, at)
    rng = np.random.default_rng(seed)
    draws = np.empty((BOOTSTRAP, 2, len(at)))
    for b in range(BOOTSTRAP):
        pick = rng.integers(0, len(t), len(t))
        draws[b] = aalen_johansen(t[pick], cause[pick], at)
    lo, hi = np.percentile(draws, [2.5, 97.5], axis=0)
    rows = []
    for k, name in enumerate(("escalation_cif", "resolution_cif")):
        for j, h in enumerate(at):
            rows.append(
                {
                    "quantity": name,
                    "estimate": float(est[k, j]),
                    "ci_low": float(lo[k, j]),
                    "ci_high": float(hi[k, j]),
                    "method": "Aalen-Johansen, escalation and resolution competing, censored "
                    "at the log's end; percentile bootstrap of the complaints",
                    "n": len(t),
                    "horizon_h": float(h),
                }
            )
    return table(rows)


__all__ = ["BOOTSTRAP", "HORIZONS_H", "aalen_johansen", "first_events", "fit_risks"]
