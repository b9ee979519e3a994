"""Tests for escalationsim.analysis.analytic (Erlang B/C/A formulas and staffing).

Rates are per hour and times in hours throughout, matching the module under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalationsim.analysis.analytic import (
    AllenCunneen,
    ErlangA,
    ErlangC,
    allen_cunneen,
    erlang_a,
    erlang_b,
    erlang_c,
    staff_for_targets,
)

# Published example: 100 calls per 30 minutes, 3-minute handle time, 20-second target.
LAM = 200.0  # calls per hour
MU = 20.0  # services per hour per agent (3-minute handle time)
T20 = 20.0 / 3600.0  # 20 seconds in hours


# --------------------------------------------------------------------------------------------
# Independent brute-force helpers (dense linear algebra on the truncated chain)
# --------------------------------------------------------------------------------------------


def _brute_stationary(lam: float, mu: float, c: int, theta: float, n_max: int) -> np.ndarray:
    """Stationary law of the truncated M/M/c+M chain by solving pi Q = 0, sum(pi) = 1."""
    n = n_max + 1
    q = np.zeros((n, n))
    for i in range(n):
        if i < n_max:
            q[i, i + 1] = lam
        if i > 0:
            q[i, i - 1] = i * mu if i <= c else c * mu + (i - c) * theta
        q[i, i] = -q[i].sum()
    a = np.vstack([q.T, np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    return pi


def _tagged_chain(c: int, mu: float, theta: float, k_max: int) -> tuple[np.ndarray, int, int]:
    """Generator of a tagged waiting customer: states m = 0..k_max (m ahead), served, abandoned."""
    n = k_max + 3
    served, abandoned = k_max + 1, k_max + 2
    q = np.zeros((n, n))
    for m in range(k_max + 1):
        q[m, m - 1 if m > 0 else served] = c * mu + m * theta
        q[m, abandoned] = theta
        q[m, m] = -q[m].sum()
    return q, served, abandoned


def _uniformised(q: np.ndarray, p0: np.ndarray, t: float) -> np.ndarray:
    """Transient distribution p0 exp(Q t) by uniformisation (Poisson-weighted DTMC powers)."""
    big = float(-np.diag(q).min()) * 1.05
    p = np.eye(q.shape[0]) + q / big
    lt = big * t
    n_terms = int(lt + 12.0 * math.sqrt(lt) + 50)
    weight = math.exp(-lt)
    v = p0.copy()
    out = weight * v
    for j in range(1, n_terms):
        v = v @ p
        weight *= lt / j
        out += weight * v
    return out


def _brute_erlang_a(lam: float, mu: float, c: int, theta: float, n_max: int, t: float) -> dict:
    """All Erlang A metrics via dense linear algebra, independent of the module's formulas."""
    pi = _brute_stationary(lam, mu, c, theta, n_max)
    n = np.arange(n_max + 1)
    lq = float(np.dot(np.maximum(n - c, 0), pi))
    k_max = n_max - c
    q, served, abandoned = _tagged_chain(c, mu, theta, k_max)
    p0 = np.zeros(q.shape[0])
    p0[: k_max + 1] = pi[c:]
    pt = _uniformised(q, p0, t)
    # E[W 1{served}] = sum_ij p0_i N_ij h_j with N = (-Q_TT)^-1 and h_j = P(served | j).
    qtt = q[: k_max + 1, : k_max + 1]
    h = np.linalg.solve(-qtt, q[: k_max + 1, served])
    occ_time = np.linalg.solve(-qtt.T, pi[c:])  # expected time in each waiting state
    p_no_wait = float(pi[:c].sum())
    return {
        "p_wait": float(pi[c:].sum()),
        "p_abandon_little": theta * lq / lam,
        "mean_wait_little": lq / lam,
        "p_abandon_chain": float(np.dot(pi[c:], 1.0 - h)),
        "mean_wait_served": float(np.dot(occ_time, h)) / float(p_no_wait + np.dot(pi[c:], h)),
        "service_level": p_no_wait + float(pt[served]),
        "prob_wait_le": 1.0 - float(pt[: k_max + 1].sum()),
    }


# --------------------------------------------------------------------------------------------
# Erlang B / C
# --------------------------------------------------------------------------------------------


def test_erlang_b_small_values() -> None:
    # B(a, 1) = a / (1 + a); B(2, 2) = (2^2/2) / (1 + 2 + 2) = 0.4.
    assert erlang_b(3.0, 1) == pytest.approx(0.75, abs=1e-15)
    assert erlang_b(2.0, 2) == pytest.approx(0.4, abs=1e-15)


def test_erlang_c_published_14_agents() -> None:
    r = erlang_c(LAM, MU, 14)
    assert isinstance(r, ErlangC)
    assert r.offered_load == pytest.approx(10.0)
    assert round(r.p_wait, 4) == 0.1741
    assert round(r.service_level(T20), 4) == 0.8884
    assert round(r.mean_wait * 3600.0, 2) == 7.84
    assert round(r.occupancy, 4) == 0.7143
    assert r.mean_queue_length == pytest.approx(LAM * r.mean_wait, rel=1e-14)
    assert r.mean_wait_given_wait == pytest.approx(1.0 / (14 * MU - LAM), rel=1e-14)
    assert r.mean_wait == pytest.approx(r.p_wait * r.mean_wait_given_wait, rel=1e-14)


def test_erlang_c_published_11_agents() -> None:
    r = erlang_c(LAM, MU, 11)
    assert round(r.p_wait, 4) == 0.6821
    assert round(r.service_level(T20), 4) == 0.3896


def test_erlang_c_matches_factorial_formula_small_c() -> None:
    a, c = 7.3, 9
    s = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) * c / (c - a)
    assert erlang_c(a * 2.0, 2.0, c).p_wait == pytest.approx(top / (s + top), rel=1e-13)


def test_erlang_c_service_level_limits() -> None:
    r = erlang_c(LAM, MU, 12)
    assert r.service_level(0.0) == pytest.approx(1.0 - r.p_wait, abs=1e-15)
    assert r.service_level(math.inf) == 1.0


def test_erlang_c_large_c_no_overflow() -> None:
    r = erlang_c(190.0 * 20.0, 20.0, 200)
    assert all(math.isfinite(v) for v in (r.p_wait, r.mean_wait, r.service_level(T20)))
    assert 0.0 < r.p_wait < 1.0
    assert r.occupancy == pytest.approx(0.95)


def test_erlang_c_monotone_in_agents() -> None:
    pw = [erlang_c(LAM, MU, c).p_wait for c in range(11, 30)]
    sl = [erlang_c(LAM, MU, c).service_level(T20) for c in range(11, 30)]
    assert all(x > y for x, y in zip(pw, pw[1:], strict=False))
    assert all(x < y for x, y in zip(sl, sl[1:], strict=False))


# --------------------------------------------------------------------------------------------
# Allen-Cunneen
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("c", [1, 11, 14, 60])
def test_allen_cunneen_with_exponential_service_is_erlang_c(c: int) -> None:
    lam = 0.9 * c * MU
    ac, ec = allen_cunneen(lam, MU, c, cs2=1.0), erlang_c(lam, MU, c)
    assert isinstance(ac, AllenCunneen)
    assert ac.mean_wait == ec.mean_wait
    assert ac.p_wait == ec.p_wait
    assert ac.occupancy == ec.occupancy


def test_allen_cunneen_constant_service_halves_the_wait() -> None:
    ec = erlang_c(LAM, MU, 14)
    ac = allen_cunneen(LAM, MU, 14, cs2=0.0)
    assert ac.mean_wait == pytest.approx(ec.mean_wait / 2, rel=1e-15)
    assert ac.p_wait == ec.p_wait  # the approximation keeps Erlang C's P(wait)


@pytest.mark.parametrize("cs2", [0.0, 0.25, 1.0, 4.0])
def test_allen_cunneen_single_server_is_pollaczek_khinchine(cs2: float) -> None:
    """For c = 1 the formula is exact: E[W] = lam E[S^2] / (2 (1 - rho))."""
    lam, mu = 15.0, 20.0
    rho, es2 = lam / mu, (1.0 + cs2) / mu**2
    assert allen_cunneen(lam, mu, 1, cs2).mean_wait == pytest.approx(
        lam * es2 / (2.0 * (1.0 - rho)), rel=1e-12
    )


def test_allen_cunneen_scales_with_arrival_variability() -> None:
    base = allen_cunneen(LAM, MU, 14, cs2=0.25)
    bursty = allen_cunneen(LAM, MU, 14, cs2=0.25, ca2=2.0)
    assert bursty.mean_wait == pytest.approx(base.mean_wait * 2.25 / 1.25, rel=1e-12)


@pytest.mark.parametrize(
    ("cs2", "ca2", "c"),
    [(-0.1, 1.0, 14), (math.nan, 1.0, 14), (math.inf, 1.0, 14), (1.0, -1.0, 14), (1.0, 1.0, 10)],
)
def test_allen_cunneen_invalid(cs2: float, ca2: float, c: int) -> None:
    with pytest.raises(ValueError):
        allen_cunneen(LAM, MU, c, cs2, ca2)


# --------------------------------------------------------------------------------------------
# Erlang A
# --------------------------------------------------------------------------------------------


def test_erlang_a_tends_to_erlang_c_as_theta_vanishes() -> None:
    for c in (11, 14, 20):
        ec = erlang_c(LAM, MU, c)
        ea = erlang_a(LAM, MU, c, 1e-6)
        assert ea.p_wait == pytest.approx(ec.p_wait, rel=1e-3)
        assert ea.mean_wait == pytest.approx(ec.mean_wait, rel=1e-3)
        assert ea.service_level(T20) == pytest.approx(ec.service_level(T20), rel=1e-3)
        assert ea.prob_wait_le(T20) == pytest.approx(ec.service_level(T20), rel=1e-3)
        assert ea.occupancy == pytest.approx(ec.occupancy, rel=1e-3)


@pytest.mark.parametrize(
    ("lam", "mu", "c", "theta"),
    [
        (0.8, 1.0, 1, 0.5),  # c = 1, stable
        (2.5, 1.0, 1, 1.5),  # c = 1, overloaded
        (5.0, 2.0, 3, 0.7),  # c = 3
    ],
)
def test_erlang_a_against_brute_force(lam: float, mu: float, c: int, theta: float) -> None:
    t = 0.6
    n_max = c + 120
    bf = _brute_erlang_a(lam, mu, c, theta, n_max, t)
    ea = erlang_a(lam, mu, c, theta)
    assert isinstance(ea, ErlangA)
    assert ea.p_wait == pytest.approx(bf["p_wait"], abs=1e-12)
    assert ea.p_abandon == pytest.approx(bf["p_abandon_little"], abs=1e-12)
    assert ea.p_abandon == pytest.approx(bf["p_abandon_chain"], abs=1e-12)
    assert ea.mean_wait == pytest.approx(bf["mean_wait_little"], abs=1e-10)
    assert ea.mean_wait_served == pytest.approx(bf["mean_wait_served"], abs=1e-10)
    assert ea.service_level(t) == pytest.approx(bf["service_level"], abs=1e-10)
    assert ea.prob_wait_le(t) == pytest.approx(bf["prob_wait_le"], abs=1e-10)


def test_erlang_a_single_server_closed_form_p_wait() -> None:
    # For c = 1, P(N >= 1) = 1 - pi_0 for any theta; check against the explicit series.
    lam, mu, theta = 3.0, 2.0, 0.25
    terms = [1.0, lam / mu]
    for k in range(1, 400):
        terms.append(terms[-1] * lam / (mu + k * theta))
    assert erlang_a(lam, mu, 1, theta).p_wait == pytest.approx(1.0 - 1.0 / sum(terms), 1e-13)


def test_erlang_a_abandon_identity() -> None:
    for lam, c, theta in [(LAM, 14, 12.0), (LAM, 8, 3.0), (3 * 14 * MU, 14, 30.0)]:
        ea = erlang_a(lam, MU, c, theta)
        assert ea.p_abandon == pytest.approx(theta * ea.mean_wait, abs=1e-12)
        assert ea.p_abandon == pytest.approx(theta * ea.mean_queue_length / lam, abs=1e-12)
        assert ea.mean_wait == pytest.approx(ea.mean_queue_length / lam, rel=1e-12)


def test_erlang_a_overloaded_finite() -> None:
    c = 20
    lam = 1.5 * c * MU
    ea = erlang_a(lam, MU, c, 6.0)
    values = (ea.p_wait, ea.p_abandon, ea.mean_wait, ea.mean_wait_served, ea.occupancy)
    assert all(math.isfinite(v) for v in values)
    assert ea.p_abandon >= 1.0 - c * MU / lam - 1e-12
    assert ea.p_abandon < 1.0
    assert ea.occupancy <= 1.0 + 1e-12
    assert 0.0 <= ea.service_level(T20) <= 1.0 - ea.p_abandon + 1e-12


def test_erlang_a_heavily_overloaded_large_c() -> None:
    c = 200
    lam = 5.0 * c * MU
    ea = erlang_a(lam, MU, c, 2.0)
    assert ea.p_abandon == pytest.approx(0.8, abs=1e-6)
    assert ea.p_abandon == pytest.approx(2.0 * ea.mean_wait, abs=1e-12)


def test_erlang_a_large_c_no_overflow() -> None:
    ea = erlang_a(190.0 * 20.0, 20.0, 200, 3.0)
    values = (ea.p_wait, ea.p_abandon, ea.mean_wait, ea.service_level(T20), ea.prob_wait_le(T20))
    assert all(math.isfinite(v) for v in values)
    assert 0.0 < ea.p_wait < 1.0
    assert ea.p_abandon == pytest.approx(3.0 * ea.mean_wait, abs=1e-12)
    # Small theta at the same scale still agrees with Erlang C.
    ea0 = erlang_a(190.0 * 20.0, 20.0, 200, 1e-6)
    assert ea0.p_wait == pytest.approx(erlang_c(190.0 * 20.0, 20.0, 200).p_wait, rel=1e-3)


def test_erlang_a_monotone_in_agents() -> None:
    res = [erlang_a(LAM, MU, c, 12.0) for c in range(5, 25)]
    pw = [r.p_wait for r in res]
    pa = [r.p_abandon for r in res]
    assert all(x > y for x, y in zip(pw, pw[1:], strict=False))
    assert all(x > y for x, y in zip(pa, pa[1:], strict=False))


def test_erlang_a_service_level_limits() -> None:
    ea = erlang_a(LAM, MU, 10, 12.0)
    assert ea.service_level(0.0) == pytest.approx(1.0 - ea.p_wait, abs=1e-15)
    assert ea.prob_wait_le(0.0) == pytest.approx(1.0 - ea.p_wait, abs=1e-15)
    assert ea.service_level(math.inf) == pytest.approx(1.0 - ea.p_abandon, abs=1e-12)
    assert ea.service_level(50.0) == pytest.approx(1.0 - ea.p_abandon, abs=1e-12)
    assert ea.prob_wait_le(50.0) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    a=st.floats(0.1, 60.0),
    c=st.integers(1, 60),
    theta_ratio=st.floats(0.05, 5.0),
    t_ratio=st.floats(0.0, 3.0),
)
def test_erlang_a_properties(a: float, c: int, theta_ratio: float, t_ratio: float) -> None:
    mu = 20.0
    lam, theta, t = a * mu, theta_ratio * mu, t_ratio / mu
    ea = erlang_a(lam, mu, c, theta)
    assert 0.0 <= ea.p_abandon <= ea.p_wait <= 1.0
    assert ea.p_abandon == pytest.approx(theta * ea.mean_wait, abs=1e-12)
    assert ea.p_abandon == pytest.approx(theta * ea.mean_queue_length / lam, abs=1e-11)
    assert ea.p_abandon >= 1.0 - c * mu / lam - 1e-12
    sl, pw = ea.service_level(t), ea.prob_wait_le(t)
    assert 1.0 - ea.p_wait - 1e-12 <= sl <= 1.0 - ea.p_abandon + 1e-12
    assert sl <= pw + 1e-12
    assert ea.service_level(t + 0.1) >= sl - 1e-12


# --------------------------------------------------------------------------------------------
# Staffing
# --------------------------------------------------------------------------------------------


def test_staffing_published_case() -> None:
    # 13 agents give about 0.7956 < 0.80 within 20 s, 14 agents about 0.8884, so 14 is minimal.
    assert erlang_c(LAM, MU, 13).service_level(T20) < 0.8
    assert erlang_c(LAM, MU, 14).service_level(T20) >= 0.8
    assert staff_for_targets(LAM, MU, service_level=0.8, threshold=T20) == 14


def test_staffing_occupancy_and_combined() -> None:
    assert staff_for_targets(LAM, MU) == 11  # smallest stable c for a = 10
    assert staff_for_targets(LAM, MU, max_occupancy=0.75) == 14  # 10 / 14 <= 0.75 < 10 / 13
    assert staff_for_targets(LAM, MU, max_occupancy=0.7) == 15
    assert staff_for_targets(LAM, MU, service_level=0.8, threshold=T20, max_occupancy=0.7) == 15


def test_staffing_erlang_a_is_minimal() -> None:
    theta = 12.0
    c = staff_for_targets(LAM, MU, service_level=0.8, threshold=T20, max_abandon=0.01, theta=theta)
    ok = erlang_a(LAM, MU, c, theta)
    below = erlang_a(LAM, MU, c - 1, theta)
    assert ok.service_level(T20) >= 0.8 and ok.p_abandon <= 0.01
    assert below.service_level(T20) < 0.8 or below.p_abandon > 0.01
    assert staff_for_targets(LAM, MU, theta=theta) == 1
    c_ab = staff_for_targets(LAM, MU, max_abandon=0.05, theta=theta)
    assert erlang_a(LAM, MU, c_ab, theta).p_abandon <= 0.05
    assert erlang_a(LAM, MU, c_ab - 1, theta).p_abandon > 0.05


# --------------------------------------------------------------------------------------------
# Invalid inputs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lam", "mu", "c"),
    [
        (0.0, 20.0, 14),
        (-1.0, 20.0, 14),
        (200.0, 0.0, 14),
        (200.0, -20.0, 14),
        (200.0, 20.0, 0),
        (200.0, 20.0, 2.5),
        (200.0, 20.0, True),
        (math.nan, 20.0, 14),
        (math.inf, 20.0, 14),
        (200.0, 20.0, 10),  # a == c: unstable
        (200.0, 20.0, 9),  # a > c: unstable
    ],
)
def test_erlang_c_invalid(lam: float, mu: float, c: int) -> None:
    with pytest.raises(ValueError):
        erlang_c(lam, mu, c)


def test_erlang_c_unstable_message() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(LAM, MU, 10)


@pytest.mark.parametrize(
    ("lam", "mu", "c", "theta"),
    [
        (0.0, 20.0, 14, 1.0),
        (200.0, 0.0, 14, 1.0),
        (200.0, 20.0, 0, 1.0),
        (200.0, 20.0, 1.5, 1.0),
        (200.0, 20.0, 14, 0.0),
        (200.0, 20.0, 14, -1.0),
        (200.0, 20.0, 14, math.nan),
    ],
)
def test_erlang_a_invalid(lam: float, mu: float, c: int, theta: float) -> None:
    with pytest.raises(ValueError):
        erlang_a(lam, mu, c, theta)


def test_invalid_thresholds_and_targets() -> None:
    with pytest.raises(ValueError):
        erlang_c(LAM, MU, 14).service_level(-1.0)
    with pytest.raises(ValueError):
        erlang_a(LAM, MU, 14, 1.0).service_level(-1.0)
    with pytest.raises(ValueError):
        staff_for_targets(LAM, MU, service_level=0.8)  # threshold missing
    with pytest.raises(ValueError):
        staff_for_targets(LAM, MU, service_level=1.0, threshold=T20)
    with pytest.raises(ValueError):
        staff_for_targets(LAM, MU, max_occupancy=0.0)
    with pytest.raises(ValueError):
        staff_for_targets(LAM, MU, max_abandon=0.05)  # needs theta
    with pytest.raises(ValueError):
        staff_for_targets(LAM, MU, max_abandon=0.05, theta=0.0)
    with pytest.raises(ValueError):
        staff_for_targets(0.0, MU, max_occupancy=0.8)
