"""Weekly staff schedules (kernel.schedule) and a pool following one (kernel.staff_pool)."""

from __future__ import annotations

import itertools

import pytest
import simpy

from escalationsim.kernel.schedule import WEEK_H, Schedule, Shift
from escalationsim.kernel.staff_pool import StaffPool

WEEKDAYS = (0, 1, 2, 3, 4)


def test_constant_schedule_pays_every_hour() -> None:
    s = Schedule.constant(3)
    assert s.is_constant and s.peak == 3
    assert s.count_at(1234.5) == 3
    assert s.hours(10.0, 34.0) == 72.0
    assert list(s.changes(0.0)) == []


def test_business_hours_shift() -> None:
    s = Schedule.from_shifts([Shift(WEEKDAYS, 9.0, 17.0, 2)])
    assert s.count_at(8.99) == 0 and s.count_at(9.0) == 2 and s.count_at(16.99) == 2
    assert s.count_at(17.0) == 0
    assert s.count_at(5 * 24 + 12) == 0  # Saturday noon
    assert s.count_at(WEEK_H + 24 + 10) == 2  # Tuesday of week 1
    assert s.weekly_hours() == 5 * 8 * 2
    assert s.hours(0.0, 3 * WEEK_H) == pytest.approx(3 * 80)
    assert s.hours(9.0, 13.0) == pytest.approx(8.0)
    first = list(itertools.islice(s.changes(0.0), 3))
    assert first == [(9.0, 2), (17.0, 0), (33.0, 2)]


def test_overlapping_and_overnight_shifts_add_up() -> None:
    s = Schedule.from_shifts(
        [Shift(WEEKDAYS, 8.0, 16.0, 3), Shift(WEEKDAYS, 12.0, 20.0, 2), Shift((6,), 22.0, 6.0, 1)]
    )
    assert s.count_at(13.0) == 5 and s.count_at(17.0) == 2 and s.count_at(7.0) == 0
    # Sunday 22:00 to Monday 06:00 wraps round the end of the week
    assert s.count_at(6 * 24 + 23) == 1 and s.count_at(WEEK_H + 3) == 1 and s.count_at(3) == 1
    assert s.weekly_hours() == pytest.approx(5 * (24 + 16) + 8)


def test_hourly_tables_of_a_day_or_a_week() -> None:
    day = [0] * 8 + [4] * 10 + [1] * 6
    s = Schedule.from_table(day)
    assert s.count_at(24 * 3 + 9.5) == 4 and s.count_at(20.0) == 1 and s.count_at(2.0) == 0
    assert s.weekly_hours() == 7 * (40 + 6)
    assert Schedule.from_table(day * 7) == s
    with pytest.raises(ValueError):
        Schedule.from_table([1] * 23)


def test_scaling_rounds_up_and_keeps_zeros() -> None:
    s = Schedule.from_shifts([Shift(WEEKDAYS, 9.0, 17.0, 3)]).scaled(1.5)
    assert s.peak == 5 and s.count_at(3.0) == 0


def _served_at(schedule: Schedule, arrivals: list[float], work_h: float) -> list[float]:
    env = simpy.Environment()
    pool = StaffPool(env, "x", 0, schedule.peak, 10.0, (0.0, 1e9), schedule)
    started: list[float] = []

    def customer(t: float):
        yield env.timeout(t)
        ev = pool.request()
        if ev is not None:
            yield ev
        started.append(env.now)
        yield pool.work(work_h)
        pool.release()

    for t in arrivals:
        env.process(customer(t))
    env.run(until=2 * WEEK_H)
    return started


def test_work_waiting_at_the_end_of_a_shift_waits_for_the_next() -> None:
    s = Schedule.from_shifts([Shift(WEEKDAYS, 9.0, 17.0, 1)])
    # Friday 16:00 (busy till 18:00, past the shift's end), Friday 16:30 waits for Monday
    fri = 4 * 24
    started = _served_at(s, [fri + 16.0, fri + 16.5, fri + 20.0], 2.0)
    assert started == [fri + 16.0, WEEK_H + 9.0, WEEK_H + 11.0]


def test_work_in_progress_is_finished_and_the_pool_shrinks_after() -> None:
    env = simpy.Environment()
    s = Schedule.from_shifts(
        [Shift(tuple(range(7)), 0.0, 12.0, 2), Shift(tuple(range(7)), 0.0, 24.0, 1)]
    )
    pool = StaffPool(env, "x", 0, 3, 1.0, (0.0, 48.0), s)
    assert pool.count == 3
    for _ in range(3):
        assert pool.request() is None  # three busy at 11:00 below
    env.run(until=12.5)
    assert pool.count == 1 and pool.busy == 3  # two finishing after their shift
    pool.release()
    pool.release()
    assert pool.busy == 1 and pool.free == 0
    assert pool.request() is not None  # the one on duty is busy: wait
    pool.release()  # hands the remaining worker to the waiting request
    assert pool.busy == 1
    assert pool.paid_h() == pytest.approx(2 * (12 * 3 + 12 * 1))
