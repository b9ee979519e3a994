"""Golden outputs: the complaint rows, KPIs, daily series and group tables of small runs
of every preset, of two queue-only configurations and of a records-off run, compared
exactly (no tolerance) with fixtures committed under ``tests/golden/data``.

A change that is meant to keep results must keep this passing unchanged. A change meant
to alter results regenerates the fixtures (``python -m tests.golden``) in a commit of its
own that says why.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from tests import golden


@functools.cache
def _outputs(case: str) -> dict[str, pd.DataFrame]:
    return golden.outputs(case)


CASES = [
    pytest.param(case, table, id=f"{case}-{table}")
    for case in golden.CASES
    for table in golden.TABLES
    if golden.path(case, table).exists() or table in ("kpis", "daily", "summary")
]


@pytest.mark.parametrize(("case", "table"), CASES)
def test_golden(case: str, table: str) -> None:
    expected = pd.read_parquet(golden.path(case, table))
    actual = _outputs(case)[table]
    # round-trip through parquet, as the fixture did, so only the values are compared
    actual = pd.read_parquet(_roundtrip(actual))
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)


def test_the_simd_limit_asked_for_is_in_force() -> None:
    """make test runs this file again under NPY_DISABLE_CPU_FEATURES: check numpy obeyed
    (a misspelt feature name would otherwise leave every run on the same SIMD path)."""
    import os

    from numpy._core._multiarray_umath import __cpu_features__ as features

    for name in os.environ.get("NPY_DISABLE_CPU_FEATURES", "").replace(",", " ").split():
        assert features.get(name) is False, f"{name} is still enabled: {features.get(name)}"


def test_every_produced_table_is_pinned() -> None:
    """A case that produces a table has a fixture for it (none is skipped silently)."""
    for case in golden.CASES:
        for table in _outputs(case):
            assert golden.path(case, table).exists(), f"no fixture for {case}.{table}"


def _roundtrip(df: pd.DataFrame):
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    buf.seek(0)
    return buf
