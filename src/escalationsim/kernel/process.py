"""Light processes: generators resumed by the callbacks of the SimPy events they yield.

A :class:`simpy.Process` costs two events besides the ones it waits for: an
``Initialize`` event that starts it and its own completion event when it ends. The
model starts a process for every customer (and for every audit), and none of them needs
either: a journey starts the moment its customer arrives, inside the arrivals loop, and
nobody waits for a journey to end. A :class:`LightProcess` runs its generator at once up
to the first event it yields and resumes it from that event's callback, using only
SimPy's public event interface; the events it waits for, the event loop and the order of
simultaneous events stay SimPy's own.

Differences from :class:`simpy.Process`, none of which the model uses: a light process
is not an event (it cannot be yielded or waited for), cannot be interrupted, and is not
``env.active_process``. An exception raised inside it propagates out of ``env.run``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

ProcessGenerator = Generator[simpy.Event, Any, Any]


class LightProcess:
    """Drive ``generator``: run it now up to its first yield, then resume it each time
    the event it yielded is processed, with that event's value (or its exception)."""

    __slots__ = ("_generator",)

    def __init__(self, generator: ProcessGenerator) -> None:
        self._generator = generator
        try:
            event = generator.send(None)
        except StopIteration:
            return
        try:
            event.callbacks.append(self._resume)  # the usual case: a pending event
        except AttributeError:  # processed already (callbacks is None), or not an event
            self._wait(event)

    def _wait(self, event: Any) -> None:
        """Resume when ``event`` is processed (at once if it already was)."""
        try:
            callbacks = event.callbacks
        except AttributeError:
            raise RuntimeError(
                f"{self._generator.__name__} yielded {event!r}, which is not a SimPy event"
            ) from None
        if callbacks is None:  # already processed
            self._resume(event)
        else:
            callbacks.append(self._resume)

    def _resume(self, event: simpy.Event) -> None:
        # The event was processed, so its outcome is set: read it as simpy.Process does
        # (``_ok``, ``_value``), without the checks of the public properties.
        try:
            if event._ok:
                nxt = self._generator.send(event._value)
            else:
                event.defused = True  # handed to the generator, which may handle it
                nxt = self._generator.throw(event._value)
        except StopIteration:
            return
        try:
            nxt.callbacks.append(self._resume)  # the usual case: a pending event
        except AttributeError:  # processed already (callbacks is None), or not an event
            self._wait(nxt)
