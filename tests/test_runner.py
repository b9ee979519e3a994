"""Reproducibility and common random numbers."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from escalationsim import ConfigError, compose, simulate
from escalationsim.analysis.aggregate import paired_differences
from escalationsim.engine.model import Model
from escalationsim.engine.population import draw_population
from escalationsim.experiment import runner
from escalationsim.kernel.rng import streams
from escalationsim.policy import build_policy
from tests.conftest import small_config

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check


def test_same_config_and_seed_give_identical_results():
    cfg = small_config("run.replications=2", policies=["rigid_script", "ceo_responds"])
    a, b = simulate(cfg), simulate(cfg)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    pd.testing.assert_frame_equal(a.complaints, b.complaints)


def test_results_do_not_depend_on_the_number_of_workers():
    one = small_config("run.replications=3", "run.workers=1", policies=["empowered_rep"])
    two = dataclasses.replace(one, run=dataclasses.replace(one.run, workers=2))
    pd.testing.assert_frame_equal(simulate(one).kpis, simulate(two).kpis)


def test_pairs_of_one_replication_are_spread_over_workers(monkeypatch):
    """Three policies and one replication: the (policy, replication) pairs run in two
    worker processes, with every table identical to the serial run."""
    policies = ["rigid_script", "omnichannel", "ceo_responds"]
    one = small_config("run.replications=1", "run.workers=1", policies=policies)
    two = dataclasses.replace(one, run=dataclasses.replace(one.run, workers=2))
    a = simulate(one)
    real, made = runner.ProcessPoolExecutor, []

    def pool(max_workers: int, **kwargs):
        made.append(max_workers)
        return real(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(runner, "ProcessPoolExecutor", pool)
    b = simulate(two)
    assert made == [2]
    for table in ("kpis", "complaints", "daily", "summary", "paired"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reports_simulated_days_and_pairs_without_changing_results(workers):
    cfg = small_config(
        "run.replications=2", f"run.workers={workers}", policies=["rigid_script", "ceo_responds"]
    )
    seen: list[runner.Progress] = []
    with_bar = simulate(cfg, progress=seen.append)
    without = simulate(cfg)
    for table in ("kpis", "complaints", "daily"):
        pd.testing.assert_frame_equal(getattr(with_bar, table), getattr(without, table))
    total = 4 * (cfg.run.horizon_days + cfg.run.drain_days)
    assert seen[-1] == runner.Progress(total, total, 4, 4)
    assert all(p.days_total == total and p.pairs_total == 4 for p in seen)
    assert any(0 < p.days_done < total for p in seen)  # days reported while pairs ran
    done = [p.days_done for p in seen if p.pairs_done == seen[-1].pairs_done or workers == 1]
    assert done == sorted(done)


def test_progress_bar_shows_days_and_pairs_on_a_terminal(monkeypatch):
    import io

    from escalationsim.app import progress as bar_module

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(bar_module, "DELAY_S", 0.0)
    monkeypatch.setattr("sys.stderr", screen)
    with bar_module.ProgressBar() as bar:
        bar(runner.Progress(30.0, 120.0, 1, 4))
        bar(runner.Progress(120.0, 120.0, 4, 4))
    out = screen.getvalue()
    assert "simulated days" in out and "120/120" in out and "pairs 4/4" in out
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    with bar_module.ProgressBar(enabled=False) as bar:  # output.progress=false
        bar(runner.Progress(30.0, 120.0, 1, 4))
    assert quiet.getvalue() == ""


def test_different_seeds_differ():
    a = simulate(small_config("run.seed=1", policies=["rigid_script"]))
    b = simulate(small_config("run.seed=2", policies=["rigid_script"]))
    assert a.kpis["complaints"].iloc[0] != b.kpis["complaints"].iloc[0]


def test_adding_replications_keeps_earlier_ones():
    a = simulate(small_config("run.replications=1", policies=["rigid_script"]))
    b = simulate(small_config("run.replications=3", policies=["rigid_script"]))
    pd.testing.assert_frame_equal(a.kpis, b.kpis.iloc[:1])


def test_policies_see_the_same_customers():
    """CRN: within a replication every policy gets the same arrivals and attributes."""
    res = simulate(small_config("run.replications=2"))
    df = res.complaints
    cols = [
        "complaint_id",
        "arrival_time",
        "followers",
        "preferred_channel",
        "needs_exception",
        "exception_value",
        "clv",
    ]
    for _rep, g in df.groupby("replication"):
        # root-cause fixing is off in every preset, so nobody is prevented; every
        # customer's first complaint is the same under every policy (customers who
        # remember: later ones depend on what the policy did), and a complaint made under
        # two policies has the same customer and attributes under both
        firsts = [
            p[p.complaint_seq == 1][cols].reset_index(drop=True)
            for _, p in g.groupby("policy", observed=True)
        ]
        for other in firsts[1:]:
            pd.testing.assert_frame_equal(firsts[0], other)
        by_policy = [p.set_index("complaint_id") for _, p in g.groupby("policy", observed=True)]
        for other in by_policy[1:]:
            common = by_policy[0].index.intersection(other.index)
            assert len(common) > 0.9 * len(other)
            left = by_policy[0].loc[common, [*cols[1:], "customer_id"]]
            pd.testing.assert_frame_equal(left, other.loc[common, [*cols[1:], "customer_id"]])
    # and the replications themselves differ
    r0 = df[(df.replication == 0) & (df.policy == "rigid_script")]["arrival_time"].to_numpy()
    r1 = df[(df.replication == 1) & (df.policy == "rigid_script")]["arrival_time"].to_numpy()
    assert len(r0) != len(r1) or not np.allclose(r0, r1)


def test_population_independent_of_policy_streams():
    """Drawing the population never touches the service/behaviour streams."""
    cfg = small_config(policies=["rigid_script"])
    r1, r2 = streams(7, 0), streams(7, 0)
    p1 = draw_population(cfg.scenario, 100.0, r1["arrivals"], r1["population"])
    p2 = draw_population(cfg.scenario, 100.0, r2["arrivals"], r2["population"])
    np.testing.assert_array_equal(p1.arrival_h, p2.arrival_h)
    assert r1["journey"].random() == r2["journey"].random()
    # running a model consumes the service stream but leaves the population as drawn
    before = p1.followers.copy()
    policy = build_policy(cfg.policies["rigid_script"], cfg.scenario)
    Model(cfg.scenario, policy, p1, r1, 100.0, 10.0).run()
    np.testing.assert_array_equal(before, p1.followers)


# KPIs that records off computes from histograms (quantiles of times to resolution) or
# from a different top-1% group (by the follower distribution's 99th percentile instead
# of by rank within the run); every other KPI is a count, sum or ratio and must match.
APPROX = {
    "ttr_median_h_all",
    "ttr_p90_h_all",
    "ttr_median_h_resolved",
    "ttr_p90_h_resolved",
    "gini_ttr",
    "channel_ttr_ratio",
    "email_ttr_median_h",
    "ttr_median_h_exception",
}
OTHER_TOP_GROUP = {
    "follower_ttr_ratio",
    "follower_ttr_ratio_resolved",
    "follower_resolution_gap",
    "social_reply_median_min_top1",  # and the bottom half by the distribution's median
    "social_reply_median_min_bottom50",
}


@pytest.mark.parametrize("policy", ["omnichannel", "ceo_responds"])
def test_records_off_gives_the_same_kpis_without_rows(policy):
    from escalationsim.analysis.bins import HIST_REL_ERROR

    on = small_config("run.horizon_days=8", policies=[policy])
    off = dataclasses.replace(on, run=dataclasses.replace(on.run, records=False))
    a, b = simulate(on), simulate(off)
    assert a.complaints is not None and b.complaints is None
    pd.testing.assert_frame_equal(a.daily, b.daily)
    exact = [k for k in a.kpis.columns if k not in APPROX | OTHER_TOP_GROUP]
    pd.testing.assert_frame_equal(a.kpis[exact], b.kpis[exact], rtol=1e-9)
    for k in APPROX:
        # a quantile read from a bin's middle, interpolated; a ratio of two of them; a
        # Kaplan-Meier quantile not reached (+inf) in both
        want, got = a.kpis[k].iloc[0], b.kpis[k].iloc[0]
        if math.isinf(want):
            assert got == want, k
            continue
        assert got == pytest.approx(want, rel=4 * HIST_REL_ERROR), k
    assert (b.kpis[list(OTHER_TOP_GROUP)].notna() == a.kpis[list(OTHER_TOP_GROUP)].notna()).all(
        axis=None
    )


def test_common_random_numbers_make_paired_intervals_narrower():
    """Both policies see the same customers in each replication, so their costs per
    complaint move together across replications and the paired interval is the
    narrower one."""
    cfg = small_config(
        "run.replications=12", "run.horizon_days=4", policies=["rigid_script", "empowered_rep"]
    )
    k = simulate(cfg).kpis
    a = k[k.policy == "rigid_script"]["cost_per_complaint"].to_numpy()
    b = k[k.policy == "empowered_rep"]["cost_per_complaint"].to_numpy()
    # (rare and dear ombudsman cases, of each policy's own refused claims, add noise the
    # two do not share: 0.48 with them, 0.86 without)
    assert np.corrcoef(a, b)[0, 1] > 0.35
    p = paired_differences(k, "rigid_script").set_index("kpi").loc["cost_per_complaint"]
    assert p["paired_ci_high"] - p["paired_ci_low"] < p["unpaired_ci_high"] - p["unpaired_ci_low"]


def test_a_local_change_leaves_other_customers_untouched():
    """Per-customer random numbers: raising the social team's budget by 1 USD changes the
    outcome of the few customers whose exception costs between the two budgets, and,
    apart from queueing knock-ons, nobody else's."""
    base = small_config("run.horizon_days=12", policies=["rigid_script"])
    pol = dict(base.policies)
    old = pol["rigid_script"]
    pol["plus_one"] = dataclasses.replace(
        old, social=dataclasses.replace(old.social, budget_usd=old.social.budget_usd + 1)
    )
    cfg = dataclasses.replace(
        base, policies=pol, run=dataclasses.replace(base.run, policies=["rigid_script", "plus_one"])
    )
    df = simulate(cfg).complaints
    a = df[df.policy == "rigid_script"].set_index("complaint_id")
    b = df[df.policy == "plus_one"].set_index("complaint_id")
    never_posted = (a["posts"] == 0) & (b["posts"] == 0)
    changed = (a["status"] != b["status"]) | ~np.isclose(
        a["time_to_resolution_h"].fillna(-1), b["time_to_resolution_h"].fillna(-1)
    )
    assert never_posted.sum() > 1000
    assert changed[never_posted].mean() < 0.002


# --------------------------------------------------------------------------- precision

_PRECISION = [
    "run.policies=[rigid_script,empowered_rep]",
    "run.replications=2",
    "run.horizon_days=10",
    "run.warmup_days=2",
    "run.drain_days=5",
    "run.workers=1",
    "run.records=false",
    "run.precision.kpi=cost_per_complaint",
]


def _half_width_share(res) -> float:
    row = res.paired[res.paired.kpi == "cost_per_complaint"].iloc[0]
    return 0.5 * (row.paired_ci_high - row.paired_ci_low) / abs(row["diff"])


@pytest.mark.slow  # batches of replications until precise, about 11 s (make test under 4 minutes)
def test_replications_are_added_until_the_difference_is_precise_enough():
    """run.precision adds batches (2, 4, 8, ...) until the paired 95% half-width is at
    most 20% of the difference, and the result is that of running as many outright."""
    res = simulate(compose([*_PRECISION, "run.precision.half_width=0.2"]))
    n = res.kpis.replication.nunique()
    assert 2 < n < 50 and _half_width_share(res) <= 0.2
    fewer = simulate(compose([*_PRECISION, f"run.replications={n // 2}", "run.precision.kpi="]))
    assert _half_width_share(fewer) > 0.2  # the batch before did not reach it
    outright = simulate(compose([*_PRECISION, f"run.replications={n}", "run.precision.kpi="]))
    pd.testing.assert_frame_equal(res.kpis, outright.kpis)


def test_an_unreachable_precision_stops_at_the_maximum():
    res = simulate(
        compose(
            [*_PRECISION, "run.precision.half_width=0.0001", "run.precision.max_replications=5"]
        )
    )
    assert res.kpis.replication.nunique() == 5


@pytest.mark.parametrize(
    "override, key",
    [
        ("run.precision.kpi=nonsense", "run.precision.kpi"),
        ("run.precision.max_replications=1", "run.precision.max_replications"),
        ("run.policies=[rigid_script]", "run.policies"),
    ],
)
def test_bad_precision_settings_are_refused_by_name(override, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        simulate(compose([*_PRECISION, override]))
