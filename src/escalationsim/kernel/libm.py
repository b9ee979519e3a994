"""Elementwise exp, log and power that give the same bits whatever the processor's SIMD.

Why not numpy's own: ``np.exp``, ``np.log``, ``np.power`` and their kin pick a kernel
when numpy is imported, by what the CPU offers (AVX-512 with Intel's SVML, AVX2, or the
C library's scalar function), and the kernels round differently in the last place. A draw
such as ``median * np.exp(sigma * z)`` therefore gave other customers on a machine without
AVX-512, and a Ray cluster of mixed machines gave results that depended on which node ran
a job. These helpers call the C library's scalar functions (Python's :mod:`math`, as the
engine's per-task draws already do) one element at a time: about 50 ns an element, a
fraction of a microsecond per customer against tens of microseconds of simulation.

What this buys and what it does not (docs/reliability.md): the same bits on every x86-64
machine whose C library picks the same variant of these functions (glibc uses its FMA
variants on every CPU with AVX2 and FMA: Intel since 2013, AMD since 2015), with or
without AVX-512. It does not make results equal across C libraries (musl, macOS,
Windows) or on CPUs without FMA.

Also in this module: :func:`dot`, a dot product without BLAS, whose kernel (and so its
order of summation) also depends on the CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

_EXP_MAX = 709.782712893384
"""Largest argument whose exp is finite (math.exp raises past it; numpy gives inf)."""


def _apply(f: Callable[[float], float], x: np.ndarray | float) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    flat = np.fromiter(map(f, a.ravel().tolist()), dtype=float, count=a.size)
    return flat.reshape(a.shape)


def _exp(v: float) -> float:
    return math.inf if v > _EXP_MAX else math.exp(v)  # NaN stays NaN


def _log(v: float) -> float:
    if v > 0.0:
        return math.log(v)
    return -math.inf if v == 0.0 else math.nan


# Speed: map(math.exp, ...) calls the C function straight (about 30 ns an element); the
# guarded Python wrappers above (about 50 ns) are used only when an element needs them.


def exp(x: np.ndarray | float) -> np.ndarray:
    """e**x elementwise (inf past the overflow threshold, as numpy)."""
    a = np.asarray(x, dtype=float)
    if a.size and a.max() <= _EXP_MAX:  # no overflow, no NaN (a NaN max fails the test)
        return _apply(math.exp, a)
    return _apply(_exp, a)


def log(x: np.ndarray | float) -> np.ndarray:
    """Natural log elementwise (-inf at 0, NaN below, as numpy)."""
    a = np.asarray(x, dtype=float)
    if a.size and a.min() > 0.0:
        return _apply(math.log, a)
    return _apply(_log, a)


def power(x: np.ndarray | float, p: float) -> np.ndarray:
    """x**p elementwise for non-negative x (the C library's ``pow``)."""
    a = np.asarray(x, dtype=float)
    if a.size and a.min() < 0.0:
        raise ValueError("libm.power takes non-negative numbers")
    return _apply(lambda v: math.pow(v, p), a)


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b in numpy's own pairwise order (no BLAS)."""
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))
