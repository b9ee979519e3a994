"""Tests for escalationsim.engine.churn (TARP repurchase probabilities)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from escalationsim.config.scenario import ChurnConfig
from escalationsim.engine.churn import repurchase_prob

# TARP figures, written out here rather than read from the code under test.
MINOR_QUICK, MINOR_FIXED, MINOR_UNFIXED = 0.95, 0.70, 0.46
MAJOR_QUICK, MAJOR_FIXED, MAJOR_UNFIXED = 0.82, 0.54, 0.19


@pytest.fixture
def churn() -> ChurnConfig:
    return ChurnConfig()


def test_defaults_are_the_tarp_figures(churn: ChurnConfig) -> None:
    assert churn.quick_resolution_h == 24.0
    assert (churn.minor_quick, churn.minor_fixed, churn.minor_unfixed) == (
        MINOR_QUICK,
        MINOR_FIXED,
        MINOR_UNFIXED,
    )
    assert (churn.major_quick, churn.major_fixed, churn.major_unfixed) == (
        MAJOR_QUICK,
        MAJOR_FIXED,
        MAJOR_UNFIXED,
    )


@pytest.mark.parametrize(
    ("major", "resolved", "ttr", "expected"),
    [
        (False, True, 0.5, MINOR_QUICK),
        (False, True, 24.0, MINOR_QUICK),  # boundary: exactly quick_resolution_h is quick
        (False, True, 24.0 + 1e-9, MINOR_FIXED),
        (False, True, 300.0, MINOR_FIXED),
        (False, False, math.nan, MINOR_UNFIXED),
        (False, False, 1.0, MINOR_UNFIXED),  # a short time is irrelevant if not resolved
        (True, True, 0.0, MAJOR_QUICK),
        (True, True, 24.0, MAJOR_QUICK),
        (True, True, 24.000001, MAJOR_FIXED),
        (True, True, 100.0, MAJOR_FIXED),
        (True, False, math.nan, MAJOR_UNFIXED),
        (True, False, 2.0, MAJOR_UNFIXED),
    ],
)
def test_repurchase_prob_cases(
    churn: ChurnConfig, major: bool, resolved: bool, ttr: float, expected: float
) -> None:
    assert repurchase_prob(churn, major, resolved, ttr) == expected


def test_repurchase_prob_follows_the_configured_threshold() -> None:
    churn = dataclasses.replace(ChurnConfig(), quick_resolution_h=2.0)
    assert repurchase_prob(churn, False, True, 2.0) == MINOR_QUICK
    assert repurchase_prob(churn, False, True, 3.0) == MINOR_FIXED
    assert repurchase_prob(churn, True, True, 3.0) == MAJOR_FIXED


def test_repurchase_prob_ordering(churn: ChurnConfig) -> None:
    # Quick beats fixed beats unfixed, and minor problems keep more customers than major.
    for major in (False, True):
        quick = repurchase_prob(churn, major, True, 1.0)
        fixed = repurchase_prob(churn, major, True, 48.0)
        unfixed = repurchase_prob(churn, major, False, math.nan)
        assert quick > fixed > unfixed
    for resolved, ttr in ((True, 1.0), (True, 48.0), (False, math.nan)):
        assert repurchase_prob(churn, False, resolved, ttr) > repurchase_prob(
            churn, True, resolved, ttr
        )


def test_repurchase_probs_match_the_scalar_definition(churn: ChurnConfig) -> None:
    from escalationsim.engine.churn import repurchase_probs

    cases = [
        (major, resolved, ttr)
        for major in (False, True)
        for resolved in (False, True)
        for ttr in (0.0, 1.0, 24.0, 24.0 + 1e-9, 300.0, math.nan)
    ]
    major, resolved, ttr = (np.array(col) for col in zip(*cases, strict=True))
    got = repurchase_probs(churn, major, resolved, ttr)
    want = [repurchase_prob(churn, m, r, t) for m, r, t in cases]
    assert got.tolist() == want


def test_realisation_turns_stated_intentions_into_churn_alike_in_both_code_paths() -> None:
    """Churn probability = realisation x (1 - repurchase), in the engine's scalar path and
    the analysis's vector path alike; at 1, exactly TARP's figures."""
    from escalationsim.engine.churn import churned

    half = dataclasses.replace(ChurnConfig(), realisation=0.5)
    for major in (False, True):
        for resolved, ttr, via_ceo in (
            (True, 1.0, False),
            (True, 100.0, True),
            (False, 0.0, False),
        ):
            p1 = repurchase_prob(ChurnConfig(), major, resolved, ttr, via_ceo)
            p = repurchase_prob(half, major, resolved, ttr, via_ceo)
            assert 1 - p == pytest.approx(0.5 * (1 - p1))
            # the vector path: a customer churns exactly when their uniform is at least p
            u = np.array([p - 1e-9, p, p + 1e-9])
            got = churned(
                half,
                np.full(3, major),
                np.full(3, resolved),
                np.full(3, ttr),
                u,
                np.full(3, via_ceo and resolved),
            )
            assert got.tolist() == [False, True, True]
