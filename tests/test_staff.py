"""Tests for escalationsim.kernel.staff: interval overlap, staff pools and the CEO's desk.

Time is in hours; day 0 is a Monday, a week is 168 h.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from escalationsim.kernel.ceo_desk import CeoDesk
from escalationsim.kernel.staff_pool import StaffPool, overlap

WEEK = 168.0
LETTER_H = 0.25


# --------------------------------------------------------------------------- overlap


@pytest.mark.parametrize(
    ("start", "end", "lo", "hi", "expected"),
    [
        (2.0, 5.0, 0.0, 10.0, 3.0),  # inside
        (-3.0, 4.0, 0.0, 10.0, 4.0),  # straddles lo
        (8.0, 15.0, 0.0, 10.0, 2.0),  # straddles hi
        (-1.0, 12.0, 0.0, 10.0, 10.0),  # covers the window
        (11.0, 12.0, 0.0, 10.0, 0.0),  # after
        (-5.0, -1.0, 0.0, 10.0, 0.0),  # before
        (10.0, 12.0, 0.0, 10.0, 0.0),  # touches hi
        (-2.0, 0.0, 0.0, 10.0, 0.0),  # touches lo
        (3.0, 3.0, 0.0, 10.0, 0.0),  # empty task
    ],
)
def test_overlap_cases(start: float, end: float, lo: float, hi: float, expected: float) -> None:
    assert overlap(start, end, lo, hi) == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-100, 100),
    st.floats(0, 50),
    st.floats(-100, 100),
    st.floats(0, 50),
)
def test_overlap_matches_grid_measure(start: float, length: float, lo: float, width: float) -> None:
    got = overlap(start, start + length, lo, lo + width)
    assert 0.0 <= got <= min(length, width) + 1e-12
    # Symmetric in the two intervals.
    assert got == pytest.approx(overlap(lo, lo + width, start, start + length), abs=1e-12)
    # Lebesgue measure estimated on a fine grid (independent of the closed form).
    grid = np.linspace(-100.0, 150.0, 250_001)
    step = grid[1] - grid[0]
    inside = (grid >= start) & (grid < start + length) & (grid >= lo) & (grid < lo + width)
    assert got == pytest.approx(inside.sum() * step, abs=2 * step + 1e-9)


# --------------------------------------------------------------------------- StaffPool


def _job(env: simpy.Environment, pool: StaffPool, at: float, dur: float, log: list, tag: str):
    yield env.timeout(at)
    wait = pool.request()
    if wait is not None:
        yield wait
    log.append((tag, env.now))
    yield pool.work(dur)
    pool.release()


def test_staff_pool_utilisation_hand_schedule() -> None:
    # One worker, window [10, 20].
    #   A arrives 5, works 5..12  -> 2 h inside the window
    #   B arrives 6, waits, works 12..15 -> 3 h inside
    #   C arrives 18, works 18..23 -> 2 h inside
    #   D arrives 20 (= hi, not counted), works 23..24 -> 0 h inside
    env = simpy.Environment()
    pool = StaffPool(env, "reps", 0, count=1, hourly_cost=40.0, window=(10.0, 20.0))
    log: list = []
    for tag, at, dur in [("A", 5, 7), ("B", 6, 3), ("C", 18, 5), ("D", 20, 1)]:
        env.process(_job(env, pool, at, dur, log, tag))
    env.run(until=40)
    assert log == [("A", 5), ("B", 12), ("C", 18), ("D", 23)]
    assert pool.busy_h == pytest.approx(7.0)
    assert pool.utilisation() == pytest.approx(0.7)
    assert pool.inflow == 1  # only C asked inside [10, 20)


def test_staff_pool_utilisation_two_workers_and_serve() -> None:
    # Two workers, window [0, 10]; three 4-hour tasks at t=0 via serve():
    # two run 0..4, the third 4..8 -> 12 busy hours of 20 available.
    env = simpy.Environment()
    pool = StaffPool(env, "managers", 2, count=2, hourly_cost=70.0, window=(0.0, 10.0))
    for _ in range(3):
        env.process(pool.serve(4.0))
    env.run(until=1.0)
    assert pool.queue_length == 1
    env.run(until=20.0)
    assert pool.queue_length == 0
    assert pool.busy_h == pytest.approx(12.0)
    assert pool.utilisation() == pytest.approx(12.0 / 20.0)
    assert pool.inflow == 3


def test_staff_pool_priority_lower_value_first() -> None:
    env = simpy.Environment()
    pool = StaffPool(env, "social", 1, count=1, hourly_cost=1.0, window=(0.0, 100.0))
    order: list[str] = []

    def job(tag: str, at: float, prio: float):
        yield env.timeout(at)
        wait = pool.request(priority=prio)
        if wait is not None:
            yield wait
        order.append(tag)
        yield pool.work(1.0)
        pool.release()

    env.process(job("first", 0.0, 0.0))
    env.process(job("low", 0.1, 5.0))
    env.process(job("high", 0.2, 1.0))
    env.run()
    assert order == ["first", "high", "low"]


# --------------------------------------------------------------------------- CeoDesk


def _desk(
    hours_per_week: float = 5.0,
    days_per_week: int = 5,
    start_hour: float = 9.0,
    window: tuple[float, float] = (0.0, math.inf),
) -> tuple[simpy.Environment, CeoDesk]:
    env = simpy.Environment()
    desk = CeoDesk(env, 4, hours_per_week, days_per_week, start_hour, 5000.0, window)
    return env, desk


def _send_at(env: simpy.Environment, desk: CeoDesk, at: float, work: float, log: list, tag):
    def proc():
        yield env.timeout(at)
        done = desk.send(work)
        yield done
        log.append((tag, env.now))

    env.process(proc())


CAP_CASES = [(4.0, 5), (4.1, 5), (10.0, 7), (3.3, 3), (6.0, 2), (1.0, 1)]


@pytest.mark.parametrize(("hpw", "dpw"), CAP_CASES)
def test_ceo_never_exceeds_weekly_budget(hpw: float, dpw: int) -> None:
    # A huge inbox (500 letters x 0.25 h = 125 h) at t=0; measure each calendar week.
    for week in range(4):
        window = (week * WEEK, (week + 1) * WEEK)
        env, desk = _desk(hpw, dpw, 9.0, window)
        for _ in range(500):
            desk.send(LETTER_H)
        env.run(until=4 * WEEK)
        assert desk.busy_h <= hpw + 1e-9
        # The inbox is never empty, so every scheduled hour is used.
        assert desk.busy_h == pytest.approx(hpw, abs=1e-9)
        assert desk.utilisation() == pytest.approx(1.0, abs=1e-9)
        assert desk.inflow == (500 if week == 0 else 0)


@pytest.mark.parametrize(("hpw", "dpw"), CAP_CASES)
def test_ceo_letters_finished_match_available_hours(hpw: float, dpw: int) -> None:
    block = hpw / dpw
    env, desk = _desk(hpw, dpw, 9.0)
    events = [desk.send(LETTER_H) for _ in range(500)]
    # After four full weeks: 4 * hpw hours were available.
    env.run(until=4 * WEEK)
    expected = math.floor(4 * hpw / LETTER_H + 1e-9)
    assert sum(e.triggered for e in events) == expected
    assert desk.queue_length == 500 - expected
    # Part-way through the first block of week 6 (day 35), 37% of the block done.
    t = 5 * WEEK + 9.0 + 0.37 * block
    hours = 5 * hpw + 0.37 * block
    assert abs(hours / LETTER_H - round(hours / LETTER_H)) > 1e-6  # not on a completion instant
    env.run(until=t)
    assert sum(e.triggered for e in events) == math.floor(hours / LETTER_H)
    # And they were finished first in, first out.
    flags = [e.triggered for e in events]
    assert flags == sorted(flags, reverse=True)


def test_ceo_fifo_hand_computed_times() -> None:
    # Blocks 9:00-10:00 Monday..Friday. Letters 0.5, 0.7, 0.3 h at t=0:
    #   #0: 9.0-9.5 -> 9.5;  #1: 9.5-10.0 + day 1 9.0-9.2 -> 33.2;  #2: 33.2-33.5 -> 33.5
    env, desk = _desk(5.0, 5, 9.0)
    log: list = []
    for i, w in enumerate([0.5, 0.7, 0.3]):
        _send_at(env, desk, 0.0, w, log, i)
    env.run(until=WEEK)
    assert [tag for tag, _ in log] == [0, 1, 2]
    assert [t for _, t in log] == pytest.approx([9.5, 33.2, 33.5])
    assert desk.busy_h == pytest.approx(1.5)


def test_ceo_fifo_random_sizes() -> None:
    rng = np.random.default_rng(11)
    env, desk = _desk(8.0, 4, 10.0)
    log: list = []
    for i, w in enumerate(rng.uniform(0.05, 1.5, size=40)):
        _send_at(env, desk, float(i) * 3.0, float(w), log, i)
    env.run(until=20 * WEEK)
    assert [tag for tag, _ in log] == list(range(40))
    times = [t for _, t in log]
    assert all(b > a for a, b in zip(times, times[1:], strict=False))


def test_ceo_later_letter_waits_behind_earlier_one() -> None:
    # A: 2.5 h at t=0 -> 1 h Mon, 1 h Tue, 0.5 h Wed -> 57.5. B: 0.1 h sent Mon 9:30 -> 57.6.
    env, desk = _desk(5.0, 5, 9.0)
    log: list = []
    _send_at(env, desk, 0.0, 2.5, log, "A")
    _send_at(env, desk, 9.5, 0.1, log, "B")
    env.run(until=WEEK)
    assert [tag for tag, _ in log] == ["A", "B"]
    assert [t for _, t in log] == pytest.approx([57.5, 57.6])


def test_ceo_picks_up_letter_sent_during_idle_block() -> None:
    # Empty inbox at 9:00; a letter arriving at 9:15 is started at once (done 9:45); one
    # arriving at 9:48 gets 0.2 h on Monday and 0.3 h on Tuesday (done 33.3).
    env, desk = _desk(5.0, 5, 9.0)
    log: list = []
    _send_at(env, desk, 9.25, 0.5, log, "a")
    _send_at(env, desk, 9.80, 0.5, log, "b")
    env.run(until=WEEK)
    assert log[0] == ("a", pytest.approx(9.75))
    assert log[1] == ("b", pytest.approx(24.0 + 9.0 + 0.3))


@pytest.mark.parametrize("sent_at", [5 * 24 + 9.2, 5 * 24 + 10.0, 6 * 24 + 9.0, 4 * 24 + 12.0])
def test_ceo_letter_sent_at_weekend_waits_for_monday(sent_at: float) -> None:
    # Saturday 9:12 and 10:00, Sunday 9:00 and Friday after the block: all go to Monday.
    env, desk = _desk(5.0, 5, 9.0)
    log: list = []
    _send_at(env, desk, sent_at, 0.5, log, "x")
    monday = 7 * 24 + 9.0
    env.run(until=monday - 1e-6)
    assert log == []
    assert desk.busy_h == 0.0
    env.run(until=2 * WEEK)
    assert log == [("x", pytest.approx(monday + 0.5))]
    assert desk.busy_h == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("hpw", "dpw", "start", "lo", "hi", "expected"),
    [
        (4.0, 5, 9.0, 0.0, WEEK, 4.0),  # one week
        (4.0, 5, 9.0, 0.0, 2 * WEEK, 8.0),
        (4.0, 5, 9.0, 9.4, 57.4, 0.4 + 0.8 + 0.4),  # Mon 9:24 .. Wed 9:24
        (4.0, 5, 9.0, 5 * 24.0, 7 * 24.0, 0.0),  # the weekend
        (4.0, 5, 9.0, 4 * 24.0, 8 * 24.0, 0.8 + 0.8),  # Fri .. Mon (incl.)
        (4.0, 5, 9.0, 0.0, 9.0, 0.0),  # before the first block
        (4.0, 5, 9.0, 9.8, 33.0, 0.0),  # between two blocks
        (7.0, 7, 22.0, 0.0, 24.0 * 3, 3.0),  # late blocks 22:00-23:00, every day
        (6.0, 3, 0.0, 24.0, 3 * 24.0 + 1.0, 4.0),  # Tue 0-2, Wed 0-2; Thu is off
    ],
)
def test_ceo_available_hours_hand_counts(
    hpw: float, dpw: int, start: float, lo: float, hi: float, expected: float
) -> None:
    _, desk = _desk(hpw, dpw, start)
    assert desk.available_h(lo, hi) == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(CAP_CASES),
    st.floats(0, 20),
    st.floats(0, 3 * WEEK),
    st.floats(0, 3 * WEEK),
    st.integers(0, 3),
)
def test_ceo_available_hours_additive_and_weekly(
    case: tuple[float, int], start: float, a: float, b: float, weeks: int
) -> None:
    hpw, dpw = case
    start = min(start, 24.0 - hpw / dpw)
    _, desk = _desk(hpw, dpw, start)
    lo, hi = sorted((a, b))
    mid = 0.5 * (lo + hi)
    total = desk.available_h(lo, hi)
    assert total == pytest.approx(desk.available_h(lo, mid) + desk.available_h(mid, hi), abs=1e-9)
    assert 0.0 <= total <= hi - lo + 1e-9
    # Any whole number of weeks starting at a midnight holds exactly hpw per week.
    day0 = math.floor(a / 24.0) * 24.0
    assert desk.available_h(day0, day0 + weeks * WEEK) == pytest.approx(weeks * hpw, abs=1e-9)


def test_ceo_utilisation_empty_inbox_is_zero() -> None:
    env, desk = _desk(4.0, 5, 9.0, window=(0.0, 2 * WEEK))
    env.run(until=2 * WEEK)
    assert desk.busy_h == 0.0
    assert desk.utilisation() == pytest.approx(0.0, abs=1e-9)


def test_ceo_utilisation_overfull_inbox_is_one_in_partial_window() -> None:
    env, desk = _desk(4.0, 5, 9.0, window=(9.4, 57.4))
    for _ in range(50):
        desk.send(LETTER_H)
    env.run(until=WEEK)
    assert desk.busy_h == pytest.approx(1.6, abs=1e-9)
    assert desk.utilisation() == pytest.approx(1.0, abs=1e-9)
    assert desk.inflow == 0  # sent at t=0, before the window opened


def test_ceo_utilisation_partly_busy() -> None:
    # 1 h of work in a week of 5 available hours -> 0.2.
    env, desk = _desk(5.0, 5, 9.0, window=(0.0, WEEK))
    desk.send(0.6)
    desk.send(0.4)
    env.run(until=WEEK)
    assert desk.utilisation() == pytest.approx(0.2)
    assert desk.inflow == 2


def test_request_with_patience_reneges_or_is_served() -> None:
    """A request leaves the queue when patience runs out; one granted first is served, and
    the timer firing later changes nothing."""
    import simpy

    from escalationsim.kernel.staff_pool import RENEGED, StaffPool

    env = simpy.Environment()
    pool = StaffPool(env, "reps", 0, 1, 40.0, (0.0, 10.0))
    assert pool.request() is None  # the only worker is free: taken at once, no event
    outcomes: dict[str, object] = {}

    def caller(name: str, patience: float):
        wait = pool.request_with_patience(0, patience)
        assert wait is not None  # the worker is busy: both callers queue
        value = yield wait
        outcomes[name] = (value, env.now)
        if value is not RENEGED:
            yield env.timeout(0.1)
            pool.release()

    env.process(caller("impatient", 0.5))
    env.process(caller("patient", 5.0))
    env.run(until=1.0)
    assert outcomes["impatient"] == (RENEGED, 0.5)
    assert pool.queue_length == 1  # only the patient caller still waits
    pool.release()
    env.run(until=10.0)
    assert outcomes["patient"][0] is not RENEGED and outcomes["patient"][1] == 1.0
    assert pool.queue_length == 0 and pool.busy == 0


def test_request_kept_stays_in_its_place_after_patience() -> None:
    """A kept request whose patience runs out tells its customer (RENEGED) but stays
    queued at its own place: a worker reaches it after the earlier request and before the
    later one, and ``late`` gets that worker."""
    from escalationsim.kernel.staff_pool import RENEGED, StaffPool

    env = simpy.Environment()
    pool = StaffPool(env, "reps", 0, 1, 40.0, (0.0, 10.0))
    assert pool.request() is None  # the only worker is busy until released
    order: list[str] = []
    told: list[object] = []

    def customer(name: str, kept: bool):
        if kept:
            wait = pool.request_kept(0, 0.5, 0, lambda _ev: (order.append(name), pool.release()))
        else:
            wait = pool.request(0)
        assert wait is not None
        value = yield wait
        told.append((name, value, env.now))
        if value is not RENEGED:
            order.append(name)
            pool.release()

    env.process(customer("first", False))
    env.process(customer("kept", True))
    env.process(customer("last", False))
    env.run(until=1.0)
    assert told == [("kept", RENEGED, 0.5)]  # the customer moved on...
    assert pool.queue_length == 3  # ...and the request still waits, with the other two
    pool.release()
    env.run(until=10.0)
    assert order == ["first", "kept", "last"]
    assert pool.queue_length == 0 and pool.busy == 0


def test_hand_over_gives_the_worker_to_a_waiting_request() -> None:
    """The worker reaching a kept request can be handed to another waiting request (the
    writer's chaser): that one is served at once, and is not served again later."""
    from escalationsim.kernel.staff_pool import RENEGED, StaffPool

    env = simpy.Environment()
    pool = StaffPool(env, "reps", 0, 1, 40.0, (0.0, 10.0))
    assert pool.request() is None
    served: list[tuple[str, float]] = []
    chaser: dict[str, simpy.Event] = {}

    def writer():
        first = pool.request_kept(0, 0.5, 0, lambda _ev: pool.hand_over(chaser["ev"], 0.6))
        assert (yield first) is RENEGED
        yield env.timeout(0.1)
        chaser["ev"] = pool.request_kept(0, 5.0, 0, lambda _ev: pytest.fail("served twice"))
        assert (yield chaser["ev"]) is not RENEGED
        served.append(("chaser", env.now))
        yield env.timeout(0.1)
        pool.release()

    env.process(writer())
    env.run(until=1.0)
    assert pool.queue_length == 2  # the first email and its chaser
    pool.release()
    env.run(until=10.0)
    assert served == [("chaser", 1.0)]  # answered when a rep reached the first email
    assert pool.queue_length == 0 and pool.busy == 0
    assert pool.served == pool.inflow == 3  # the first task, the email and its chaser


def test_request_late_waits_for_a_worker_or_takes_a_free_one() -> None:
    """A request no one waits for takes a free worker at once, else the next one."""
    from escalationsim.kernel.staff_pool import StaffPool

    env = simpy.Environment()
    pool = StaffPool(env, "reps", 0, 1, 40.0, (0.0, 10.0))
    got: list[float] = []
    pool.request_late(0, 0, lambda _ev: got.append(env.now))
    assert got == [0.0] and pool.busy == 1
    pool.request_late(0, 0, lambda _ev: got.append(env.now))
    env.run(until=2.0)
    assert got == [0.0] and pool.queue_length == 1
    pool.release()
    env.run(until=3.0)
    assert got == [0.0, 2.0] and pool.busy == 1


def test_head_counts_fixed_unless_scaled() -> None:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.experiment.staffing import head_counts

    s = ScenarioConfig.first_version()  # staff around the clock
    s.volume_per_day = 5000.0
    assert head_counts(s) == {
        "reps": s.staff.reps.count,
        "social": s.staff.social.count,
        "managers": s.staff.managers.count,
        "exec_office": s.staff.exec_office.count,
    }


def test_scaled_reps_are_the_fewest_meeting_the_abandonment_target() -> None:
    import math

    from escalationsim.analysis.analytic import erlang_a
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.experiment.staffing import head_counts

    for vol in (25.0, 500.0, 3200.0):
        s = ScenarioConfig.first_version()  # staff around the clock
        s.volume_per_day = vol
        s.staff.scale_with_volume = True
        counts = head_counts(s)
        lam = vol / 24 * s.population.first_channel_phone
        mu = 60 / s.handle_times.phone.mean_min
        theta = 3600 / s.channels.phone.patience_mean_s
        email = math.ceil(
            vol / 24 * s.population.first_channel_email * s.handle_times.email.mean_min / 60
        )
        phone = counts["reps"] - email
        target = s.targets.phone_abandon_max / 2
        assert erlang_a(lam, mu, phone, theta).p_abandon <= target
        if phone > 1:
            assert erlang_a(lam, mu, phone - 1, theta).p_abandon > target
        ratio = vol / s.staff.reference_volume_per_day
        assert counts["managers"] == max(1, math.ceil(s.staff.managers.count * ratio - 1e-9))


def test_reserved_work_starts_only_while_enough_workers_stay_free() -> None:
    """Trunk reservation: an email (reserve 1) waits while it would take the last free
    rep; a call (reserve 0) takes that rep at once."""
    env = simpy.Environment()
    pool = StaffPool(env, "reps", 0, 2, 40.0, (0.0, 10.0))
    assert pool.request(0.0) is None  # a call takes one rep: one free
    email = pool.request(1000.0, reserve=1)
    assert email is not None and pool.free == 1  # would leave none free: waits
    assert pool.request(0.0) is None  # a call still gets the free rep
    pool.release()  # one rep free again, none other free: the email still waits
    assert not email.triggered and pool.free == 1
    pool.release()  # now a second rep is free: the email starts, one stays free
    assert email.triggered and pool.free == 1 and pool.queue_length == 0


def test_no_reservation_is_the_plain_priority_queue() -> None:
    env = simpy.Environment()
    pool = StaffPool(env, "reps", 0, 1, 40.0, (0.0, 10.0))
    assert pool.request(0.0) is None
    a = pool.request(1000.0)
    b = pool.request(0.0)
    pool.release()
    assert b.triggered and not a.triggered  # the call first, whatever the order of asking
    pool.release()
    assert a.triggered


def test_scaled_staffing_follows_the_arrival_profile_hour_by_hour() -> None:
    from escalationsim.analysis.analytic import erlang_a
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.experiment.staffing import staffing

    s = ScenarioConfig.first_version()  # staff around the clock
    s.volume_per_day = 2000.0
    s.staff.scale_with_volume = True
    s.arrivals.hourly_profile = [0.2] * 8 + [2.0] * 10 + [0.6] * 6
    s.arrivals.weekly_profile = [1.2, 1.0, 1.0, 1.0, 1.0, 0.5, 0.3]
    reps = staffing(s)["reps"]
    email = math.ceil(2000 / 24 * 0.36 * 6 / 60 - 1e-9)
    assert reps.count_at(10.0) > reps.count_at(3.0)  # Monday 10:00 against 03:00
    assert reps.count_at(10.0) > reps.count_at(5 * 24 + 10.0)  # against Saturday 10:00
    h = np.array(s.arrivals.hourly_profile) / np.mean(s.arrivals.hourly_profile)
    w = np.array(s.arrivals.weekly_profile) / np.mean(s.arrivals.weekly_profile)
    for day, hour in ((0, 10), (2, 3), (6, 20)):
        lam = 2000 / 24 * 0.6 * h[hour] * w[day]
        c = reps.count_at(day * 24 + hour + 0.5) - email
        target = s.targets.phone_abandon_max / 2
        assert erlang_a(lam, 7.5, c, 40.0).p_abandon <= target
        if c > 1:
            assert erlang_a(lam, 7.5, c - 1, 40.0).p_abandon > target
