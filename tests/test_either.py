"""kernel.either: the first of two events, in the order a SimPy condition would give."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy

from escalationsim.kernel.either import first_of


def _trace(wait: Callable[[simpy.Event, simpy.Event], simpy.Event]) -> list[tuple[float, str]]:
    """Processes racing answers against timers, with ties at the same instant and other
    work scheduled around them; the order in which each resumes."""
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []

    def answerer(done: simpy.Event, at: float) -> Generator[Any, Any, None]:
        yield env.timeout(at)
        done.succeed()

    def writer(name: str, answer_at: float, timer: float) -> Generator[Any, Any, None]:
        done = env.event()
        env.process(answerer(done, answer_at))
        yield wait(done, env.timeout(timer))
        seen.append((env.now, f"{name} {'answered' if done.triggered else 'timed out'}"))
        yield env.timeout(1.0)  # other work at a tie with the next writers
        seen.append((env.now, f"{name} next"))

    def bystander(name: str, at: float) -> Generator[Any, Any, None]:
        yield env.timeout(at)
        seen.append((env.now, name))

    for i, (answer_at, timer) in enumerate([(2.0, 3.0), (3.0, 2.0), (2.0, 2.0), (1.0, 4.0)]):
        env.process(writer(f"w{i}", answer_at, timer))
        env.process(bystander(f"b{i}", 2.0 + i % 2))
    env.run(until=10)
    return seen


def test_first_of_resumes_in_the_order_an_any_of_condition_does() -> None:
    assert _trace(first_of) == _trace(lambda a, b: a | b)
    assert (2.0, "w0 answered") in _trace(first_of)
    assert (2.0, "w1 timed out") in _trace(first_of)


def test_an_event_processed_already_fires_it_at_once_and_a_failure_is_passed_on() -> None:
    env = simpy.Environment()
    done = env.event().succeed()
    env.run()  # processed
    either = first_of(done, env.timeout(5.0))
    env.run(until=1.0)
    assert either.processed and either.value is None

    failed = env.event()
    caught: list[Exception] = []

    def waiter() -> Generator[Any, Any, None]:
        try:
            yield first_of(failed, env.timeout(5.0))
        except ValueError as exc:
            caught.append(exc)

    env.process(waiter())
    failed.fail(ValueError("no"))
    env.run(until=2.0)
    assert [str(e) for e in caught] == ["no"]


def test_the_later_event_does_nothing_when_it_comes() -> None:
    env = simpy.Environment()
    a, b = env.event(), env.timeout(2.0)
    either = first_of(a, b)
    a.succeed()
    env.run(until=3.0)
    assert either.processed and b.processed
    with pytest.raises(RuntimeError):
        either.succeed()  # triggered once, not again by b
