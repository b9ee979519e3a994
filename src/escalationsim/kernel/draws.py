"""Reading a customer's private random numbers, and handling times drawn from them.

A customer object carries four slots that this module reads and advances: ``draws`` (a
block of rows from :class:`~escalationsim.kernel.rng.CustomerDraws`), ``row`` (its row in
the block), ``nu`` (uniforms used so far) and ``nz`` (column of its next normal). Every
handling time, patience, decision and delay of that customer comes from its row, so a
policy change that affects one customer leaves every other customer's draws untouched
(common random numbers). A customer who uses up its row continues on the replication's
``overflow`` stream.

Speed: these run several times per contact. Values are read one at a time with
``ndarray.item`` (only the values used become Python floats) and the handling-time draw
is inlined in :meth:`PrivateDraws.handle` rather than calling :meth:`~PrivateDraws.normal`.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from escalationsim.kernel.rng import N_UNIFORM, ROW, BlockDraws

_NORMAL = NormalDist()
"""The standard normal (pure Python: the same digits on every machine)."""


class Sampler:
    """Draws one task's handling time in hours: lognormal (mean and coefficient of
    variation), exponential (mean) or constant."""

    __slots__ = ("lognormal", "exponential", "mu", "sigma", "mean_h")

    def __init__(self, mean_min: float, cv: float, dist: str) -> None:
        if dist not in ("lognormal", "exponential", "constant"):
            raise ValueError(f"unknown handling-time distribution {dist!r}")
        self.mean_h = mean_min / 60.0
        self.lognormal = dist == "lognormal"
        self.exponential = dist == "exponential"
        s2 = math.log1p(cv * cv)
        self.sigma = math.sqrt(s2)
        self.mu = math.log(self.mean_h) - 0.5 * s2


class PrivateDraws:
    """Customers' private uniforms, normals and handling times, with the overflow
    stream behind them; ``samplers`` maps a task name to its :class:`Sampler`."""

    __slots__ = ("_u_overflow", "_z_overflow", "samplers")

    def __init__(self, overflow: np.random.Generator, samplers: dict[str, Sampler]) -> None:
        self._u_overflow = BlockDraws(overflow, "uniform")
        self._z_overflow = BlockDraws(overflow, "normal")
        self.samplers = samplers

    def uniform(self, c: Any) -> float:
        """The next of customer ``c``'s private uniforms on [0, 1) (then the overflow
        stream's, once the row's are used up)."""
        n = c.nu
        if n < N_UNIFORM:
            c.nu = n + 1
            return c.draws.item(c.row, n)
        return self._u_overflow()

    def expo(self, c: Any) -> float:
        """A standard exponential variate from ``c``'s uniforms."""
        return -math.log1p(-self.uniform(c))

    def normal(self, c: Any) -> float:
        """The next of customer ``c``'s private standard normals (then the overflow
        stream's)."""
        n = c.nz
        if n < ROW:
            c.nz = n + 1
            return c.draws.item(c.row, n)
        return self._z_overflow()

    @staticmethod
    def own_row(c: Any) -> None:
        """Give ``c`` a copy of its private row, so that a long wait (a letter in the
        CEO's inbox can wait for weeks) does not keep its whole block of rows in memory."""
        if len(c.draws) > 1:
            c.draws = c.draws[c.row : c.row + 1].copy()
            c.row = 0

    def handle(self, task: str, c: Any) -> float:
        """A handling time for ``task`` done for ``c``, in hours."""
        s = self.samplers[task]
        if s.lognormal:  # exp(mu + sigma * normal(c)), the draw inlined: this runs per task
            n = c.nz
            if n < ROW:
                c.nz = n + 1
                return math.exp(s.mu + s.sigma * c.draws.item(c.row, n))
            return math.exp(s.mu + s.sigma * self._z_overflow())
        if s.exponential:  # mean_h * expo(c), inlined likewise
            n = c.nu
            if n < N_UNIFORM:
                c.nu = n + 1
                return s.mean_h * -math.log1p(-c.draws.item(c.row, n))
            return s.mean_h * -math.log1p(-self._u_overflow())
        return s.mean_h

    def residual(self, task: str, c: Any, age_h: float) -> float:
        """The rest of a handling time for ``task`` that has lasted ``age_h`` hours: drawn
        from its distribution given that it exceeds ``age_h`` (by inversion, from one of
        ``c``'s uniforms), less ``age_h``. Work under way when a run starts from today's
        open work (rare: not inlined)."""
        s = self.samplers[task]
        if s.lognormal:
            floor = _NORMAL.cdf((math.log(age_h) - s.mu) / s.sigma) if age_h > 0 else 0.0
            q = floor + self.uniform(c) * (1.0 - floor)
            q = min(max(q, 1e-300), 1.0 - 1e-16)  # inv_cdf takes the open interval (0, 1)
            return max(math.exp(s.mu + s.sigma * _NORMAL.inv_cdf(q)) - age_h, 0.0)
        if s.exponential:  # memoryless: the rest is a fresh draw
            return self.handle(task, c)
        return max(s.mean_h - age_h, 0.0)
