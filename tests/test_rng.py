"""Tests for escalationsim.kernel.rng (named streams per replication, block draws)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalationsim.kernel.rng import (
    N_NORMAL,
    N_UNIFORM,
    STREAMS,
    BlockDraws,
    CustomerDraws,
    replication_seed,
    streams,
)


def _first(seed: int, replication: int, n: int = 8) -> dict[str, np.ndarray]:
    return {k: g.random(n) for k, g in streams(seed, replication).items()}


def test_stream_names() -> None:
    s = streams(1, 0)
    assert list(s) == list(STREAMS)
    assert all(isinstance(g, np.random.Generator) for g in s.values())


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**40])
@pytest.mark.parametrize("replication", [0, 1, 7])
def test_streams_reproducible(seed: int, replication: int) -> None:
    a, b = _first(seed, replication), _first(seed, replication)
    for name in STREAMS:
        np.testing.assert_array_equal(a[name], b[name])


def test_streams_differ_across_replications_names_and_seeds() -> None:
    draws = {
        (seed, r, name): tuple(v)
        for seed in (1, 2)
        for r in range(4)
        for name, v in _first(seed, r).items()
    }
    # Every (seed, replication, stream) gives its own numbers.
    assert len(set(draws.values())) == len(draws)


def test_streams_are_the_spawned_children_of_the_replication_seed() -> None:
    # The documented layout: SeedSequence(seed, spawn_key=(r,)) spawns one child per name.
    seed, r = 99, 3
    children = np.random.SeedSequence(seed, spawn_key=(r,)).spawn(len(STREAMS))
    got = streams(seed, r)
    for name, ss in zip(STREAMS, children, strict=True):
        ref = np.random.Generator(np.random.PCG64(ss))
        np.testing.assert_array_equal(got[name].random(5), ref.random(5))
    assert replication_seed(seed, r).spawn_key == (r,)
    assert replication_seed(seed, r).entropy == seed


def test_adding_replications_does_not_change_earlier_ones() -> None:
    alone = _first(2024, 0)
    # Build replications 0..9 in a different order, drawing from the others in between.
    many = {}
    for r in [5, 9, 0, 3, 1]:
        many[r] = _first(2024, r)
        for g in streams(2024, r + 100).values():
            g.random(1000)
    for name in STREAMS:
        np.testing.assert_array_equal(many[0][name], alone[name])


def test_stream_draws_do_not_interfere() -> None:
    # Drawing heavily from one named stream does not move another one.
    ref = streams(7, 2)["journey"].random(6)
    s = streams(7, 2)
    s["arrivals"].random(10_000)
    s["overflow"].normal(size=500)
    np.testing.assert_array_equal(s["journey"].random(6), ref)


# --------------------------------------------------------------------------- BlockDraws


def _reference(kind: str, seed: int, size: int, n: int) -> list[float]:
    """A fresh generator drawing whole blocks of ``size`` with the matching numpy method."""
    g = np.random.default_rng(seed)
    method = {
        "normal": g.standard_normal,
        "uniform": g.random,
        "exponential": g.standard_exponential,
    }[kind]
    out: list[float] = []
    while len(out) < n:
        out.extend(method(size).tolist())
    return out[:n]


@pytest.mark.parametrize("kind", ["normal", "uniform", "exponential"])
@pytest.mark.parametrize("size", [1, 3, 7, 4096])
def test_block_draws_equal_generator_sequence(kind: str, size: int) -> None:
    n = 2 * size + 5  # crosses at least two block boundaries
    draws = BlockDraws(np.random.default_rng(31), kind, size=size)
    got = [draws() for _ in range(n)]
    assert got == _reference(kind, 31, size, n)
    assert all(isinstance(v, float) for v in got)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["normal", "uniform", "exponential"]),
    st.integers(1, 50),
    st.integers(1, 200),
    st.integers(0, 2**32 - 1),
)
def test_block_draws_any_block_size(kind: str, size: int, n: int, seed: int) -> None:
    draws = BlockDraws(np.random.default_rng(seed), kind, size=size)
    assert [draws() for _ in range(n)] == _reference(kind, seed, size, n)


def test_block_draws_default_block_and_ranges() -> None:
    u = BlockDraws(np.random.default_rng(5), "uniform")
    e = BlockDraws(np.random.default_rng(5), "exponential")
    us = [u() for _ in range(5000)]  # crosses the default 4096 boundary
    assert us == _reference("uniform", 5, 4096, 5000)
    assert all(0.0 <= v < 1.0 for v in us)
    assert all(e() >= 0.0 for _ in range(100))


def test_block_draws_consume_the_generator_by_blocks() -> None:
    # The wrapper takes whole blocks from the shared generator: after one draw the
    # generator has advanced by exactly one block.
    g = np.random.default_rng(8)
    draws = BlockDraws(g, "uniform", size=10)
    draws()
    ref = np.random.default_rng(8)
    ref.random(10)
    assert g.random() == ref.random()


def test_block_draws_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="gamma"):
        BlockDraws(np.random.default_rng(0), "gamma")


def test_block_draws_streams_differ() -> None:
    a = BlockDraws(streams(3, 0)["journey"], "normal", size=16)
    b = BlockDraws(streams(3, 1)["journey"], "normal", size=16)
    xa = list(itertools.islice(iter(a, None), 20))
    xb = list(itertools.islice(iter(b, None), 20))
    assert xa != xb


def test_rows_taken_many_at_a_time_equal_rows_one_at_a_time() -> None:
    one = CustomerDraws(np.random.default_rng(4), block=5)
    many = CustomerDraws(np.random.default_rng(4), block=5)
    parts = [many.take(k) for k in (3, 0, 6, 1, 2)]  # across three blocks
    taken = [b[j] for blocks, rows in parts for b, j in zip(blocks, rows, strict=True)]
    assert len(taken) == 12
    for i, row in enumerate(taken):
        assert row.shape == (N_UNIFORM + N_NORMAL,)
        np.testing.assert_array_equal(row, one.row(i))


def test_customer_rows_are_the_streams_uniforms_then_normals() -> None:
    """A block is the generator's uniforms for every row, then its normals: the layout
    the results depend on (changing it would change every run's random numbers)."""
    rng = np.random.default_rng(9)
    u = rng.random((4, N_UNIFORM))
    z = rng.standard_normal((4, N_NORMAL))
    draws = CustomerDraws(np.random.default_rng(9), block=4)
    for i in range(4):
        np.testing.assert_array_equal(draws.row(i)[:N_UNIFORM], u[i])
        np.testing.assert_array_equal(draws.row(i)[N_UNIFORM:], z[i])
    draws.row(4)  # the next block
    with pytest.raises(ValueError, match="in order"):
        draws.row(3)
