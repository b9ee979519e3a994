"""Tests for escalationsim.kernel.rows: complaint rows packed into bytes and read back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.engine.recorder import ROW_DTYPE
from escalationsim.kernel.codes import Role, Status
from escalationsim.kernel.rows import FLUSH_ROWS, PackedRows, row_struct


def test_packed_rows_read_back_as_the_structured_dtype() -> None:
    """Rows packed by ``row_struct`` and read with ``np.frombuffer`` hold the values numpy
    itself would store, NaN, enums and bools included; an aligned dtype is refused."""
    _DTYPE = ROW_DTYPE
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(5):
        row = []
        for name in _DTYPE.names:
            kind = _DTYPE[name].kind
            if kind == "f":
                row.append(math.nan if rng.random() < 0.3 else float(rng.normal()))
            elif kind == "b":
                row.append(bool(rng.random() < 0.5))
            else:
                row.append(int(rng.integers(0, 3)))
        row[_DTYPE.names.index("status")] = Status.gave_up
        row[_DTYPE.names.index("resolved_by")] = Role.ceo
        rows.append(tuple(row))
    pack = row_struct(_DTYPE).pack
    packed = np.frombuffer(b"".join(pack(*r) for r in rows), dtype=_DTYPE)
    expected = np.array(rows, dtype=_DTYPE)
    for name in _DTYPE.names:
        np.testing.assert_array_equal(packed[name], expected[name], err_msg=name)
    with pytest.raises(ValueError, match="not packed"):
        row_struct(np.dtype([("a", "i1"), ("b", "f8")], align=True))


def test_packed_rows_hand_over_full_chunks_then_the_rest() -> None:
    """Rows come out in the order packed, in chunks of ``FLUSH_ROWS`` and a last,
    part-filled one on ``flush`` (a copy: packing more does not change it)."""
    dtype = np.dtype([("a", "i8"), ("b", "f8"), ("h0", "f8"), ("h1", "f8")])
    chunks: list[np.ndarray] = []
    rows = PackedRows(["a", "b"], "hours", dtype, chunks.append)

    class Obj:
        def __init__(self, i: int) -> None:
            self.a, self.b, self.hours = i, 0.5 * i, [i + 0.25, i + 0.75]

    n = FLUSH_ROWS + 3
    for i in range(n):
        rows.add(Obj(i))
    assert [len(ch) for ch in chunks] == [FLUSH_ROWS] and rows.buffered == 3
    rows.flush()
    assert [len(ch) for ch in chunks] == [FLUSH_ROWS, 3] and rows.buffered == 0
    rows.add(Obj(-1))
    out = np.concatenate(chunks)
    assert out["a"].tolist() == list(range(n))
    assert out["b"].tolist() == [0.5 * i for i in range(n)]
    assert out["h1"].tolist() == [i + 0.75 for i in range(n)]
    rows.flush()
    assert chunks[-1]["a"].tolist() == [-1]


def test_sparse_fields_are_packed_only_for_the_objects_that_wrote_them():
    """A SparseRecord's rarely-written fields are its class defaults until written; the
    rows hold each object's own value where it wrote one (the last write before it was
    packed, not a later one) and the default elsewhere, NaN and negative defaults
    included; an instance attribute that is no column is ignored."""
    from escalationsim.kernel.sparse import SparseRecord, written

    class Rec(SparseRecord):
        __slots__ = ("a", "hours")

        def __init__(self, a: int) -> None:
            self.a = a
            self.hours = [0.5 * a]

    Rec.set_default("wait", math.nan)
    Rec.set_default("outcome", -1)
    Rec.set_default("flag", False)
    with pytest.raises(ValueError, match="slot"):
        Rec.set_default("a", 0)
    dtype = np.dtype([("a", "i8"), ("wait", "f8"), ("outcome", "i1"), ("flag", "?"), ("h", "f8")])
    chunks: list[np.ndarray] = []
    sparse = {"wait": ("wait", math.nan), "outcome": ("outcome", -1), "flag": ("flag", False)}
    rows = PackedRows(["a"], "hours", dtype, chunks.append, sparse)
    n = FLUSH_ROWS + 5
    for i in range(n):
        r = Rec(i)
        if i % 3 == 0:
            r.wait = float(i)
        if i % 7 == 0:
            r.outcome = 2
            r.outcome = 3  # the last write counts
            r.scratch = "not a column"
        assert written(r) or (i % 3 and i % 7)
        rows.add(r)
        if i % 5 == 0:
            r.flag = True  # after it was packed: not in its row
    rows.flush()
    out = np.concatenate(chunks)
    assert out["a"].tolist() == list(range(n))
    waits = out["wait"]
    assert all((waits[i] == i) if i % 3 == 0 else math.isnan(waits[i]) for i in range(n))
    assert out["outcome"].tolist() == [3 if i % 7 == 0 else -1 for i in range(n)]
    assert not out["flag"].any()
    assert out["h"].tolist() == [0.5 * i for i in range(n)]
    bad = Rec(1)
    bad.outcome = 2.7  # numpy would store 2: refused, naming the field
    rows.add(bad)
    with pytest.raises(TypeError, match=r"outcome = 2.7 is not allowed: its column 'outcome'"):
        rows.flush()
    Rec.clear_default("wait")
    assert not hasattr(Rec(1), "wait")
