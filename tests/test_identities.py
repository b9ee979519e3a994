"""Identities that hold on every valid configuration of the full model (property-based).

Hypothesis draws bounded random scenarios and policies; every run must account for each
complaint exactly once, keep times and costs non-negative, take at least as long to
resolve a complaint as its handling took, and (with exponential patience) satisfy
P(abandon) = theta * E[W] on the phone queue within sampling error. Little's law is
checked on the phone queue with time-average sampling.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalationsim.analysis.complaints import ComplaintTable
from escalationsim.config.queue_only import QueueOnlyScenario, to_scenario
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine.model import Model
from escalationsim.engine.population import draw_population
from escalationsim.experiment.job import RunConfig, SimConfig, validate
from escalationsim.kernel.rng import streams
from escalationsim.policy import (
    EmpoweredRep,
    FcfsSocial,
    InfluenceSocial,
    OfficeCeo,
    PolicyConfig,
    RedirectingCeo,
    RespondingCeo,
    ScriptRep,
    Tickets,
    TopCause,
    WordOfMouth,
    build_policy,
)

ROLES = ["reps", "social", "managers", "exec_office", "ceo"]


@st.composite
def scenarios(draw) -> ScenarioConfig:
    s = ScenarioConfig.first_version()
    p = s.population
    phone = draw(st.floats(0.2, 0.8))
    social = draw(st.floats(0.0, 0.15))
    p = replace(
        p,
        first_channel_phone=phone,
        first_channel_social=social,
        first_channel_email=1.0 - phone - social,
        uses_social_share=draw(st.floats(social, min(1.0, social + 0.6))),
        knows_ceo_share=draw(st.floats(0.0, 0.6)),
        exception_share=draw(st.floats(0.0, 0.7)),
        persistence_mean=draw(st.floats(0.05, 0.95)),
        patience_sigma=draw(st.sampled_from([0.0, 0.5])),
    )
    staff = s.staff
    staff = replace(
        staff,
        reps=replace(staff.reps, count=draw(st.integers(1, 8))),
        social=replace(staff.social, count=draw(st.integers(1, 3))),
        managers=replace(staff.managers, count=draw(st.integers(1, 3))),
        exec_office=replace(staff.exec_office, count=draw(st.integers(1, 2))),
        ceo=replace(staff.ceo, hours_per_week=draw(st.floats(0.5, 15.0))),
    )
    behaviour = replace(
        s.behaviour,
        routine_fix_prob=draw(st.floats(0.3, 1.0)),
        max_retries=draw(st.integers(0, 2)),
    )
    return replace(
        s,
        volume_per_day=draw(st.floats(30.0, 600.0)),
        population=p,
        staff=staff,
        behaviour=behaviour,
    )


@st.composite
def policies(draw) -> PolicyConfig:
    return PolicyConfig(
        name="random",
        rep=draw(
            st.sampled_from(
                [
                    ScriptRep(),
                    EmpoweredRep(
                        budget_usd=draw(st.floats(0.0, 500.0)),
                        audit_fraction=draw(st.floats(0.0, 1.0)),
                    ),
                ]
            )
        ),
        social=draw(
            st.sampled_from(
                [
                    InfluenceSocial(grants_exceptions=draw(st.booleans())),
                    FcfsSocial(
                        answer_prob=draw(st.floats(0.0, 1.0)),
                        grants_exceptions=draw(st.booleans()),
                    ),
                ]
            )
        ),
        ceo=draw(
            st.sampled_from(
                [
                    OfficeCeo(
                        override_prob=draw(st.floats(0.0, 1.0)),
                        visibility=draw(st.floats(0.0, 1.0)),
                    ),
                    RespondingCeo(
                        override_prob=draw(st.floats(0.0, 1.0)),
                        visibility=draw(st.floats(0.0, 1.0)),
                    ),
                    RedirectingCeo(visibility=draw(st.floats(0.0, 1.0))),
                ]
            )
        ),
        floodgates=WordOfMouth(strength=draw(st.floats(0.0, 0.5))),
        tracking=Tickets(all_channels=draw(st.booleans())),
        root_cause=TopCause(
            enabled=draw(st.booleans()), detect_after=draw(st.integers(1, 50)), lead_days=0.5
        ),
    )


def _run(scenario, policy, seed: int, days: float = 4.0, warmup: float = 0.5):
    cfg = SimConfig(
        scenario=scenario,
        policies={"random": policy},
        run=RunConfig(policies=["random"], horizon_days=days, warmup_days=warmup),
    )
    validate(cfg)
    rngs = streams(seed, 0)
    h, w = days * 24, warmup * 24
    pop = draw_population(scenario, h, rngs["arrivals"], rngs["population"])
    model = Model(scenario, build_policy(policy, scenario), pop, rngs, h, w)
    result = model.run()
    table = ComplaintTable(result.log.columns, scenario, result.untracked, result.end_h)
    return pop, result, table.frame()


@settings(max_examples=25, deadline=None)
@given(scenario=scenarios(), policy=policies(), seed=st.integers(0, 2**32 - 1))
def test_identities_on_random_configurations(scenario, policy, seed):
    pop, result, df = _run(scenario, policy, seed)
    w = result.window_h[0]
    # conservation: every would-be customer in the window complained once or was prevented
    assert df["complaint_id"].is_unique
    assert len(df) + result.log.prevented == int((pop.arrival_h >= w).sum())
    counts = df["status"].value_counts()
    assert counts["resolved"] + counts["gave_up"] + counts["open"] == len(df)
    # non-negative times and costs
    for col in [c for c in df.columns if c.startswith(("hours_", "cost_"))]:
        assert (df[col] >= 0).all(), col
    assert (df["time_to_resolution_h"].dropna() >= 0).all()
    assert (df["impressions"] >= 0).all() and (df["compensation"] >= 0).all()
    # time to resolution covers the handling the customer waited for
    res = df[df["resolved"]]
    handled = res[[f"hours_{r}" for r in ROLES]].sum(axis=1)
    assert (res["time_to_resolution_h"] >= handled - 1e-9).all()
    # staff cannot be busier than they are
    for role, u in result.utilisation.items():
        assert -1e-9 <= u <= 1 + 1e-9 or math.isnan(u), role


@settings(max_examples=6, deadline=None)
@given(
    servers=st.integers(1, 6),
    load=st.floats(0.5, 2.0),
    patience=st.floats(0.5, 5.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_abandonment_equals_theta_times_mean_wait(servers, load, patience, seed):
    """Exponential patience with rate theta: P(abandon) = theta * E[W] for any queue."""
    service = 3.0
    q = QueueOnlyScenario(
        arrivals_per_hour=load * servers * 60 / service,
        servers=servers,
        service_minutes=service,
        patience_minutes=patience,
    )
    _, _, df = _run(to_scenario(q), PolicyConfig(), seed, days=3.0, warmup=0.25)
    wait = df["first_call_wait_h"].dropna().to_numpy()
    ab = df.loc[df["first_call_wait_h"].notna(), "first_call_abandoned"].to_numpy()
    theta = 60.0 / patience
    p_ab, lhs = ab.mean(), theta * wait.mean()
    # abandonment indicators and waits are positively correlated; a generous 5-sigma band
    se = math.sqrt(np.var(ab - theta * wait) / len(wait))
    assert abs(p_ab - lhs) < 5 * se + 1e-3, (p_ab, lhs, se)


@pytest.mark.parametrize(("dist", "cv"), [("exponential", 1.0), ("lognormal", 0.5)])
def test_a_caller_never_answered_waits_exactly_their_patience(dist, cv):
    """One server busy for ever: every measured caller hangs up after their own patience,
    so the waits are a sample of the patience distribution (mean 2 minutes, the given cv:
    an exponential patience in place of the lognormal would show cv 1)."""
    q = QueueOnlyScenario(
        arrivals_per_hour=60,
        servers=1,
        service_dist="constant",
        service_minutes=1e5,
        patience_minutes=2.0,
        patience_dist=dist,
        patience_cv=cv,
    )
    scenario = to_scenario(q)
    rngs = streams(5, 0)
    h, w = 2 * 24.0, 0.5
    pop = draw_population(scenario, h, rngs["arrivals"], rngs["population"])
    model = Model(scenario, build_policy(PolicyConfig(), scenario), pop, rngs, h, w, drain_h=1.0)
    result = model.run()
    df = ComplaintTable(result.log.columns, scenario, result.untracked, result.end_h).frame()
    assert df["first_call_abandoned"].all()
    wait_min = df["first_call_wait_h"].to_numpy() * 60.0
    n = len(wait_min)
    assert n > 2500
    assert abs(wait_min.mean() - 2.0) < 4 * 2.0 * cv / math.sqrt(n)
    assert wait_min.std(ddof=1) / wait_min.mean() == pytest.approx(cv, abs=0.06)


@pytest.mark.parametrize(
    ("dist", "cv", "want_cv"),
    [("exponential", 0.3, 1.0), ("lognormal", 0.5, 0.5), ("constant", 2.0, 0.0)],
)
def test_queue_only_service_times_have_the_configured_mean_and_cv(dist, cv, want_cv):
    """Each caller's one call takes a rep for its service time: mean 3 minutes, cv as
    configured (exponential and constant ignore ``service_cv``)."""
    q = QueueOnlyScenario(
        arrivals_per_hour=60, servers=50, service_minutes=3.0, service_dist=dist, service_cv=cv
    )
    _, _, df = _run(to_scenario(q), PolicyConfig(), seed=9, days=2.0, warmup=0.25)
    minutes = df["hours_reps"].to_numpy() * 60.0
    n = len(minutes)
    assert n > 2300
    assert abs(minutes.mean() - 3.0) < 4 * 3.0 * want_cv / math.sqrt(n) + 1e-9
    assert minutes.std(ddof=1) / minutes.mean() == pytest.approx(want_cv, abs=0.06)


def test_littles_law_on_the_phone_queue():
    """Time-average queue length equals arrival rate x mean time in queue."""
    q = QueueOnlyScenario(arrivals_per_hour=600, servers=25, service_minutes=3, patience_minutes=2)
    scenario = to_scenario(q)
    rngs = streams(11, 0)
    h, w = 5 * 24.0, 12.0
    pop = draw_population(scenario, h, rngs["arrivals"], rngs["population"])
    model = Model(scenario, build_policy(PolicyConfig(), scenario), pop, rngs, h, w)
    samples: list[int] = []

    def sampler():
        yield model.env.timeout(w)
        while True:
            samples.append(model.staff["reps"].queue_length)
            yield model.env.timeout(0.002)

    model.env.process(sampler())
    result = model.run()
    df = ComplaintTable(result.log.columns, scenario, result.untracked, result.end_h).frame()
    arrivals_per_h = len(df) / (h - w)
    wait = df["first_call_wait_h"].fillna(0.0).mean()
    L = float(np.mean(samples))
    assert L > 1  # a queue worth measuring
    assert abs(L - arrivals_per_h * wait) < 0.05 * L, (L, arrivals_per_h * wait)
