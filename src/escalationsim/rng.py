"""Named random streams for common random numbers.

Each replication ``r`` of a run with seed ``s`` gets one :class:`numpy.random.SeedSequence`,
``SeedSequence(s, spawn_key=(r,))``; each named stream is spawned from it at a fixed
index. Policies do not enter the seed. ``arrivals`` and ``population`` give the customer
table; ``journey`` gives every customer a private row of uniforms and normals from which
all of that customer's handling times, patience, decisions and delays are taken, so a
policy change that affects one customer leaves every other customer's draws untouched;
``overflow`` serves the rare customer who uses up their row. Adding replications never
changes earlier ones.
"""

from __future__ import annotations

import numpy as np

STREAMS: tuple[str, ...] = ("arrivals", "population", "journey", "overflow")


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The root SeedSequence of one replication."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """One independent PCG64 generator per named stream of this replication."""
    root = replication_seed(seed, replication)
    children = root.spawn(len(STREAMS))
    return {
        name: np.random.Generator(np.random.PCG64(ss))
        for name, ss in zip(STREAMS, children, strict=True)
    }


class BlockDraws:
    """Draw variates from a generator in numpy blocks and hand them out one at a time.

    Calling numpy once per variate costs microseconds each; blocks of a few thousand make
    the per-draw cost a list pop. The sequence of values is the generator's own sequence,
    so results are reproducible for a given seed.
    """

    __slots__ = ("_rng", "_kind", "_size", "_buf")

    def __init__(self, rng: np.random.Generator, kind: str, size: int = 4096) -> None:
        if kind not in ("normal", "uniform", "exponential"):
            raise ValueError(f"unknown kind {kind!r}")
        self._rng = rng
        self._kind = kind
        self._size = size
        self._buf: list[float] = []

    def _refill(self) -> None:
        if self._kind == "normal":
            block = self._rng.standard_normal(self._size)
        elif self._kind == "uniform":
            block = self._rng.random(self._size)
        else:
            block = self._rng.standard_exponential(self._size)
        self._buf = block[::-1].tolist()

    def __call__(self) -> float:
        if not self._buf:
            self._refill()
        return self._buf.pop()


class CustomerDraws:
    """Private random numbers per customer: row ``i`` of blocks of uniforms and normals.

    Rows are handed out in customer order (``row(i)`` with ``i`` increasing, or many at
    a time by :meth:`take`), generated a block of customers at a time so memory stays flat;
    row ``i`` is the same whatever the policy. Each row is returned reversed, ready to
    ``pop()`` in drawing order.
    """

    def __init__(
        self, rng: np.random.Generator, n_uniform: int = 24, n_normal: int = 12, block: int = 4096
    ) -> None:
        self._rng = rng
        self.n_uniform = n_uniform
        self.n_normal = n_normal
        self._block = block
        self._start = -block
        self._u = np.empty((0, n_uniform))
        self._z = np.empty((0, n_normal))
        self._u_rows: list[list[float]] = []  # the current block as lists (take)
        self._z_rows: list[list[float]] = []
        self._pos = 0

    def row(self, i: int) -> tuple[list[float], list[float]]:
        """Uniforms and normals of customer ``i``, reversed."""
        while i >= self._start + self._block:
            self._next_block()
        j = i - self._start
        if j < 0:
            raise ValueError(f"customer rows must be requested in order (asked {i})")
        return self._u[j, ::-1].tolist(), self._z[j, ::-1].tolist()

    def take(self, k: int) -> tuple[list[list[float]], list[list[float]]]:
        """The rows of the next ``k`` customers (from customer 0 on a fresh instance): the
        same values as :meth:`row`, converted to Python lists a block at a time."""
        u: list[list[float]] = []
        z: list[list[float]] = []
        while len(u) < k:
            if self._pos >= len(self._u_rows):
                self._next_block()
                self._u_rows = self._u[:, ::-1].tolist()
                self._z_rows = self._z[:, ::-1].tolist()
                self._pos = 0
            n = min(k - len(u), len(self._u_rows) - self._pos)
            u += self._u_rows[self._pos : self._pos + n]
            z += self._z_rows[self._pos : self._pos + n]
            self._pos += n
        return u, z

    def _next_block(self) -> None:
        self._start += self._block
        self._u = self._rng.random((self._block, self.n_uniform))
        self._z = self._rng.standard_normal((self._block, self.n_normal))
