"""Named random streams for common random numbers.

Each replication ``r`` of a run with seed ``s`` gets one :class:`numpy.random.SeedSequence`,
``SeedSequence(s, spawn_key=(r,))``; each named stream is spawned from it at a fixed
index. Policies do not enter the seed, so within a replication every policy sees the same
customers (arrival stream, attribute stream) and draws service times and behaviour from
identically seeded streams. Adding replications never changes earlier ones.
"""

from __future__ import annotations

import numpy as np

STREAMS: tuple[str, ...] = ("arrivals", "population", "service", "behaviour", "patience")


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
