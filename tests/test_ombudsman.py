"""The cost of saying no: refused claims taken to an ombudsman (scenario.ombudsman,
analysis.complaints.ombudsman_cases, analysis.costs.ombudsman_costs): the referral and
uphold rates on complaints of the tests' own, the costs, the KPIs, and that a script
refusing owed claims meets the ombudsman far more often than empowered reps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from escalationsim import simulate
from escalationsim.analysis.complaints import ombudsman_cases
from escalationsim.analysis.costs import ombudsman_costs
from escalationsim.config.scenario import OmbudsmanConfig, ScenarioConfig
from escalationsim.kernel.codes import Status
from tests.conftest import small_config

N = 200_000


def _cols(weak: bool = False, value: float = 1.0, persistence: float = 1.0, **over) -> dict:
    """``N`` refused claims (never granted, given up) at ``value`` and ``persistence``
    times the population's median claim and mean persistence."""
    sc = ScenarioConfig()
    rng = np.random.default_rng(11)
    cols = {
        "status": np.full(N, int(Status.gave_up), dtype=np.int8),
        "needs_exception": np.ones(N, dtype=bool),
        "granted": np.zeros(N, dtype=bool),
        "claim_weak": np.full(N, weak),
        "exception_value": np.full(N, value * sc.population.exception_value_median_usd),
        "persistence": np.full(N, persistence * sc.population.persistence_mean),
        "u_ombudsman": rng.random(N),
        "hours_ceo": np.zeros(N),
    }
    cols.update(over)
    return cols


def _near(share: float, p: float) -> bool:
    return abs(share - p) < 4 * np.sqrt(p * (1 - p) / N) + 1e-12


@pytest.mark.parametrize(
    ("weak", "value", "persistence", "refer", "uphold"),
    [
        (False, 1.0, 1.0, 0.1, 0.9),  # an owed claim of the median value
        (True, 1.0, 1.0, 0.03, 0.1),  # a weak one
        (False, 4.0, 1.0, 0.2, 0.9),  # four times the value: sqrt(4) times as likely
        (False, 1.0, 0.5, 0.05, 0.9),  # half as persistent: half as likely
    ],
)
def test_referral_and_uphold_rates_are_the_configured_ones(weak, value, persistence, refer, uphold):
    cols = _cols(weak, value, persistence)
    case, upheld = ombudsman_cases(cols, ScenarioConfig())
    assert _near(case.mean(), refer), case.mean()
    assert abs(upheld.sum() / case.sum() - uphold) < 4 * np.sqrt(uphold * (1 - uphold) / case.sum())


def test_only_refused_claims_whose_customer_gave_up_go_and_off_is_none():
    sc = ScenarioConfig()
    for over in (
        {"granted": np.ones(N, dtype=bool)},
        {"needs_exception": np.zeros(N, dtype=bool)},
        {"status": np.full(N, int(Status.resolved), dtype=np.int8)},
        {"status": np.full(N, int(Status.open), dtype=np.int8)},  # may yet be granted
    ):
        assert not ombudsman_cases(_cols(**over), sc)[0].any()
    off = replace(sc, ombudsman=OmbudsmanConfig(enabled=False))
    assert not ombudsman_cases(_cols(), off)[0].any()
    assert not ombudsman_costs(_cols(), off).any()


def test_a_case_costs_its_fee_and_the_offices_hours_and_an_upheld_one_the_claim_too():
    sc = ScenarioConfig()
    om = sc.ombudsman
    cols = _cols()
    cols["ombudsman_case"], cols["ombudsman_upheld"] = ombudsman_cases(cols, sc)
    cost = ombudsman_costs(cols, sc)
    per_case = om.case_fee_usd + om.staff_hours * sc.staff.exec_office.hourly_cost_usd
    value = cols["exception_value"][0]
    kinds = {
        (False, False): 0.0,
        (True, False): per_case,
        (True, True): per_case + value + om.award_usd,
    }
    for (case, upheld), want in kinds.items():
        sel = (cols["ombudsman_case"] == case) & (cols["ombudsman_upheld"] == upheld)
        assert sel.any() and np.allclose(cost[sel], want)


@pytest.fixture(scope="module")
def compared():
    cfg = small_config("run.replications=3", policies=["rigid_script", "empowered_rep"])
    return cfg, simulate(cfg)


def test_a_script_that_refuses_owed_claims_meets_the_ombudsman_far_more_often(compared):
    """Empowered reps grant most owed claims: in every replication the script's refused
    customers take several times as many cases to the ombudsman; the KPIs are the
    complaint table's cases and costs over its complaints."""
    _, res = compared
    k = res.kpis.pivot(index="replication", columns="policy", values="ombudsman_cases_rate")
    assert (k["rigid_script"] > 3 * k["empowered_rep"]).all(), k
    assert (k["empowered_rep"] > 0).all()
    c = res.complaints
    for (policy, rep), part in c.groupby(["policy", "replication"]):
        row = res.kpis[(res.kpis["policy"] == policy) & (res.kpis["replication"] == rep)]
        window = part[part["arrival_time"] >= 0]  # the table holds the window's complaints
        assert row["ombudsman_cases_rate"].iloc[0] == pytest.approx(window["ombudsman_case"].mean())
        assert row["ombudsman_cost_per_complaint"].iloc[0] == pytest.approx(
            window["cost_ombudsman"].mean()
        )
    assert (c.loc[c["ombudsman_case"], "granted"] == False).all()  # noqa: E712


def test_the_case_fee_only_prices(compared):
    """A fee twice as high changes no column but the costs, and the ombudsman's cost by
    the cases times the difference."""
    cfg, res = compared
    dear = replace(
        cfg,
        scenario=replace(
            cfg.scenario, ombudsman=replace(cfg.scenario.ombudsman, case_fee_usd=1640.0)
        ),
    )
    again = simulate(dear)
    costs = [c for c in res.complaints.columns if c.startswith("cost_")]
    pd.testing.assert_frame_equal(
        res.complaints.drop(columns=costs), again.complaints.drop(columns=costs)
    )
    extra = again.complaints["cost_ombudsman"] - res.complaints["cost_ombudsman"]
    assert np.allclose(extra, 820.0 * res.complaints["ombudsman_case"])
