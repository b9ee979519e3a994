"""Tests for escalationsim.analysis.complaints: the complaint table derived from a run's
recorded journeys (time to resolution, churn, channels reached and escalated to,
tracking)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.analysis.complaints import ComplaintTable, output_columns
from escalationsim.config.scenario import ChurnConfig, ScenarioConfig
from escalationsim.engine.churn import repurchase_prob
from escalationsim.engine.customer import Customer
from escalationsim.engine.customer_base import Memory
from escalationsim.engine.population import Population
from escalationsim.engine.recorder import ComplaintLog
from escalationsim.kernel.codes import Role, Status
from escalationsim.kernel.rng import ROW
from tests.codes import CEO, SOCIAL


def _population(n: int):
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
        claim_weak=np.array([i % 6 == 0 for i in range(n)]),
        customer_id=np.full(n, -1, dtype=np.int64),
        u_accept=np.zeros(n),
        u_first=np.zeros(n),
        u_public=np.zeros(n),
        u_ombudsman=np.linspace(0.0, 0.99, n)[::-1].copy(),
    )


def test_log_columns_come_from_the_journey_the_customer_and_churn() -> None:
    """Rows written out of order come back in complaint order; the customer's fields
    come from the customer table as a block's complaints start, except that a repeat
    complaint shows what its customer keeps from their first complaint (the customer
    base's memory), not its table row's; TTR, churn, channels reached and escalated to
    and tracking are derived correctly; rows before ``start`` are ignored."""
    churn = ChurnConfig()
    pop = _population(6)
    log = ComplaintLog()
    log.start = 2
    memory = Memory()
    first = Customer(9, 0.0, 55, 0, True, False, 0.9, 1.0, False, 0.0, 7.0, 0.5, 0, 0.5, 0.5,
                     0.5, np.zeros((1, ROW)), 0)  # fmt: skip
    first.customer_id = 42
    assert memory.add(first) == 0  # complaint 5's customer, who complained before
    rows = {}
    for i in (0, 2, 3):  # the others are first complaints: their rows hold their values
        c = Customer(i, 0.0, int(pop.followers[i]), 0, bool(pop.uses_social[i]), False,
                     float(pop.persistence[i]), 1.0, False, 0.0, float(pop.clv[i]), 0.5, 0,
                     0.5, 0.5, 0.5, np.zeros((1, ROW)), 0)  # fmt: skip
        c.customer_id = i
        rows[i] = memory.add(c)
    started = [0, 2, 3, 5]  # in arrival order; 0 is before the window
    log.started(pop, 0, started, [rows.get(i, 0) for i in started], memory)
    closed = {}
    for i in (5, 0, 3, 2):  # closing order
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
            int(pop.cause[i]),
            0.5,
            0.5,
            float(pop.u_ombudsman[i]),
            np.zeros((1, ROW)),
            0,
            bool(pop.claim_weak[i]),
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
    assert len(log) == 3
    cols = ComplaintTable(
        log.columns, ScenarioConfig(churn=churn), untracked=1 << CEO, end_h=100.0
    ).columns
    assert list(cols) == [name for name, _ in output_columns()]
    assert cols["complaint_id"].tolist() == [2, 3, 5]
    assert cols["arrival_time"].tolist() == [20.0, 30.0, 50.0]
    assert cols["clv"].tolist() == [1002.0, 1003.0, 7.0]  # 5: its customer's first
    assert cols["followers"].tolist() == [200, 300, 55]
    assert cols["uses_social"].tolist() == [True, False, True]
    assert cols["persistence"].tolist() == [0.5, 0.5, 0.9]
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
    for name, dtype in output_columns():
        assert cols[name].dtype == np.dtype(dtype), name


def test_log_refuses_rows_of_complaints_it_did_not_see_start() -> None:
    """The customer fields are lined up with the rows by complaint order: a complaint
    recorded but never started (or started and never recorded) is an error, not a
    shifted table."""
    pop = _population(3)
    for started, recorded in (([0, 1], [0, 2]), ([0, 1, 2], [0, 2])):
        log = ComplaintLog()
        log.start = 0
        log.started(pop, 0, started, [], None)
        for i in recorded:
            c = Customer(i, 0.0, 0, 0, False, False, 0.5, 1.0, False, 0.0, 1.0, 0.5, 0, 0.5,
                         0.5, 0.5, np.zeros((1, ROW)), 0)  # fmt: skip
            log.record(c)
        with pytest.raises(RuntimeError, match="not the complaints started"):
            log.finalise()


def test_log_keeps_only_the_window_and_empty_blocks() -> None:
    """A block started before the window, or with no complaint, adds nothing."""
    pop = _population(4)
    log = ComplaintLog()
    log.start = 10
    log.started(pop, 0, [0, 1, 3], [], None)  # all before the window
    log.started(pop, 4, [], [], None)  # a block without complaints
    log.finalise()
    assert len(log) == 0
    assert log.columns["clv"].dtype == np.float64
