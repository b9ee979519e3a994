"""Summaries of complaints: exact samples, histograms, streaming in chunks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.analysis.bins import HIST_REL_ERROR
from escalationsim.analysis.fairness import gini, jain
from escalationsim.analysis.stats import (
    ComplaintStats,
    ExactSample,
    HistSample,
    StreamingStats,
    column_sums,
    top_followers_threshold,
)
from escalationsim.config.scenario import PopulationConfig


def _ttrs(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(np.log(30.0), 1.5, n)  # hours


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("n", [1, 2, 7, 1000, 20001])
def test_histogram_quantiles_within_the_stated_error(q: float, n: int) -> None:
    x = _ttrs(n, n)
    h = HistSample()
    h.add(x[: n // 2])
    h.add(x[n // 2 :])
    exact = float(np.quantile(x, q))
    # each of the two order statistics is within HIST_REL_ERROR; so is any mix of them
    assert h.quantile(q) == pytest.approx(exact, rel=HIST_REL_ERROR * 1.0001)


def test_histogram_mean_and_jain_exact_gini_close() -> None:
    x = _ttrs(5000, 1)
    h = HistSample()
    h.add(x)
    assert h.mean() == pytest.approx(x.mean(), rel=1e-12)
    assert h.jain() == pytest.approx(jain(x), rel=1e-12)
    assert h.gini() == pytest.approx(gini(x), abs=2e-3)
    assert ExactSample(x).gini() == gini(x)


def test_infinities_count_as_unresolved() -> None:
    x = np.array([1.0, 2.0, 3.0])
    h = HistSample()
    h.add(x)
    e = ExactSample(x)
    # 3 finite + 2 inf: the median is the 3rd of 5 values (3.0); with 3 inf it is inf
    assert e.quantile(0.5, n_inf=2) == 3.0
    assert h.quantile(0.5, n_inf=2) == pytest.approx(3.0, rel=HIST_REL_ERROR)
    assert math.isinf(e.quantile(0.5, n_inf=3)) and math.isinf(h.quantile(0.5, n_inf=3))
    # 3 finite + 1 inf: even count, the mean of 2.0 and 3.0
    assert e.quantile(0.5, n_inf=1) == 2.5
    assert h.quantile(0.5, n_inf=1) == pytest.approx(2.5, rel=HIST_REL_ERROR)


def test_empty_samples_give_nan() -> None:
    for s in (HistSample(), ExactSample(np.zeros(0))):
        assert math.isnan(s.quantile(0.5)) and math.isnan(s.mean())
        assert math.isnan(s.gini()) and math.isnan(s.jain())


def test_values_outside_the_grid_go_to_the_end_bins() -> None:
    h = HistSample()
    h.add(np.array([0.0, 1e-9, 5e7]))
    assert h.n == 3 and h.counts.sum() == 3
    assert h.counts[0] == 2 and h.counts[-1] == 1


def _chunk(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    status = rng.integers(0, 3, n).astype(np.int8)
    cols = {
        "status": status,
        "time_to_resolution_h": np.where(status == 1, _ttrs(n, seed + 1), np.nan),
        "duration_h": np.where(status == 1, _ttrs(n, seed + 1), 300.0 + 200.0 * rng.random(n)),
        "followers": np.floor(150 * np.exp(2 * rng.standard_normal(n))).astype(np.int64),
        "first_channel": rng.integers(0, 4, n).astype(np.int8),
        "contacts": rng.integers(1, 4, n),
        "ceo_wait_h": np.where(rng.random(n) < 0.1, rng.random(n) * 100, np.nan),
        "first_call_wait_h": np.where(rng.random(n) < 0.6, rng.exponential(0.05, n), np.nan),
        "first_call_abandoned": rng.random(n) < 0.05,
    }
    for name in [
        "cost_staff",
        "cost_ceo",
        "compensation",
        "cost_churn",
        "cost_publicity",
        "penalty",
        "hours_reps",
        "hours_social",
        "hours_managers",
        "hours_exec_office",
        "hours_ceo",
        "hours_audit",
        "hours_backoffice",
        "cost_churn_lifetime",
        "cost_churn_incremental",
        "impressions",
        "answer_wait_h",
        "cost_ombudsman",
    ]:
        cols[name] = rng.exponential(10.0, n)
    for name in [
        "calls",
        "abandoned_calls",
        "calls_answered",
        "posts",
        "posts_answered",
        "deadline_breaches",
        "chases",
        "roulettes",
        "emails_unanswered",
        "ceo_letters",
        "ceo_personal",
        "ceo_handed",
        "ceo_abandoned",
    ]:
        cols[name] = rng.integers(0, 3, n)
    for name in ["reached_social", "reached_ceo", "escalated_social", "escalated_ceo", "tracked"]:
        cols[name] = rng.random(n) < 0.3
    for name in [
        "churned",
        "backoffice",
        "switched",
        "fixed_quickly",
        "needs_exception",
        "claim_weak",
        "granted",
        "cs_refused_before_ceo",
        "cs_unanswered_before_ceo",
        "owner_assigned",
        "lost_follow_up",
        "ombudsman_case",
        "ombudsman_upheld",
    ]:
        cols[name] = rng.random(n) < 0.3
    cols["ceo_outcome"] = rng.integers(-1, 5, n).astype(np.int8)
    cols["complaint_seq"] = rng.integers(1, 4, n).astype(np.int32)
    # first posts: a third answered, a sixth given up on, the rest never queued
    u = rng.random(n)
    reply = rng.lognormal(0.0, 1.0, n)
    cols["first_post_wait_h"] = np.where(u < 1 / 3, reply, np.nan)
    cols["first_post_gave_up_h"] = np.where((u >= 1 / 3) & (u < 0.5), reply, np.nan)
    return cols


def test_streaming_sums_and_groups_equal_one_pass_over_all_rows() -> None:
    chunks = [_chunk(n, seed) for seed, n in enumerate((1000, 1, 4096, 377))]
    whole = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    s = StreamingStats(PopulationConfig())
    for c in chunks:
        s.add(c)
    s.add({k: v[:0] for k, v in chunks[0].items()})  # an empty chunk changes nothing
    got = s.result()
    want = column_sums(whole)
    assert got.n == len(whole["status"])
    assert set(got.sums) == set(want)
    for k, v in want.items():
        assert got.sums[k] == pytest.approx(v, rel=1e-12), k
    top = whole["followers"] >= s.threshold
    resolved = whole["status"] == 1
    assert (got.top.count, got.top.resolved) == (top.sum(), (top & resolved).sum())
    assert (got.rest.count, got.rest.resolved) == ((~top).sum(), (~top & resolved).sum())
    for ch, g in got.channels.items():
        sel = whole["first_channel"] == ch
        assert (g.count, g.resolved) == (sel.sum(), (sel & resolved).sum())
        exact = np.median(whole["time_to_resolution_h"][sel & resolved])
        assert g.ttr.quantile(0.5) == pytest.approx(exact, rel=HIST_REL_ERROR)
    exc = whole["needs_exception"]
    assert (got.exception.count, got.exception.resolved) == (exc.sum(), (exc & resolved).sum())
    exact = np.median(whole["time_to_resolution_h"][exc & resolved])
    assert got.exception.ttr.quantile(0.5) == pytest.approx(exact, rel=HIST_REL_ERROR)
    # the survival distributions (unresolved censored): quantiles within a bin of exact
    every = ComplaintStats.exact({**whole, "status": whole["status"]})
    # reply times to first posts (given up censored): the bottom half by the configured
    # median, against the Kaplan-Meier median of the same posts computed exactly
    from escalationsim.analysis.survival import km_quantile

    f = whole["followers"]
    queued = ~np.isnan(whole["first_post_wait_h"]) | ~np.isnan(whole["first_post_gave_up_h"])
    answered = ~np.isnan(whole["first_post_wait_h"])
    reply = np.fmax(whole["first_post_wait_h"], whole["first_post_gave_up_h"])
    for key, mask in (("bottom50", f < PopulationConfig().followers_median), ("top1", top)):
        sel = queued & mask
        want = km_quantile(reply[sel], answered[sel], 0.5)
        assert got.replies[key].quantile(0.5) == pytest.approx(want, rel=2 * HIST_REL_ERROR)
    # the exact summary: the same estimate over the groups by rank, against scipy's
    from scipy.stats import CensoredData, ecdf

    from escalationsim.analysis.fairness import top_share_mask

    for key, mask in (("top1", top_share_mask(f)), ("bottom50", ~top_share_mask(f, 0.5))):
        sel = queued & mask
        data = CensoredData(uncensored=reply[sel & answered], right=reply[sel & ~answered])
        sf = ecdf(data).sf
        first = np.flatnonzero(sf.probabilities <= 0.5 + 1e-12)[0]
        assert every.replies[key].quantile(0.5) == sf.quantiles[first], key
    for q in (0.1, 0.25, 0.5):
        want = every.survival.quantile(q)
        assert math.isfinite(want)
        assert got.survival.quantile(q) == pytest.approx(want, rel=2 * HIST_REL_ERROR), q


def test_top_followers_threshold_is_the_99th_percentile() -> None:
    p = PopulationConfig()
    t = top_followers_threshold(p)
    z = np.random.default_rng(0).standard_normal(2_000_000)
    followers = np.floor(p.followers_median * np.exp(p.followers_sigma * z))
    share = np.mean(followers >= t)
    se = math.sqrt(0.01 * 0.99 / len(z))
    assert abs(share - 0.01) < 4 * se
