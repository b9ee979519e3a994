"""Back-office work from a log (escalationsim.calibration.backoffice): on promises of the
tests' own with a known lead time and a known share never done, and through the
simulator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from escalationsim.calibration.backoffice import fit_backoffice, promises
from escalationsim.calibration.patience import censored_fit

T0 = pd.Timestamp("2026-01-05", tz="UTC")
MEAN_H, CV = 72.0, 1.0
SHARE = {False: 0.2, True: 0.8}
LOST = {"phone": 0.0, "social": 0.15}


def promise_log(n: int, seed: int, days: float = 42.0) -> pd.DataFrame:
    """``n`` complaints resolved at one contact each, on the phone or social media, over
    ``days``; a share (by ``needs_exception``) wait for back-office work whose lead time
    is lognormal (``MEAN_H``, ``CV``), of which social media loses ``LOST``: never done.
    Work not done by the log's end has no ``resolved_at``."""
    rng = np.random.default_rng(seed)
    arrived = np.sort(rng.uniform(0, days * 24, n))
    ended = arrived + rng.uniform(0.05, 0.3, n)
    channel = np.where(rng.random(n) < 0.3, "social", "phone")
    exception = rng.random(n) < 0.15
    waits = rng.random(n) < np.where(exception, SHARE[True], SHARE[False])
    sigma = math.sqrt(math.log1p(CV * CV))
    lead = rng.lognormal(math.log(MEAN_H) - sigma * sigma / 2, sigma, n)
    lost = rng.random(n) < pd.Series(channel).map(LOST).to_numpy()
    done = np.where(waits, ended + lead, ended)
    done[(waits & lost) | (done > arrived[-1])] = np.nan
    h = lambda x: T0 + pd.to_timedelta(x, unit="h")  # noqa: E731
    return pd.DataFrame(
        {
            "ticket_id": np.arange(n).astype(str),
            "channel": channel,
            "arrived_at": h(arrived),
            "answered_at": h(arrived),
            "ended_at": h(ended),
            "resolved_at": h(done),
            "outcome": "resolved",
            "needs_exception": exception,
        }
    )


def _row(fits: pd.DataFrame, quantity: str, channel: str | None = None) -> pd.Series:
    rows = fits[fits["quantity"] == quantity]
    if channel is not None:
        rows = rows[rows["channel"] == channel]
    assert len(rows) == 1, (quantity, channel)
    return rows.iloc[0]


def _covers(row: pd.Series, truth: float) -> bool:
    return row["ci_low"] <= truth <= row["ci_high"]


def test_the_lead_time_and_the_lost_share_are_recovered_where_ignoring_loss_is_not():
    """20,000 complaints: the shares that waited, the lead time's mean and cv, and each
    channel's share never done are each covered by their interval; a censored lognormal
    that ignores lost promises (read as slow ones) puts the mean lead time above its
    interval's reach of the truth."""
    log = promise_log(20_000, 1)
    fits = fit_backoffice(log)
    assert _covers(_row(fits, "backoffice_share", "routine"), SHARE[False])
    assert _covers(_row(fits, "backoffice_share", "exception"), SHARE[True])
    mean = _row(fits, "backoffice_lead_time_mean_h")
    assert _covers(mean, MEAN_H), mean.to_dict()
    assert _covers(_row(fits, "backoffice_lead_time_cv"), CV)
    assert _covers(_row(fits, "backoffice_lead_time_median_h"), MEAN_H / math.sqrt(1 + CV * CV))
    for ch, share in LOST.items():
        assert _covers(_row(fits, "backoffice_lost_share", ch), share), ch
    p = promises(log)
    work = p[p["waited"]]
    naive = censored_fit("lognormal", work["lead_h"].to_numpy(), work["done"].to_numpy())
    assert naive["mean"][1] > MEAN_H * 1.1, naive["mean"]


def test_the_intervals_cover_the_truth_at_their_level_over_seeds():
    """40 logs of 4,000 complaints: the mean lead time's 95% interval covers the truth in
    35 or more (about 38 expected; an 80% interval would in 35 or more with probability
    about 0.03)."""
    hits = sum(
        _covers(_row(fit_backoffice(promise_log(4_000, s)), "backoffice_lead_time_mean_h"), MEAN_H)
        for s in range(40)
    )
    assert hits >= 35, hits


def test_a_fix_at_the_contact_is_no_promise_and_a_log_without_resolution_times_fits_none():
    """Resolutions logged within the hour of their contact's end did not wait; without
    ``resolved_at`` the log cannot tell, and nothing is fitted."""
    log = promise_log(2_000, 2)
    log["resolved_at"] = log["ended_at"] + pd.Timedelta(minutes=30)
    fits = fit_backoffice(log)
    assert _row(fits, "backoffice_share", "routine")["estimate"] == 0.0
    assert not fits["quantity"].str.startswith("backoffice_lead").any()
    assert fit_backoffice(log.drop(columns="resolved_at")).empty


def test_work_not_done_is_censored_at_the_tickets_next_contact_or_the_logs_end():
    """Two promises not done: one chased 10 h later is censored there, the other at the
    log's end (the last arrival, a third complaint's contact)."""
    log = promise_log(200, 3).iloc[:2].copy()
    log["resolved_at"] = pd.Series(pd.NaT, index=log.index, dtype="datetime64[ns, UTC]")
    ended = log["ended_at"]
    chase = log.iloc[[0]].assign(arrived_at=ended.iloc[0] + pd.Timedelta(hours=10))
    chase["outcome"] = "unresolved"
    last = log.iloc[[1]].assign(ticket_id="x", arrived_at=T0 + pd.Timedelta(days=9))
    last["outcome"] = "refused"
    p = promises(pd.concat([log, chase, last])).set_index("ticket_id")
    a, b = log["ticket_id"]
    assert p.at[a, "lead_h"] == pytest.approx(10.0) and not p.at[a, "done"]
    end = (T0 + pd.Timedelta(days=9) - ended.iloc[1]).total_seconds() / 3600
    assert p.at[b, "lead_h"] == pytest.approx(end) and not p.at[b, "done"]
