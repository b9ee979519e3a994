"""Named random streams for common random numbers.

Each replication ``r`` of a run with seed ``s`` gets one :class:`numpy.random.SeedSequence`,
``SeedSequence(s, spawn_key=(r,))``; each named stream is spawned from it at a fixed
index. Policies do not enter the seed. ``arrivals`` and ``population`` give the customer
table; ``journey`` gives every customer a private row of uniforms and normals from which
all of that customer's handling times, patience, decisions and delays are taken, so a
policy change that affects one customer leaves every other customer's draws untouched;
``overflow`` serves the rare customer who uses up their row; ``customers`` gives the
customer table's later columns (whether a claim is weak), drawn apart so that the first
columns stay as they were; ``judgement`` gives each rep's judgement (and their
replacements'); ``memory`` gives the customer-table columns of customers who remember and
of publicity (whose complaint each is, and the uniforms that decide whether it happens and
where it starts), apart from the others so that turning memory on or off changes no other
draw; ``busyness`` gives each day's busyness factor (only when it is on). Streams are
spawned in this order, so a stream added at the end leaves the others unchanged. Adding
replications never changes earlier ones.
"""

from __future__ import annotations

import numpy as np

STREAMS: tuple[str, ...] = (
    "arrivals",
    "population",
    "journey",
    "overflow",
    "customers",
    "judgement",
    "memory",
    "busyness",
    "ombudsman",
)


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


N_UNIFORM = 24
"""Uniforms in a customer's private row (columns ``0 .. N_UNIFORM - 1``)."""

N_NORMAL = 12
"""Standard normals in a customer's private row (the columns after the uniforms)."""

ROW = N_UNIFORM + N_NORMAL
"""Values in a customer's private row."""


class CustomerDraws:
    """Private random numbers per customer: row ``i`` of blocks of uniforms and normals.

    Each block holds ``block`` rows of :data:`N_UNIFORM` uniforms followed by
    :data:`N_NORMAL` standard normals, generated a block of customers at a time (uniforms
    for the whole block first, then normals) so memory stays flat; row ``i`` is the same
    whatever the policy. Rows are handed out in customer order as (block, row index)
    pairs: a customer keeps a reference to its block and reads its values one at a time
    when it needs them (``kernel.draws.PrivateDraws.uniform``), so only the values
    actually used become Python floats.
    """

    def __init__(self, rng: np.random.Generator, block: int = 4096) -> None:
        self._rng = rng
        self._block = block
        self._start = -block
        self._rows = np.empty((0, ROW))
        self._pos = 0  # next row of the current block handed out by take

    def row(self, i: int) -> np.ndarray:
        """The row of customer ``i``: its uniforms, then its normals."""
        while i >= self._start + self._block:
            self._next_block()
        j = i - self._start
        if j < 0:
            raise ValueError(f"customer rows must be requested in order (asked {i})")
        return self._rows[j]

    def take(self, k: int) -> tuple[list[np.ndarray], list[int]]:
        """The next ``k`` customers' rows (from customer 0 on a fresh instance) as two
        lists: each customer's block and its row index in that block."""
        blocks: list[np.ndarray] = []
        rows: list[int] = []
        while len(rows) < k:
            if self._pos >= len(self._rows):
                self._next_block()
                self._pos = 0
            n = min(k - len(rows), len(self._rows) - self._pos)
            blocks += [self._rows] * n
            rows += range(self._pos, self._pos + n)
            self._pos += n
        return blocks, rows

    def _next_block(self) -> None:
        self._start += self._block
        u = self._rng.random((self._block, N_UNIFORM))
        z = self._rng.standard_normal((self._block, N_NORMAL))
        self._rows = np.concatenate((u, z), axis=1)
