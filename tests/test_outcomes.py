"""Declared outcomes: every KPI's reductions and counters are declared, checked before a
run; directions come from the declarations; docs/metrics.md is generated from them."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from escalationsim import simulate, validate
from escalationsim.analysis import kpis, reductions
from escalationsim.analysis.ranking import lower_is_better, rankable
from escalationsim.analysis.stats import ComplaintStats, StreamingStats
from escalationsim.config.scenario import PopulationConfig
from escalationsim.engine import counters
from tests.conftest import small_config


def _with(monkeypatch, entry: kpis.Kpi) -> None:
    monkeypatch.setattr(kpis, "REGISTRY", [*kpis.REGISTRY, entry])


def test_the_shipped_declarations_check() -> None:
    import escalationsim.policy  # noqa: F401  (the levers declare their counters)

    kpis.check_declarations()


def test_a_misspelt_reduction_stops_the_job_before_it_runs(monkeypatch) -> None:
    _with(monkeypatch, kpis.Kpi("calls_each", kpis.PerComplaint("cals"), "calls each"))
    with pytest.raises(ValueError, match=r"KPI 'calls_each' reads reduction 'cals'.*'calls'"):
        validate(small_config(policies=["rigid_script"]))


def test_a_misspelt_counter_stops_the_job_before_it_runs(monkeypatch) -> None:
    entry = kpis.Kpi("replaced", kpis.CounterValue("reps_replacd"), "replaced")
    _with(monkeypatch, entry)
    with pytest.raises(ValueError, match=r"counter 'reps_replacd'.*'reps_replaced'"):
        validate(small_config(policies=["rigid_script"]))


def test_a_function_formula_names_what_it_reads(monkeypatch) -> None:
    entry = kpis.Kpi(
        "odd", lambda inp, row: inp.sums["posts"], "odd", reads=("post",), counters=("fix_cost",)
    )
    _with(monkeypatch, entry)
    with pytest.raises(ValueError, match=r"reduction 'post'.*'posts'"):
        kpis.check_declarations()


def test_an_undeclared_counter_from_a_producer_is_refused() -> None:
    with pytest.raises(ValueError, match=r"lever Mine reported counter 'fix_cots'.*'fix_cost'"):
        counters.collect([("lever Mine", {"fix_cots": 1.0})])


def test_a_counter_declared_by_two_producers_is_refused() -> None:
    with pytest.raises(ValueError, match="declared by both 'judgement' and 'mine'"):
        counters.declare(counters.Counter("reps_replaced", "other", "mine"))


def test_a_switched_off_producer_reports_its_declared_defaults() -> None:
    """Without root-cause fixing, customer memory or publicity, their counters are in
    the run's result at their declared defaults (not missing, read as 0 by accident)."""
    from escalationsim.engine.model import Model
    from escalationsim.engine.population import draw_population
    from escalationsim.kernel.rng import streams
    from escalationsim.policy import build_policy

    cfg = small_config(policies=["rigid_script"])
    rngs = streams(cfg.run.seed, 0)
    h, w = cfg.run.horizon_days * 24, cfg.run.warmup_days * 24
    pop = draw_population(cfg.scenario, h, rngs["arrivals"], rngs["population"])
    policy = build_policy(cfg.policies["rigid_script"], cfg.scenario)
    c = Model(cfg.scenario, policy, pop, rngs, h, w).run().counters
    assert set(counters.declared()) <= set(c)
    assert c["fix_cost"] == 0.0 and math.isinf(c["root_cause_fixed_at_h"])
    assert simulate(cfg).kpis["cost_fix"].eq(0.0).all()


def _cols(n: int, seed: int) -> dict[str, np.ndarray]:
    """Complaint columns of ``n`` made-up complaints, with every column the reductions
    read, some NaN waits, repeats and letters."""
    rng = np.random.default_rng(seed)
    stats_cols = {name: rng.integers(0, 3, n).astype(float) for name in reductions.columns_read()}
    cols = dict(stats_cols)
    wait = rng.exponential(0.01, n)
    wait[rng.random(n) < 0.3] = np.nan
    cols.update(
        status=rng.integers(0, 3, n).astype(np.int8),
        contacts=rng.integers(1, 5, n).astype(np.int32),
        first_call_wait_h=wait,
        ceo_wait_h=np.where(rng.random(n) < 0.5, np.nan, rng.exponential(30, n)),
        first_call_abandoned=rng.random(n) < 0.2,
        ceo_outcome=rng.integers(-1, 3, n).astype(np.int8),
        complaint_seq=rng.integers(1, 3, n).astype(np.int32),
        first_channel=rng.integers(0, 4, n).astype(np.int8),
        first_post_wait_h=np.where(rng.random(n) < 0.5, np.nan, rng.exponential(1, n)),
        first_post_gave_up_h=np.full(n, np.nan),
    )
    for name in ("needs_exception", "claim_weak", "granted", "owner_assigned"):
        cols[name] = rng.random(n) < 0.4
    for name in ("cs_refused_before_ceo", "cs_unanswered_before_ceo"):
        cols[name] = rng.random(n) < 0.4
    return cols


def test_one_declaration_serves_the_exact_and_the_streamed_summary() -> None:
    """Every reduction summed over blocks equals it over the whole: the streamed summary
    (records off) and the exact one agree on every total."""
    cols = _cols(3000, 1)
    whole = reductions.column_sums(cols)
    parts = [{k: v[i : i + 700] for k, v in cols.items()} for i in range(0, 3000, 700)]
    blocks = [reductions.column_sums(p) for p in parts]
    for name, total in whole.items():
        assert sum(b[name] for b in blocks) == pytest.approx(total, rel=1e-12, abs=1e-9), name
    assert whole["first_calls"] == np.count_nonzero(~np.isnan(cols["first_call_wait_h"]))
    assert whole["claims"] == np.count_nonzero(cols["needs_exception"])


def test_a_registered_reduction_reaches_both_summaries(monkeypatch) -> None:
    monkeypatch.setattr(reductions, "_REGISTERED", {})
    mine = reductions.register(
        reductions.Reduction(
            "long_contacts",
            lambda c: float(np.count_nonzero(c["contacts"] > 2)),
            "complaints with more than two contacts",
            ("contacts",),
        )
    )
    with pytest.raises(ValueError, match="'long_contacts' is already declared"):
        reductions.register(mine)
    with pytest.raises(ValueError, match="'posts' is already declared"):
        reductions.register(reductions.summed("posts"))
    cols = _cols(500, 2)
    cols.update(
        time_to_resolution_h=np.ones(500),
        duration_h=np.ones(500),
        followers=np.ones(500, dtype=np.int64),
    )
    exact = ComplaintStats.exact(cols)
    stream = StreamingStats(PopulationConfig())
    stream.add(cols)
    want = float(np.count_nonzero(cols["contacts"] > 2))
    assert exact.sums["long_contacts"] == stream.result().sums["long_contacts"] == want
    # no complaints at all: the empty summary has it too, at 0
    assert StreamingStats(PopulationConfig()).result().sums["long_contacts"] == 0.0


def test_register_refuses_a_duplicate_kpi_and_leaves_the_registry_as_it_was(monkeypatch):
    monkeypatch.setattr(kpis, "REGISTRY", list(kpis.REGISTRY))
    before = list(kpis.REGISTRY)
    with pytest.raises(ValueError, match=r"declared twice .*\['churn_rate'\]"):
        kpis.register(kpis.Kpi("churn_rate", kpis.PerComplaint("churned"), "again"))
    assert before == kpis.REGISTRY


def test_directions_come_from_the_declarations() -> None:
    names = kpis.by_name()
    assert {k.direction for k in names.values()} <= {"lower", "higher", "closer", "none"}
    for kpi in ("resolution_rate", "meets_targets", "jain_ttr", "service_level_20s"):
        assert not lower_is_better(kpi) and kpi in rankable()
    for kpi in ("cost_per_complaint", "churn_rate", "ttr_p90_h_all"):
        assert lower_is_better(kpi)
    assert "unstable_queues" not in rankable()


def test_every_kpi_is_documented_in_its_theme() -> None:
    from escalationsim.app.metrics_doc import theme_rows

    documented = set()
    for theme in kpis.THEMES:
        for row in theme_rows(theme.THEME.name):
            documented.update(row.names)
    for k in kpis.kpis():
        assert k.theme, k.name
        patterns = [re.sub(r"<[^>]+>", ".+", n) for n in documented]
        assert any(re.fullmatch(p, k.name) for p in patterns), k.name


def test_a_gap_or_a_ratio_between_groups_is_best_closest_to_equal():
    """follower_resolution_gap is best at 0 and follower_ttr_ratio at 1: the ranking, the
    robustness study's "fairest" and the optimiser use the declared target, not "lower"
    (a gap of -30 points, the rest favoured, is not fairer than one of +1)."""
    import pandas as pd

    from escalationsim import ConfigError
    from escalationsim.analysis import robustness as rb
    from escalationsim.analysis.ranking import best_policy
    from escalationsim.experiment.optimize import Lever, OptimizeConfig
    from escalationsim.experiment.optimize import validate as validate_opt

    gaps = {"a": [0.20, 0.22, 0.19], "b": [0.01, -0.02, 0.0], "c": [-0.30, -0.28, -0.31]}
    kpis_ = pd.DataFrame(
        [
            {"policy": p, "replication": r, "follower_resolution_gap": g}
            for p, gs in gaps.items()
            for r, g in enumerate(gs)
        ]
    )
    assert best_policy(kpis_, "follower_resolution_gap").best == "b"
    assert best_policy(kpis_, "follower_resolution_gap", lower_is_better=True).best == "c"
    means = pd.DataFrame(
        [
            {"scenario": s, "policy": p, "n": 1, "cost_per_complaint": c, "follower_ttr_ratio": r}
            for s in range(4)
            for p, c, r in (("a", 10.0, 0.4), ("b", 11.0, 1.05), ("c", 12.0, 2.0))
        ]
    )
    rank = rb.ranking(means, "cost_per_complaint", ["follower_ttr_ratio"]).set_index("policy")
    assert rank.loc["b", "best_follower_ttr_ratio_share"] == 1.0  # closest to 1, not lowest
    lever = Lever(keys=["scenario.staff.managers.count"], low=1, high=3, kind="int")
    opt = OptimizeConfig(objective="follower_resolution_gap", levers={"managers": lever})
    with pytest.raises(ConfigError, match="better the closer it is to 0"):
        validate_opt(opt, ["empowered_rep"])


def test_groups_and_daily_columns_are_the_declared_ones_in_order_within_bounds(all_presets):
    """groups.csv and daily.csv are made from their declarations
    (analysis.outcomes.groups, .daily): the same columns, in the declared order, each
    value inside its declared range."""
    import math

    from escalationsim.analysis.fairness import outcomes_by_group
    from escalationsim.analysis.outcomes.daily import DAILY, measure
    from escalationsim.analysis.outcomes.groups import GROUP_MEASURES

    groups = outcomes_by_group(all_presets.complaints)
    assert list(groups.columns) == [
        "policy",
        "replication",
        "grouping",
        "group",
        *GROUP_MEASURES,
    ]
    daily = all_presets.daily
    queues = [c for c in daily.columns if c.startswith("queue_")]
    assert queues and list(daily.columns) == [
        "policy",
        "replication",
        "day",
        *(m.name for m in DAILY),
        *queues,
    ]
    for frame, declared in ((groups, GROUP_MEASURES.get), (daily, measure)):
        for col in frame.columns[3:]:
            m = declared(col)
            if m is None:
                continue
            lo, hi = m.bounds
            values = [v for v in frame[col] if isinstance(v, float | int) and math.isfinite(v)]
            assert all(lo <= v <= hi for v in values), col
