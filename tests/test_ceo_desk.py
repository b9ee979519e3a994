"""The CEO's desk (kernel/ceo_desk.py): letters read in priority order, ties first sent
first, inside the weekly blocks; a letter withdrawn before the CEO starts it is never
worked and costs nothing, one started cannot be withdrawn."""

from __future__ import annotations

import simpy

from escalationsim.kernel.ceo_desk import CeoDesk


def _desk(env: simpy.Environment) -> CeoDesk:
    # one hour a day, Monday to Friday, from 09:00; measured over the whole run
    return CeoDesk(env, 0, 5.0, 5, 9.0, 100.0, (0.0, 1e9))


def test_letters_are_read_in_priority_order_ties_first_sent_first() -> None:
    env = simpy.Environment()
    desk = _desk(env)
    done: list[str] = []
    for name, prio in (("a", 0.0), ("b", -1.0), ("c", 0.0), ("d", -5.0)):
        letter = desk.post(0.25, None, prio)
        letter.done.callbacks.append(lambda _e, n=name: done.append(n))
    env.run(until=24)
    assert done == ["d", "b", "a", "c"]
    assert desk.queue_length == 0 and desk.hours_owed() == 0.0


def test_a_withdrawn_letter_is_never_worked_nor_charged_and_a_started_one_stays() -> None:
    env = simpy.Environment()
    desk = _desk(env)
    account = [0.0]
    first = desk.post(0.5, account)
    second = desk.post(0.5, account)
    assert desk.withdraw(second) and not desk.withdraw(second)  # once only
    assert desk.queue_length == 1 and desk.hours_owed() == 0.5
    env.run(until=9.25)  # the CEO is a quarter of an hour into the first letter
    assert not desk.withdraw(first)  # started: it stays
    env.run(until=48)
    assert first.done.triggered and not second.done.triggered
    assert account == [0.5]  # only the letter worked is charged
    assert desk.queue_length == 0


def test_send_keeps_first_in_first_out() -> None:
    env = simpy.Environment()
    desk = _desk(env)
    done: list[int] = []
    for i in range(5):
        desk.send(0.3).callbacks.append(lambda _e, i=i: done.append(i))
    env.run(until=24 * 3)
    assert done == [0, 1, 2, 3, 4]
