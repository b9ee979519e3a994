"""Tests for escalationsim.engine.records.repurchase_prob (TARP repurchase probabilities)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from escalationsim.config import ChurnConfig
from escalationsim.engine.records import repurchase_prob

# TARP figures, written out here rather than read from the code under test.
MINOR_QUICK, MINOR_FIXED, MINOR_UNFIXED = 0.95, 0.70, 0.46
MAJOR_QUICK, MAJOR_FIXED, MAJOR_UNFIXED = 0.82, 0.54, 0.19


@pytest.fixture
def churn() -> ChurnConfig:
    return ChurnConfig()


def test_defaults_are_the_tarp_figures(churn: ChurnConfig) -> None:
    assert churn.quick_resolution_h == 24.0
    assert (churn.minor_quick, churn.minor_fixed, churn.minor_unfixed) == (
        MINOR_QUICK,
        MINOR_FIXED,
        MINOR_UNFIXED,
    )
    assert (churn.major_quick, churn.major_fixed, churn.major_unfixed) == (
        MAJOR_QUICK,
        MAJOR_FIXED,
        MAJOR_UNFIXED,
    )


@pytest.mark.parametrize(
    ("major", "resolved", "ttr", "expected"),
    [
        (False, True, 0.5, MINOR_QUICK),
        (False, True, 24.0, MINOR_QUICK),  # boundary: exactly quick_resolution_h is quick
        (False, True, 24.0 + 1e-9, MINOR_FIXED),
        (False, True, 300.0, MINOR_FIXED),
        (False, False, math.nan, MINOR_UNFIXED),
        (False, False, 1.0, MINOR_UNFIXED),  # a short time is irrelevant if not resolved
        (True, True, 0.0, MAJOR_QUICK),
        (True, True, 24.0, MAJOR_QUICK),
        (True, True, 24.000001, MAJOR_FIXED),
        (True, True, 100.0, MAJOR_FIXED),
        (True, False, math.nan, MAJOR_UNFIXED),
        (True, False, 2.0, MAJOR_UNFIXED),
    ],
)
def test_repurchase_prob_cases(
    churn: ChurnConfig, major: bool, resolved: bool, ttr: float, expected: float
) -> None:
    assert repurchase_prob(churn, major, resolved, ttr) == expected


def test_repurchase_prob_follows_the_configured_threshold() -> None:
    churn = dataclasses.replace(ChurnConfig(), quick_resolution_h=2.0)
    assert repurchase_prob(churn, False, True, 2.0) == MINOR_QUICK
    assert repurchase_prob(churn, False, True, 3.0) == MINOR_FIXED
    assert repurchase_prob(churn, True, True, 3.0) == MAJOR_FIXED


def test_repurchase_prob_ordering(churn: ChurnConfig) -> None:
    # Quick beats fixed beats unfixed, and minor problems keep more customers than major.
    for major in (False, True):
        quick = repurchase_prob(churn, major, True, 1.0)
        fixed = repurchase_prob(churn, major, True, 48.0)
        unfixed = repurchase_prob(churn, major, False, math.nan)
        assert quick > fixed > unfixed
    for resolved, ttr in ((True, 1.0), (True, 48.0), (False, math.nan)):
        assert repurchase_prob(churn, False, resolved, ttr) > repurchase_prob(
            churn, True, resolved, ttr
        )


def test_repurchase_probs_match_the_scalar_definition(churn: ChurnConfig) -> None:
    from escalationsim.engine.records import repurchase_probs

    cases = [
        (major, resolved, ttr)
        for major in (False, True)
        for resolved in (False, True)
        for ttr in (0.0, 1.0, 24.0, 24.0 + 1e-9, 300.0, math.nan)
    ]
    major, resolved, ttr = (np.array(col) for col in zip(*cases, strict=True))
    got = repurchase_probs(churn, major, resolved, ttr)
    want = [repurchase_prob(churn, m, r, t) for m, r, t in cases]
    assert got.tolist() == want


def _population(n: int):
    from escalationsim.engine.population import Population

    idx = np.arange(n, dtype=float)
    return Population(
        arrival_h=idx * 10.0,
        followers=np.arange(n, dtype=np.int64) * 100,
        first_channel=np.array([i % 4 for i in range(n)], dtype=np.int8),
        uses_social=np.array([i % 2 == 0 for i in range(n)]),
        knows_ceo=np.zeros(n, dtype=bool),
        persistence=np.full(n, 0.5),
        patience=np.ones(n),
        clv=1000.0 + idx,
        needs_exception=np.array([i % 3 == 0 for i in range(n)]),
        exception_value=50.0 + idx,
        cause=np.arange(n, dtype=np.int16),
        u_direct=np.full(n, 0.5),
        u_churn=np.linspace(0.0, 0.99, n),
        u_prevent=np.full(n, 0.5),
    )


def test_log_columns_come_from_the_journey_the_customer_table_and_churn() -> None:
    """Rows written out of order come back in complaint order; attributes come from the
    customer table by id; TTR, churn, channels reached and escalated to and tracking are
    derived correctly; rows
    before ``start`` are ignored."""
    from escalationsim.engine.customer import Customer
    from escalationsim.engine.population import CEO, SOCIAL
    from escalationsim.engine.records import _COLUMNS, ComplaintLog
    from escalationsim.kernel.codes import Role, Status
    from escalationsim.kernel.rng import ROW

    churn = ChurnConfig()
    pop = _population(6)
    log = ComplaintLog(pop, start=2, stop=6, churn=churn, untracked=1 << CEO)
    closed = {}
    for i in (5, 0, 3, 2):  # closing order; 0 is before the window
        c = Customer(
            i,
            float(pop.arrival_h[i]),
            int(pop.followers[i]),
            int(pop.first_channel[i]),
            True,
            False,
            0.5,
            1.0,
            bool(pop.needs_exception[i]),
            float(pop.exception_value[i]),
            float(pop.clv[i]),
            float(pop.u_churn[i]),
            np.zeros((1, ROW)),
            0,
        )
        c.contacts = i + 1
        c.hours[0] = 0.25 * i
        c.hours[5] = 0.01 * i
        if i in (3, 5):
            c.status = Status.resolved
            c.resolved_by = Role.rep
            c.resolved_at = float(pop.arrival_h[i]) + 2.0 * i
        else:
            c.status = Status.gave_up
        c.tried = (1 << SOCIAL) | (1 << CEO) if i == 5 else 1 << int(pop.first_channel[i])
        log.record(c)
        closed[i] = c
    log.finalise()
    cols = log.cols
    assert list(cols) == list(_COLUMNS)
    assert cols["complaint_id"].tolist() == [2, 3, 5]
    assert len(log) == 3
    assert cols["arrival_time"].tolist() == [20.0, 30.0, 50.0]
    assert cols["clv"].tolist() == [1002.0, 1003.0, 1005.0]
    assert cols["cause"].tolist() == [2, 3, 5]
    assert cols["preferred_channel"].tolist() == [2, 3, 1]
    assert cols["contacts"].tolist() == [3, 4, 6]
    assert cols["hours_reps"].tolist() == [0.5, 0.75, 1.25]
    assert cols["hours_audit"].tolist() == [0.02, 0.03, 0.05]
    ttr = cols["time_to_resolution_h"]
    assert math.isnan(ttr[0]) and ttr[1:].tolist() == [6.0, 10.0]
    assert cols["reached_social"].tolist() == [True, False, True]
    assert cols["reached_ceo"].tolist() == [False, True, True]
    # escalated: reached after the first contact; tracked: no contact on an untracked channel
    assert cols["escalated_social"].tolist() == [False, False, True]
    assert cols["escalated_ceo"].tolist() == [False, False, True]
    assert cols["tracked"].tolist() == [True, False, False]
    for k, i in enumerate((2, 3, 5)):
        c = closed[i]
        resolved = c.status == Status.resolved
        p = repurchase_prob(churn, bool(pop.needs_exception[i]), resolved, float(ttr[k]))
        assert cols["churned"][k] == (pop.u_churn[i] >= p)
    for name, dtype in _COLUMNS.items():
        assert cols[name].dtype == np.dtype(dtype), name


def test_packed_rows_read_back_as_the_structured_dtype() -> None:
    """Rows packed by ``row_struct`` and read with ``np.frombuffer`` hold the values numpy
    itself would store, NaN, enums and bools included; an aligned dtype is refused."""
    from escalationsim.engine.records import _DTYPE, row_struct
    from escalationsim.kernel.codes import Role, Status

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
