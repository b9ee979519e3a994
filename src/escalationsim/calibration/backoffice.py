"""Back-office work: which resolutions wait for it, and how long it takes.

A contact that resolves a complaint (outcome ``resolved``) either fixes it there or
promises a fix another team does later (a refund, a replacement): the complaint's
``resolved_at`` is then after the contact ended. A resolution logged more than
:data:`AFTER_H` after its contact ended waited for back-office work, as does one with no
``resolved_at`` at all (the work was not done by the log's end, or the promise was lost).

- ``backoffice_share``: the share of resolutions that waited (``backoffice_share`` with
  channel ``routine`` and ``exception`` when the log has ``needs_exception``: the model's
  ``share_routine`` and ``share_exception``); Wilson intervals.
- ``backoffice_lead_time_median_h``, ``backoffice_lead_time_mean_h`` and
  ``backoffice_lead_time_cv``: the lead time from the promise to the work done, by
  censored maximum likelihood of the model's lognormal, with delta-method intervals. Work
  not done by the log's end is right censored there, or at the last contact on its
  ticket after the promise if there is one (the customer chased or started over: the
  work was not done then, and the ticket's later fate is not this work's).

Why censored: the promises still open at the log's end are the slow ones; dropping them
biases the lead time low, as dropping the answered callers biases patience low
(:mod:`.patience`, whose likelihood this reuses).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import optimize, stats

from escalationsim.calibration.fits import share, table
from escalationsim.calibration.log import flagged
from escalationsim.calibration.patience import Z, _hessian

AFTER_H = 1.0
"""A resolution logged more than this many hours after its contact ended waited for
back-office work (less: wrap-up, the same fix)."""

MIN_PROMISES = 30
"""Fewer promises than this: no lead-time fit."""


def promises(log: pd.DataFrame) -> pd.DataFrame:
    """The resolving contacts of ``log`` that waited for back-office work, one row each:
    ``ticket_id``, ``channel``, ``promised_at`` (the contact's end), ``lead_h`` (to the
    work done, or to where it is censored) and ``done`` (False: censored); with the
    resolving contacts that did not wait, ``waited`` says which is which."""
    resolving = log[log["outcome"].eq("resolved")]
    promised = resolving["ended_at"].fillna(resolving["answered_at"])
    done_at = (
        resolving["resolved_at"]
        if "resolved_at" in resolving
        else pd.Series(pd.NaT, index=resolving.index)
    )
    hours = (done_at - promised).dt.total_seconds() / 3600.0
    waited = done_at.isna() | hours.gt(AFTER_H)
    # censored at the ticket's first contact after the promise (a chase, a new start),
    # or at the log's end (its last arrival)
    res = pd.DataFrame(
        {
            "row": np.arange(len(resolving)),
            "ticket_id": resolving["ticket_id"].to_numpy(),
            "promised": promised.reset_index(drop=True),
        }
    )
    after = log[["ticket_id", "arrived_at"]].merge(res, on="ticket_id")
    gap = (after["arrived_at"] - after["promised"]).dt.total_seconds() / 3600.0
    first = gap[gap > 0].groupby(after["row"][gap > 0]).min()
    censor = ((log["arrived_at"].max() - promised).dt.total_seconds() / 3600.0).to_numpy(copy=True)
    at = first.index.to_numpy()
    censor[at] = np.minimum(first.to_numpy(), censor[at])
    lead = np.where(done_at.notna().to_numpy(), hours.to_numpy(dtype=float), censor)
    out = pd.DataFrame(
        {
            "ticket_id": resolving["ticket_id"].to_numpy(),
            "channel": resolving["channel"].astype(str).to_numpy(),
            "promised_at": promised.to_numpy(),
            "lead_h": lead,
            "done": done_at.notna().to_numpy(),
            "waited": waited.to_numpy(),
        }
    )
    if "needs_exception" in resolving and resolving["needs_exception"].notna().any():
        out["needs_exception"] = flagged(resolving["needs_exception"]).to_numpy()
    return out


def cure_fit(t: np.ndarray, done: np.ndarray, group: np.ndarray) -> dict:
    """The censored maximum-likelihood fit of a lognormal lead time shared by every group
    with a share of the work never done per group (a mixture cure model: survival
    ``lost + (1 - lost) S(t)``), from lead times ``t`` (hours), whether each was done, and
    each one's group (an integer from 0). A group with nothing censored, or whose lost
    share the fit puts at 0, has it fixed at 0. Returns the log median, the log sigma,
    each group's logit lost share (-inf where fixed at 0) and the covariance of the free
    parameters (the inverse observed information) with their indices."""
    groups = int(group.max()) + 1
    t = np.maximum(t, 1e-9)
    ev, ce = done, ~done
    free = [g for g in range(groups) if (ce & (group == g)).any()]
    while True:
        nll = _cure_nll(t, ev, ce, group, groups, free)
        start = np.concatenate(
            ([math.log(float(np.median(t[ev]))), math.log(0.8)], np.full(len(free), -3.0))
        )
        options = {"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20_000, "maxfev": 40_000}
        res = optimize.minimize(nll, start, method="Nelder-Mead", options=options)
        gone = [g for g, z in zip(free, res.x[2:], strict=True) if z < -12.0]
        if not gone:
            break
        free = [g for g in free if g not in gone]  # at the boundary: fixed at 0, refitted
    try:
        cov = np.linalg.inv(_hessian(nll, res.x))
    except np.linalg.LinAlgError:
        cov = np.full((len(res.x), len(res.x)), np.nan)
    logit = np.full(groups, -np.inf)
    logit[free] = res.x[2:]
    return {"params": res.x[:2], "logit": logit, "free": free, "cov": cov}


def _cure_nll(
    t: np.ndarray, ev: np.ndarray, ce: np.ndarray, group: np.ndarray, groups: int, free: list[int]
) -> Callable[[np.ndarray], float]:
    """The negative log-likelihood of :func:`cure_fit` in (log median, log sigma, the
    ``free`` groups' logit lost shares)."""

    def nll(p: np.ndarray) -> float:
        z = np.full(groups, -np.inf)
        z[free] = p[2:]
        lost = (1.0 / (1.0 + np.exp(-z)))[group]
        s = math.exp(p[1])
        logf = stats.lognorm.logpdf(t[ev], s, scale=math.exp(p[0]))
        sf = stats.lognorm.sf(t[ce], s, scale=math.exp(p[0]))
        with np.errstate(divide="ignore"):
            value = -(
                np.log1p(-lost[ev]).sum()
                + logf.sum()
                + np.log(lost[ce] + (1 - lost[ce]) * sf).sum()
            )
        return float(value) if np.isfinite(value) else 1e300

    return nll


def _expit(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _interval(value: float, grad: np.ndarray, cov: np.ndarray) -> tuple[float, float, float]:
    """``value`` (positive) with the delta-method interval of its log, ``grad`` the
    gradient of its log in the parameters."""
    se = math.sqrt(max(float(grad @ cov @ grad), 0.0)) if np.isfinite(cov).all() else math.nan
    return value, value * math.exp(-Z * se), value * math.exp(Z * se)


def fit_backoffice(log: pd.DataFrame) -> pd.DataFrame:
    """The back-office fits of ``log`` (see the module doc) as ``fits.csv`` rows (none
    without ``resolved_at``: the log cannot tell a fix at the contact from a promise)."""
    if "resolved_at" not in log or not log["resolved_at"].notna().any():
        return table([])
    p = promises(log)
    rows: list[dict] = []
    how = f"resolutions logged over {AFTER_H:g} h after their contact ended, or never"
    if "needs_exception" in p:
        for kind, part in (
            ("routine", p[~p["needs_exception"]]),
            ("exception", p[p["needs_exception"]]),
        ):
            rows.append(share("backoffice_share", int(part["waited"].sum()), len(part), how, kind))
    else:
        rows.append(share("backoffice_share", int(p["waited"].sum()), len(p), how))
    work = p[p["waited"] & p["lead_h"].gt(0)]
    if len(work) < MIN_PROMISES or work["done"].sum() < MIN_PROMISES:
        return table(rows)
    channels = sorted(work["channel"].unique())
    group = work["channel"].map({ch: i for i, ch in enumerate(channels)}).to_numpy()
    t, event = work["lead_h"].to_numpy(dtype=float), work["done"].to_numpy()
    fit = cure_fit(t, event, group)
    x, cov = fit["params"], fit["cov"]
    method = (
        "censored maximum likelihood, lognormal (the model's family) with a share never "
        "done per channel (mixture cure); work not done censored at the log's end or the "
        "ticket's next contact; delta-method interval"
    )
    n, censored = len(work), int((~event).sum())
    unit = np.eye(len(cov))
    s2 = math.exp(2 * x[1])
    cv = math.sqrt(math.expm1(s2))
    for quantity, found in (
        ("backoffice_lead_time_median_h", _interval(math.exp(x[0]), unit[0], cov)),
        (
            "backoffice_lead_time_mean_h",
            _interval(math.exp(x[0] + s2 / 2), unit[0] + s2 * unit[1], cov),
        ),
        (
            "backoffice_lead_time_cv",
            _interval(cv, s2 * math.exp(s2) / math.expm1(s2) * unit[1], cov),
        ),
    ):
        value, lo, hi = found
        rows.append(
            {"quantity": quantity, "estimate": value, "ci_low": lo, "ci_high": hi,
             "method": method, "n": n, "censored": censored}
        )  # fmt: skip
    for i, ch in enumerate(channels):
        mine = group == i
        row = {"n": int(mine.sum()), "censored": int((~event[mine]).sum())}
        if i not in fit["free"]:
            how = "share of promises on the channel never done: none left undone"
            rows.append({**share("backoffice_lost_share", 0, row["n"], how, ch), **row})
            continue
        j = 2 + fit["free"].index(i)
        se = math.sqrt(max(float(cov[j, j]), 0.0)) if np.isfinite(cov).all() else math.nan
        z = float(fit["logit"][i])
        rows.append(
            {
                "quantity": "backoffice_lost_share",
                "channel": ch,
                "estimate": _expit(z),
                "ci_low": _expit(z - Z * se),
                "ci_high": _expit(z + Z * se),
                "method": "share of promises on the channel never done (mixture cure, "
                "as above); logit interval",
                **row,
            }
        )
    return table(rows)


def lead_survival(log: pd.DataFrame, points: int = 200) -> pd.DataFrame | None:
    """The survival curve of the back office's lead times behind the fit, for a plot: at
    ``points`` hours from 0 to twice the 99th percentile of the work done (or the longest
    wait, if shorter; beyond, the curves are flat at the share never done), the
    Kaplan-Meier estimate with its 95% log-log band, the fitted mixture (the lognormal
    and the share never done, averaged over the promises) and the ``done_only`` curve
    of the work done alone (censoring ignored). None where :func:`fit_backoffice` fits
    no lead time."""
    if "resolved_at" not in log or not log["resolved_at"].notna().any():
        return None
    p = promises(log)
    work = p[p["waited"] & p["lead_h"].gt(0)]
    if len(work) < MIN_PROMISES or work["done"].sum() < MIN_PROMISES:
        return None
    t, event = work["lead_h"].to_numpy(dtype=float), work["done"].to_numpy()
    channels = sorted(work["channel"].unique())
    group = work["channel"].map({ch: i for i, ch in enumerate(channels)}).to_numpy()
    fit = cure_fit(t, event, group)
    data = stats.CensoredData(uncensored=t[event], right=t[~event])
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():  # undefined at the ends of the curve
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(0.95, method="log-log")
    top = min(float(t.max()), 2.0 * float(np.quantile(t[event], 0.99)))
    grid = np.linspace(0.0, top, points)
    lost = float(np.mean(1.0 / (1.0 + np.exp(-fit["logit"][group]))))
    mu, s = fit["params"]
    fitted = stats.lognorm.sf(grid, math.exp(s), scale=math.exp(mu))
    done = np.sort(t[event])
    return pd.DataFrame(
        {
            "hours": grid,
            "kaplan_meier": sf.evaluate(grid),
            "km_low": band.low.evaluate(grid),
            "km_high": band.high.evaluate(grid),
            "fitted": lost + (1.0 - lost) * fitted,
            "done_only": 1.0 - np.searchsorted(done, grid, side="right") / len(done),
        }
    )


__all__ = ["AFTER_H", "MIN_PROMISES", "cure_fit", "fit_backoffice", "lead_survival", "promises"]
