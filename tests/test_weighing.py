"""Customers who weigh their claim (engine/weighing.py): the odds of trying again scale
with the claim's value and fall for a claim not owed; tiered authority then screens weak
claims through the customers' own choices (Dukes & Zhu 2019). Seeded and decisive."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from escalationsim import compose, simulate
from escalationsim.engine.weighing import Weighing


def _c(p: float, value: float, weak: bool = False, claim: bool = True) -> SimpleNamespace:
    return SimpleNamespace(
        persistence=p, needs_exception=claim, exception_value=value, claim_weak=weak
    )


def test_the_odds_scale_with_the_claims_value_and_fall_for_a_weak_claim() -> None:
    w = Weighing(0.5, 0.5, 80.0)
    odds = lambda p: p / (1 - p)  # noqa: E731
    assert w.persistence(_c(0.6, 80.0)) == pytest.approx(0.6)  # the median claim: as is
    assert odds(w.persistence(_c(0.6, 320.0))) == pytest.approx(odds(0.6) * 2.0)
    assert odds(w.persistence(_c(0.6, 20.0))) == pytest.approx(odds(0.6) * 0.5)
    assert odds(w.persistence(_c(0.6, 80.0, weak=True))) == pytest.approx(odds(0.6) * 0.5)
    assert w.persistence(_c(0.6, 1e9)) < 1.0  # odds keep it a probability
    # routine complaints, and customers who always or never persist, are left alone
    assert w.persistence(_c(0.6, 1000.0, claim=False)) == 0.6
    assert w.persistence(_c(1.0, 1.0, weak=True)) == 1.0
    assert w.persistence(_c(0.0, 1000.0)) == 0.0
    # no elasticity and even odds: the customer's own persistence
    assert Weighing(0.0, 1.0, 80.0).persistence(_c(0.37, 999.0, weak=True)) == 0.37
    assert math.isclose(Weighing(1.0, 1.0, 80.0).persistence(_c(0.5, 160.0)), 2 / 3)


def _redress(on: bool) -> pd.DataFrame:
    """Redress rates of weak and owed claims under the script and empowered reps, with the
    CEO's office screening no better than chance (override_weak_factor 1), so that any
    screening of weak claims comes from the customers."""
    cfg = compose(
        [
            "run.policies=[rigid_script,empowered_rep]",
            "run.replications=2",
            "run.horizon_days=40",
            "run.workers=1",
            "run.seed=5",
            "run.records=false",
            "scenario.claims.override_weak_factor=1.0",
            f"scenario.weighing.enabled={str(on).lower()}",
        ]
    )
    k = simulate(cfg).kpis.groupby("policy")
    k = k[["weak_claims_granted_rate", "legit_claims_refused_rate"]].mean()
    return pd.DataFrame(
        {"weak": k["weak_claims_granted_rate"], "owed": 1 - k["legit_claims_refused_rate"]}
    )


def test_with_claims_weighed_the_script_screens_weak_claims_through_hassle() -> None:
    """The script refuses every exception at the first contact: redress comes only to
    those who push on (social media, the CEO). Customers weighing their claim push on
    less when it is weak, so the script's weak-claim redress falls several times more
    than its owed redress; empowered reps, who decide at the first contact, barely move
    (measured: weak -23%, owed -2% under the script; -7% and 0% with empowered reps)."""
    on, off = _redress(True), _redress(False)
    fall = 1 - on / off
    script, empowered = fall.loc["rigid_script"], fall.loc["empowered_rep"]
    assert script["weak"] > 0.15 and script["owed"] < 0.06
    assert script["weak"] > 3 * max(script["owed"], 0.0)
    assert empowered["weak"] < 0.6 * script["weak"]
    assert abs(empowered["owed"]) < 0.02
