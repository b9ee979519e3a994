"""kernel.libm: elementwise exp, log and power through the C library's scalar functions
(the same bits whatever numpy's SIMD dispatch picks: tests/test_golden.py runs with it
limited), behaving at the edges as numpy's own."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.kernel import libm


def test_values_are_the_c_library_s_and_the_shape_is_kept() -> None:
    a = np.random.default_rng(0).standard_normal((3, 400)) * 5
    assert np.array_equal(libm.exp(a), np.vectorize(math.exp)(a))
    assert np.array_equal(libm.log(np.abs(a) + 1e-9), np.vectorize(math.log)(np.abs(a) + 1e-9))
    assert np.array_equal(libm.power(np.abs(a), 1.7), np.vectorize(math.pow)(np.abs(a), 1.7))
    assert libm.exp(np.zeros(0)).shape == (0,) and float(libm.exp(0.0)) == 1.0


def test_edges_as_numpy() -> None:
    with np.errstate(all="ignore"):
        for x in ([1000.0, -1000.0, np.nan, np.inf, -np.inf, 0.0],):
            np.testing.assert_array_equal(libm.exp(np.array(x)), np.exp(np.array(x)))
        for x in ([0.0, -1.0, np.nan, np.inf, 1.0],):
            np.testing.assert_array_equal(libm.log(np.array(x)), np.log(np.array(x)))
    with pytest.raises(ValueError, match="non-negative"):
        libm.power(np.array([-1.0]), 0.5)


def test_dot_is_a_correctly_rounded_sum_to_within_pairwise_error() -> None:
    """dot sums in numpy's pairwise order, not BLAS's (whose blocking depends on the CPU):
    close to the exactly rounded sum, and the same whatever BLAS's thread count."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(7)
    a, b = rng.normal(size=100_003), rng.normal(size=100_003)
    exact = math.fsum(float(x) * float(y) for x, y in zip(a, b, strict=True))
    assert abs(libm.dot(a, b) - exact) <= 1e-12 * math.fsum(abs(a * b))
    with threadpool_limits(4):
        assert libm.dot(a, b) == libm.dot(a.copy(), b.copy())
