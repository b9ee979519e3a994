"""What a log cannot show, fitted by simulation: the settings behind the journeys.

A contact log shows what complaints did (where they started, how many came back, went
public or wrote to the CEO) but not the customers' persistence, the share who use social
media or know the CEO's address, nor the first-channel shares before word of mouth and
customers' memory move them. These are fitted by simulating the log's period with the
directly fitted scenario, trying values of the unknowns, and comparing the simulated
log's journey shares with the observed ones (both measured by
:func:`~escalationsim.calibration.journeys.fit_journeys`).

The distance of a trial is a sum of squared standardised differences, each share's
difference over the binomial variances of the observed and the simulated share, so that
at the truth it is about chi-square (the method of simulated moments with a diagonal
weight). Optuna's TPE sampler proposes the values (seeded afresh before each trial from
the seed and the trials complete, so a study interrupted and resumed from its SQLite
file proposes what an uninterrupted one would), every other trial after its random ones
being a Gauss-Newton step from the best trial instead (:func:`newton_step`: TPE alone,
in four unknowns, often ended far from the truth in 80 trials); every trial on the same
seeds (common random numbers). The **plausible** trials are those whose distance is
within the 95% chi-square quantile (as many degrees of freedom as unknowns) of the best
one's (a likelihood-ratio region, shown in the plot). The interval of each unknown is
the simulated-moments one: the shares' slopes in the unknowns near the best trial (a
Jacobian ``J`` by least squares) and the shares' variances ``W^-1`` give the covariance
``(J' W J)^-1``, widened by the best distance over its degrees of freedom when that is
above 1 (a model that cannot match every share, or simulation noise beyond the binomial:
quasi-likelihood scaling). An unknown is **identified** when its interval spans at most
:data:`IDENTIFIED` of its allowed range, and is then given the best trial's value with
that interval; otherwise (or when no share moves with it) it is said not to be
identified, with its interval, and kept.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escalationsim.calibration.journeys import LIVE, fit_journeys
from escalationsim.calibration.mapping import DataError

log = logging.getLogger("escalationsim")

STUDY_NAME = "escalationsim-simfit"

IDENTIFIED = 0.5
"""An unknown whose plausible trials span more than this share of its allowed range is
not identified by the log."""

STATS = ("first_channel_share", "recontact_prob", "escalation_prob_social", "escalation_prob_ceo")
"""The journey shares the distance compares (first-channel shares per channel)."""


def statistics(log_: pd.DataFrame) -> pd.DataFrame:
    """The compared shares of a log: ``stat`` (quantity, and channel for first-channel
    shares), ``share`` and ``n`` (its denominator). The phone's and email's first-channel
    shares are left out: with social media's they sum to about 1, and their ratio is
    fitted directly."""
    rows = fit_journeys(log_)
    rows = rows[rows["quantity"].isin(STATS)]
    rows = rows[~(rows["quantity"].eq("first_channel_share") & rows["channel"].isin(LIVE))]
    name = rows["quantity"] + rows["channel"].fillna("").map(lambda c: f":{c}" if c else "")
    return pd.DataFrame(
        {"stat": name.to_numpy(), "share": rows["estimate"].to_numpy(), "n": rows["n"].to_numpy()}
    )


def distance(observed: pd.DataFrame, simulated: pd.DataFrame) -> float:
    """The standardised distance of ``simulated``'s shares from ``observed``'s: the sum
    over the observed shares of the squared difference over the two binomial variances
    (a share the simulation lacks counts as 0)."""
    sim = simulated.set_index("stat")
    total = 0.0
    for _, o in observed.iterrows():
        p_o, n_o = float(o["share"]), max(float(o["n"]), 1.0)
        if o["stat"] in sim.index:
            p_s, n_s = float(sim.at[o["stat"], "share"]), max(float(sim.at[o["stat"], "n"]), 1.0)
        else:
            p_s, n_s = 0.0, n_o
        var = max(p_o * (1 - p_o), 1.0 / n_o) / n_o + max(p_s * (1 - p_s), 1.0 / n_s) / n_s
        total += (p_s - p_o) ** 2 / var
    return total


@dataclass
class SimFit:
    """The outcome: every complete trial (``trials``: its order, the unknowns' values,
    ``distance``, ``plausible``), and per unknown its best value, plausible range,
    allowed range and whether it is identified (``unknowns``)."""

    trials: pd.DataFrame
    unknowns: pd.DataFrame
    threshold: float


def run(
    ranges: Mapping[str, tuple[float, float]],
    evaluate: Callable[[dict[str, float]], pd.DataFrame | None],
    observed: pd.DataFrame,
    trials: int,
    seed: int,
    storage: Path,
    timeout_s: float = 0.0,
    startup_trials: int = 10,
    fingerprint: str = "",
) -> SimFit:
    """Run (or resume) the study in ``storage`` up to ``trials`` complete trials (or until
    ``timeout_s`` seconds have passed, if above 0); ``evaluate(values)`` gives a trial's
    simulated :func:`statistics` (None: values the scenario refuses, an infinite
    distance). ``fingerprint`` names what the trials depend on: a study stored with
    another is not resumed but started afresh (its trials were of other inputs)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{Path(storage).resolve()}"
    if Path(storage).exists():  # a study of other inputs (overwrite=true): start afresh
        try:
            old = optuna.load_study(study_name=STUDY_NAME, storage=url)
        except Exception as err:  # damaged or not ours: not ours to delete
            raise DataError(
                f"{storage} cannot be read as this program's study ({err}): remove it to "
                "start afresh, or choose another hydra.run.dir"
            ) from None
        if old.user_attrs.get("fingerprint") != fingerprint:
            log.info("%s holds a study of other inputs: started afresh", storage)
            Path(storage).unlink()
    study = optuna.create_study(
        study_name=STUDY_NAME, storage=url, load_if_exists=True, direction="minimize"
    )
    study.set_user_attr("fingerprint", fingerprint)
    running = (optuna.trial.TrialState.RUNNING,)
    for t in study.get_trials(deepcopy=False, states=running):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)  # interrupted: not history

    def objective(trial: optuna.Trial) -> float:
        values = {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in ranges.items()}
        simulated = evaluate(values)
        if simulated is None:
            return math.inf
        trial.set_user_attr("stats", dict(zip(simulated["stat"], simulated["share"], strict=True)))
        trial.set_user_attr(
            "n", dict(zip(simulated["stat"], simulated["n"].astype(float), strict=True))
        )
        return distance(observed, simulated)

    started = time.monotonic()
    while (done := _complete(study)) < trials:
        if timeout_s > 0 and time.monotonic() - started > timeout_s:
            log.info("simulation-based fit: time budget spent after %d trials", done)
            break
        study.sampler = optuna.samplers.TPESampler(
            seed=int(np.random.SeedSequence([seed, done]).generate_state(1)[0]),
            n_startup_trials=startup_trials,
            multivariate=True,  # the unknowns trade off (persistence against the shares)
        )
        waiting = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
        if done >= startup_trials and done % 2 and not waiting:
            step = newton_step(summarise(study, ranges, observed).trials, ranges, observed)
            if step is not None:  # asked at once: an interruption leaves it RUNNING
                study.enqueue_trial(step)
        trial = study.ask()
        study.tell(trial, objective(trial))
        log.info("simulation-based fit: trial %d of %d done", done + 1, trials)
    return summarise(study, ranges, observed)


STEP = 0.25
"""The longest Gauss-Newton step, as a share of each unknown's allowed range."""


def newton_step(
    trials: pd.DataFrame, ranges: Mapping[str, tuple[float, float]], observed: pd.DataFrame
) -> dict[str, float] | None:
    """A Gauss-Newton proposal from the best trial: the shares' slopes near it
    (:func:`jacobian`) and their differences from the log's give the step that would
    close them, damped to at most :data:`STEP` of each range and kept in it. None until
    enough trials are complete. TPE alone, in four unknowns, often ended far from the
    truth in 80 trials; every other trial after the random ones is such a step."""
    finite = trials[np.isfinite(trials["distance"].astype(float))]
    if finite.empty:
        return None
    best = finite.loc[finite["distance"].astype(float).idxmin()]
    found = jacobian(finite, ranges, best, observed)
    if found is None:
        return None
    jac, weights, gaps = found
    info = jac.T @ (weights[:, None] * jac)
    ridge = 1e-6 * max(float(np.trace(info)), 1e-12) * np.eye(len(ranges))
    delta = np.linalg.solve(info + ridge, jac.T @ (weights * gaps))
    delta = np.clip(delta, -STEP, STEP)
    out = {}
    for i, (k, (lo, hi)) in enumerate(ranges.items()):
        out[k] = float(min(max(float(best[k]) + delta[i] * (hi - lo), lo), hi))
    return out


def _complete(study: Any) -> int:
    import optuna

    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def summarise(
    study: Any, ranges: Mapping[str, tuple[float, float]], observed: pd.DataFrame
) -> SimFit:
    """The trials table of an Optuna ``study`` (in the order they completed: the
    unknowns, the distance, and each simulated share as ``stat:<name>`` with its
    denominator as ``n:<name>``) and each unknown's verdict (:func:`verdicts`)."""
    import optuna

    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    done = sorted(done, key=lambda t: t.datetime_complete)
    names = list(observed["stat"])
    trials = pd.DataFrame(
        [
            {
                "order": i + 1,
                **{k: t.params[k] for k in ranges},
                "distance": t.value,
                **{f"stat:{s}": t.user_attrs.get("stats", {}).get(s, math.nan) for s in names},
                **{f"n:{s}": t.user_attrs.get("n", {}).get(s, math.nan) for s in names},
            }
            for i, t in enumerate(done)
        ],
        columns=["order", *ranges, "distance", *(f"{w}:{s}" for w in ("stat", "n") for s in names)],
    )
    return verdicts(trials, ranges, observed)


def verdicts(
    trials: pd.DataFrame, ranges: Mapping[str, tuple[float, float]], observed: pd.DataFrame
) -> SimFit:
    """Each unknown's best value (the trial nearest the log), its 95% interval and
    whether it is identified (see the module doc), from the trials' simulated shares:
    each share's slope in each unknown, by least squares over the trials nearest the best
    (:data:`NEAR` per unknown and one), gives the Jacobian ``J``; with ``W`` the inverse
    variances of the differences, ``(J' W J)^-1`` is the estimate's covariance (the
    method of simulated moments' sandwich, ``W`` being the inverse of their covariance),
    widened by the quasi-likelihood factor. A direction in which no share moves leaves
    the unknowns along it unidentified (their interval: the allowed range)."""
    trials = trials.copy()
    finite = trials[np.isfinite(trials["distance"].astype(float))]
    threshold = float(stats.chi2.ppf(0.95, len(ranges)))
    if finite.empty:
        trials["plausible"] = False
        rows = [
            {"setting": k, "best": math.nan, "low": lo, "high": hi, "allowed_low": lo,
             "allowed_high": hi, "identified": False}
            for k, (lo, hi) in ranges.items()
        ]  # fmt: skip
        return SimFit(trials, pd.DataFrame(rows), threshold)
    best = finite.loc[finite["distance"].astype(float).idxmin()]
    # a best trial further from the log than chance allows (more than its degrees of
    # freedom: the model cannot match every share, or the simulation's own noise is
    # more than binomial) widens the region by that much (quasi-likelihood scaling)
    dof = max(len(observed) - len(ranges), 1)
    inflate = max(1.0, float(best["distance"]) / dof)
    threshold *= inflate
    trials["plausible"] = trials["distance"] <= float(best["distance"]) + threshold
    half = _half_widths(finite, ranges, best, observed) * math.sqrt(inflate)
    rows = []
    for i, (k, (lo, hi)) in enumerate(ranges.items()):
        low, high = max(float(best[k]) - half[i], lo), min(float(best[k]) + half[i], hi)
        rows.append(
            {
                "setting": k,
                "best": float(best[k]),
                "low": low,
                "high": high,
                "allowed_low": lo,
                "allowed_high": hi,
                "identified": bool((high - low) <= IDENTIFIED * (hi - lo)),
            }
        )
    return SimFit(trials, pd.DataFrame(rows), threshold)


NEAR = 6
"""Trials per unknown (and one more) behind each share's slopes: the nearest the best."""


def jacobian(
    finite: pd.DataFrame,
    ranges: Mapping[str, tuple[float, float]],
    best: pd.Series,
    observed: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The shares' slopes in the unknowns (per unit of each allowed range), by least
    squares over the :data:`NEAR` per unknown (and one) trials nearest the best; the
    inverse variances of the shares' differences at the best; and those differences
    (the log's less the best trial's). None with too few trials or no shares."""
    keys = list(ranges)
    p = len(keys)
    scale = np.array([hi - lo for lo, hi in ranges.values()])
    names = [s for s in observed["stat"] if f"stat:{s}" in finite]
    if not names or len(finite) < NEAR * (p + 1):
        return None
    x = (finite[keys].to_numpy(dtype=float) - best[keys].to_numpy(dtype=float)) / scale
    near = np.argsort(np.sqrt((x * x).sum(axis=1)), kind="stable")[: NEAR * (p + 1)]
    design = np.column_stack([np.ones(len(near)), x[near]])
    jac, weights, gaps = [], [], []
    obs = observed.set_index("stat")
    for s in names:
        y = finite[f"stat:{s}"].to_numpy(dtype=float)[near]
        if np.isnan(y).any():
            continue
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        jac.append(beta[1:])
        p_o, n_o = float(obs.at[s, "share"]), max(float(obs.at[s, "n"]), 1.0)
        p_s, n_s = float(best[f"stat:{s}"]), max(float(best[f"n:{s}"]), 1.0)
        var = max(p_o * (1 - p_o), 1.0 / n_o) / n_o + max(p_s * (1 - p_s), 1.0 / n_s) / n_s
        weights.append(1.0 / var)
        gaps.append(p_o - p_s)
    if not jac:
        return None
    return np.array(jac), np.array(weights), np.array(gaps)


def _half_widths(
    finite: pd.DataFrame,
    ranges: Mapping[str, tuple[float, float]],
    best: pd.Series,
    observed: pd.DataFrame,
) -> np.ndarray:
    """Each unknown's 95% half-width (infinite where not identified); see
    :func:`verdicts`."""
    p = len(ranges)
    scale = np.array([hi - lo for lo, hi in ranges.values()])
    found = jacobian(finite, ranges, best, observed)
    if found is None:
        return np.full(p, math.inf)
    j, weights, _ = found
    info = j.T @ (weights[:, None] * j)
    values, vectors = np.linalg.eigh(info)
    tol = max(values.max(), 0.0) * 1e-6
    cov = sum(
        (np.outer(vectors[:, i], vectors[:, i]) / values[i] for i in range(p) if values[i] > tol),
        np.zeros((p, p)),
    )
    half = 1.959964 * np.sqrt(np.maximum(np.diag(cov), 0.0)) * scale
    for i in range(p):  # an unknown with weight in a direction no share moves along
        if values[i] <= tol:
            half[np.abs(vectors[:, i]) > 0.1] = math.inf
    return half


__all__ = [
    "IDENTIFIED",
    "STATS",
    "SimFit",
    "distance",
    "run",
    "statistics",
    "summarise",
    "verdicts",
    "NEAR",
    "jacobian",
    "newton_step",
]
