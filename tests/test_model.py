"""Identities that every run satisfies, whatever the policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalationsim import simulate
from escalationsim.analysis.costs import cost_columns
from escalationsim.app.plots import cost_parts
from escalationsim.engine.model import Model
from escalationsim.engine.population import draw_population
from escalationsim.kernel.rng import streams
from escalationsim.policy import build_policy
from tests.conftest import NO_TRIAGE, PRESETS, small_config


def test_every_preset_runs(all_presets):
    assert list(all_presets.kpis["policy"]) == PRESETS
    assert (all_presets.kpis["complaints"] > 1000).all()


def test_each_complaint_accounted_for_exactly_once(all_presets):
    df = all_presets.complaints
    cfg = small_config()
    rngs = streams(cfg.run.seed, 0)
    pop = draw_population(
        cfg.scenario, cfg.run.horizon_days * 24, rngs["arrivals"], rngs["population"]
    )
    in_window = np.flatnonzero(pop.arrival_h >= cfg.run.warmup_days * 24)
    for policy, g in df.groupby("policy", observed=True):
        # root-cause fixing is off in the presets: every candidate arrival in the window
        # that its customer made (engine.customer_base) is a row
        assert set(g["complaint_id"]) <= set(in_window.tolist()), policy
        assert len(g) > 0.5 * len(in_window), policy
        assert g["complaint_id"].is_unique, policy
        counts = g["status"].value_counts()
        assert counts.sum() == len(g) == counts["resolved"] + counts["gave_up"] + counts["open"]
        assert g["resolved"].sum() == counts["resolved"]
        # resolved iff a resolver and a time to resolution are recorded
        assert ((g["resolved_by"] != "none") == g["resolved"]).all()
        assert (g["time_to_resolution_h"].notna() == g["resolved"]).all()


def test_population_identity_arrivals_equal_complaints_plus_prevented():
    """Every would-be customer in the window either complained or was prevented by a fix."""
    cfg = small_config(
        "policies.omnichannel.root_cause.enabled=true",
        "policies.omnichannel.root_cause.detect_after=20",
        "policies.omnichannel.root_cause.lead_days=1",
        policies=["omnichannel"],
    )
    rngs = streams(cfg.run.seed, 0)
    h, w = cfg.run.horizon_days * 24, cfg.run.warmup_days * 24
    pop = draw_population(cfg.scenario, h, rngs["arrivals"], rngs["population"])
    policy = build_policy(cfg.policies["omnichannel"], cfg.scenario)
    res = Model(cfg.scenario, policy, pop, rngs, h, w).run()
    in_window = int((pop.arrival_h >= w).sum())
    assert res.log.prevented > 0
    assert res.log.not_made > 0  # candidates whose customer did not complain (customer_base)
    assert len(res.log) + res.log.prevented + res.log.not_made == in_window


def test_a_customer_table_reaching_past_the_end_is_cut_there():
    """A table longer than the run (the model is handed any table): customers arriving
    until the run ends complain, later ones never do, and every complaint's row has its
    own customer's fields, including those of the block the run ended in."""
    cfg = small_config()
    rngs = streams(cfg.run.seed, 0)
    h, drain = 24.0, 6.0
    pop = draw_population(cfg.scenario, 3 * h, rngs["arrivals"], rngs["population"])
    policy = build_policy(cfg.policies["rigid_script"], cfg.scenario)
    res = Model(cfg.scenario, policy, pop, rngs, h, 0.0, drain_h=drain).run()
    ids = res.log.columns["complaint_id"]
    assert len(ids) > 0
    arrived = int((pop.arrival_h < h + drain).sum())
    assert len(res.log) + res.log.prevented + res.log.not_made == arrived
    np.testing.assert_array_equal(res.log.columns["arrival_time"], pop.arrival_h[ids])
    np.testing.assert_array_equal(res.log.columns["cause"], pop.cause[ids])


def test_no_negative_times_or_costs(all_presets):
    df = all_presets.complaints
    # incremental churn nets out the baseline attrition: negative for a customer who stays
    signed = {"cost_churn", "cost_churn_incremental", "cost_total", "cost_staff_idle"}
    nonneg = [c for c in df.columns if c.startswith(("hours_", "cost_")) and c not in signed] + [
        "compensation",
        "impressions",
        "penalty",
        "time_to_resolution_h",
        "arrival_time",
    ]
    for col in nonneg:
        assert (df[col].dropna() >= 0).all(), col
    k = all_presets.kpis
    for col in [c for c in k.columns if c.startswith(("cost_", "util_")) and c not in signed]:
        assert (k[col].dropna() >= 0).all(), col  # NaN: a pool with no work is not staffed
    assert (k["cost_total"] >= 0).all()  # a run's total stays positive
    assert (k["util_ceo"] <= 1 + 1e-9).all()


def test_time_to_resolution_covers_handling(all_presets):
    """A resolved complaint took at least as long as the staff time spent serving it
    (audits happen afterwards and are excluded)."""
    df = all_presets.complaints
    res = df[df["resolved"]]
    handling = res[
        ["hours_reps", "hours_social", "hours_managers", "hours_exec_office", "hours_ceo"]
    ]
    slack = res["time_to_resolution_h"] - handling.sum(axis=1)
    assert (slack >= -1e-9).all()


def test_contacts_and_channels_consistent(all_presets):
    df = all_presets.complaints
    assert (df["contacts"] >= 1).all()
    assert (df["abandoned_calls"] <= df["calls"]).all()
    assert (df["posts_answered"] <= df["posts"]).all()
    assert (df.loc[df["escalated_social"], "reached_social"]).all()
    assert (df.loc[df["escalated_ceo"], "reached_ceo"]).all()
    # nobody escalates to a channel they started on
    assert not (df["escalated_ceo"] & (df["first_channel"] == "ceo")).any()
    # a customer only reaches the CEO by knowing how or by word of mouth
    assert (df.loc[df["escalated_social"], "contacts"] >= 2).all()


def test_costs_add_up(all_presets):
    k = all_presets.kpis
    parts = [
        "cost_staff",
        "cost_ceo",
        "cost_compensation",
        "cost_churn",
        "cost_publicity",
        "cost_penalty",
        "cost_ombudsman",
        "cost_fix",
    ]
    np.testing.assert_allclose(k[parts].sum(axis=1), k["cost_total"], rtol=1e-12)
    np.testing.assert_allclose(k["cost_total"] / k["complaints"], k["cost_per_complaint"])
    roles = [name for name, _ in cost_parts() if name.startswith("cost_staff_")]
    roles.append("shrinkage_cost")
    np.testing.assert_allclose(k[roles].sum(axis=1), k["cost_staff"], rtol=1e-12)


def test_compensation_only_for_granted_exceptions(all_presets):
    df = all_presets.complaints
    paid = df["compensation"] > 0
    assert (df.loc[paid, "needs_exception"]).all()
    # resolved, or promised with back-office work still under way at the end
    assert (df.loc[paid, "resolved"] | (df.loc[paid, "status"] == "open")).all()
    assert (df.loc[paid & ~df.resolved, "backoffice"]).all()
    np.testing.assert_allclose(df.loc[paid, "compensation"], df.loc[paid, "exception_value"])
    script = df[df["policy"] == "rigid_script"]
    assert not (script["resolved_by"] == "rep").where(script["needs_exception"], False).any()


def test_ceo_never_exceeds_weekly_hours():
    """Overloaded CEO: the hours booked to complaints are the hours the CEO worked, which
    fill, and never exceed, the scheduled complaint hours."""
    cfg = small_config(
        "run.horizon_days=21",
        "run.warmup_days=0",
        "run.drain_days=0",
        "scenario.volume_per_day=2000",
        *NO_TRIAGE,
        policies=["ceo_responds"],
    )
    res = simulate(cfg)
    k = res.kpis.iloc[0]
    ceo = cfg.scenario.staff.ceo
    scheduled = 3 * ceo.hours_per_week  # three whole weeks from Monday 00:00
    worked = res.complaints["hours_ceo"].sum()
    assert 0.9 * scheduled < worked <= scheduled + 1e-9  # idle only until the first letters
    assert k["util_ceo"] == pytest.approx(worked / scheduled)
    assert k["cost_ceo"] == pytest.approx(worked * ceo.hourly_cost_usd)
    assert k["ceo_hours_owed"] > 10 * ceo.hours_per_week  # the backlog left unworked
    assert k["ceo_backlog_end"] > 100


def test_cost_columns_match_rates():
    cfg = small_config("scenario=first_version", policies=["rigid_script"])
    df = pd.DataFrame(
        {
            "hours_reps": [1.0],
            "hours_social": [0.0],
            "hours_managers": [0.5],
            "hours_exec_office": [0.0],
            "hours_ceo": [0.1],
            "hours_audit": [0.25],
            "hours_backoffice": [0.0],
            "impressions": [1000.0],
            "churned": [True],
            "clv": [300.0],
            "compensation": [20.0],
            "penalty": [0.0],
        }
    )
    out = cost_columns({k: df[k].to_numpy() for k in df}, cfg.scenario)
    st = cfg.scenario.staff
    staff = 1.0 * st.reps.hourly_cost_usd + 0.75 * st.managers.hourly_cost_usd
    assert out["cost_staff"][0] == pytest.approx(staff)
    assert out["cost_ceo"][0] == pytest.approx(0.1 * st.ceo.hourly_cost_usd)
    pub = 1000 * cfg.scenario.costs.cost_per_impression_usd
    assert out["cost_total"][0] == pytest.approx(staff + 500 + 20 + 300 + pub)


def test_customer_draws_take_the_private_row_in_order_then_the_overflow_stream():
    """uniform/expo/normal and the inlined draws of ``handle`` read the customer's own row
    column by column, then the shared overflow stream once the row is used up."""
    import math

    from escalationsim.engine.customer import Customer
    from escalationsim.kernel.rng import N_NORMAL, N_UNIFORM, ROW, BlockDraws

    cfg = small_config()
    rngs = streams(3, 0)
    pop = draw_population(cfg.scenario, 24.0, rngs["arrivals"], rngs["population"])
    model = Model(
        cfg.scenario, build_policy(cfg.policies["rigid_script"], cfg.scenario), pop, rngs, 24.0, 0.0
    )
    m = model.ctx.draws
    block = np.random.default_rng(1).random((2, ROW))
    c = Customer(
        0,
        0.0,
        1,
        0,
        False,
        False,
        0.5,
        1.0,
        False,
        0.0,
        1.0,
        0.5,
        0,
        0.5,
        0.5,
        0.5,
        block,
        1,
    )
    overflow = streams(3, 0)["overflow"]  # the same stream as m's, untouched
    want_u = BlockDraws(overflow, "uniform")

    s = m.samplers["phone"]  # lognormal handling time: takes a normal
    assert s.lognormal
    assert m.handle("phone", c) == math.exp(s.mu + s.sigma * block[1, N_UNIFORM])
    assert m.normal(c) == block[1, N_UNIFORM + 1]
    assert m.uniform(c) == block[1, 0]
    assert m.expo(c) == -math.log1p(-block[1, 1])
    m.own_row(c)  # a copy of the row (a letter to the CEO): the draws go on unchanged
    assert c.draws.shape == (1, ROW) and not np.shares_memory(c.draws, block)
    for k in range(2, N_UNIFORM):
        assert m.uniform(c) == block[1, k]
    assert m.uniform(c) == want_u()  # the row's uniforms are used up
    for k in range(2, N_NORMAL):
        assert m.normal(c) == block[1, N_UNIFORM + k]
    want_z = BlockDraws(overflow, "normal")  # refilled after the uniforms, as in m
    assert m.handle("phone", c) == math.exp(s.mu + s.sigma * want_z())  # row's normals used up
    m.samplers["phone"].exponential, m.samplers["phone"].lognormal = True, False
    assert m.handle("phone", c) == s.mean_h * -math.log1p(-want_u())
