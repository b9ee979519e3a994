"""Tests for escalationsim.kernel.rows: complaint rows packed into bytes and read back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.engine.recorder import _LOG_DTYPE
from escalationsim.kernel.codes import Role, Status
from escalationsim.kernel.rows import row_struct


def test_packed_rows_read_back_as_the_structured_dtype() -> None:
    """Rows packed by ``row_struct`` and read with ``np.frombuffer`` hold the values numpy
    itself would store, NaN, enums and bools included; an aligned dtype is refused."""
    _DTYPE = _LOG_DTYPE
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
