"""Light processes: same timing and values as SimPy processes, without their own events."""

from __future__ import annotations

import math

import pytest
import simpy

from escalationsim.kernel.process import LightProcess


def _steps(env: simpy.Environment) -> int:
    n = 0
    while env.peek() < math.inf:
        env.step()
        n += 1
    return n


def _walker(env: simpy.Environment, log: list) -> simpy.events.ProcessGenerator:
    log.append(("start", env.now))
    got = yield env.timeout(1.5, value="a")
    log.append((got, env.now))
    got = yield env.timeout(2.0, value="b")
    log.append((got, env.now))


def test_runs_at_once_and_resumes_with_values_at_the_same_times_as_a_simpy_process() -> None:
    light_env, light = simpy.Environment(), []
    LightProcess(_walker(light_env, light))
    assert light == [("start", 0.0)]  # ran up to its first yield, before the loop started
    n_light = _steps(light_env)

    simpy_env, reference = simpy.Environment(), []
    simpy_env.process(_walker(simpy_env, reference))
    n_simpy = _steps(simpy_env)

    assert light == reference == [("start", 0.0), ("a", 1.5), ("b", 3.5)]
    assert n_light == 2  # only the two timeouts it waited for
    assert n_simpy == 4  # SimPy adds its Initialize and completion events


def test_an_already_processed_event_resumes_at_once() -> None:
    env = simpy.Environment()
    done = env.event()
    done.succeed("x")
    env.run()  # processes `done`
    log = []

    def proc():
        log.append((yield done))
        log.append((yield env.timeout(1.0)))

    LightProcess(proc())
    assert log == ["x"]
    env.run()
    assert log == ["x", None] and env.now == 1.0


def test_a_failed_event_is_thrown_into_the_generator() -> None:
    env = simpy.Environment()
    ev = env.event()
    caught = []

    def proc():
        try:
            yield ev
        except KeyError as e:
            caught.append(e.args[0])

    LightProcess(proc())
    ev.fail(KeyError("boom"))
    env.run()
    assert caught == ["boom"]


def test_an_exception_inside_propagates_out_of_run() -> None:
    env = simpy.Environment()

    def proc():
        yield env.timeout(1.0)
        raise ValueError("inside")

    LightProcess(proc())
    with pytest.raises(ValueError, match="inside"):
        env.run()


def test_yielding_something_else_than_an_event_is_an_error() -> None:
    env = simpy.Environment()

    def proc():
        yield env.timeout(1.0)
        yield 5

    LightProcess(proc())
    with pytest.raises(RuntimeError, match="proc yielded 5, which is not a SimPy event"):
        env.run()


def test_a_generator_that_ends_before_yielding_is_fine() -> None:
    ran = []

    def proc():
        ran.append(True)
        return
        yield  # a generator

    LightProcess(proc())
    assert ran == [True]


def test_the_kernels_timeout_is_scheduled_as_simpys():
    """kernel.timeout.Timeout puts the same entry on the event queue as simpy.Timeout
    (time now + delay, priority, the next event id), fires with its value, and refuses
    a negative delay."""
    import simpy

    from escalationsim.kernel.timeout import Timeout

    env_a, env_b = simpy.Environment(initial_time=0.1), simpy.Environment(initial_time=0.1)
    ours = [Timeout(env_a, d, value=d) for d in (0.2, 0.0, 1e-17, 3.0)]
    for d in (0.2, 0.0, 1e-17, 3.0):
        simpy.Timeout(env_b, d, value=d)
    assert [q[:3] for q in env_a._queue] == [q[:3] for q in env_b._queue]
    got: list[float] = []
    for ev in ours:
        ev.callbacks.append(lambda e: got.append(e.value))
    env_a.run()
    assert got == [0.0, 1e-17, 0.2, 3.0] and isinstance(ours[0], simpy.Timeout)
    with pytest.raises(ValueError, match="Negative delay"):
        Timeout(env_a, -1.0)
