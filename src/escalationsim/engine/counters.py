"""Run-level counters, declared once by the part of the model that produces them.

A counter is a figure a run reports once, at its end (reps replaced, customers who left
the base, a root-cause fix's cost), rather than per complaint. The part that produces it
(a mechanism such as the judgement of reps, a lever such as root-cause fixing, the model
itself for the CEO's inbox) declares it here with its default: the value the run reports
when that part is switched off. A KPI reads a counter by name; the analysis layer checks
at start-up that every name a KPI reads is declared (a misspelt name stops the run
before it starts, instead of reading as 0 at the end), and the model refuses a counter a
producer reports without declaring it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from escalationsim.config.fields import did_you_mean


@dataclass(frozen=True)
class Counter:
    """One run-level counter: its name, what it counts, its producer (a module or lever
    name, for messages) and the value reported when the producer is off."""

    name: str
    doc: str
    producer: str
    default: float = 0.0


_DECLARED: dict[str, Counter] = {}


def declare(*counters: Counter) -> None:
    """Declare counters; the same name declared by two producers is a ValueError (one
    would silently overwrite the other's figure). Declaring the same counter again (a
    module imported twice, as a plugin may be) is harmless."""
    for c in counters:
        old = _DECLARED.get(c.name)
        if old is not None and old != c:
            raise ValueError(
                f"counter {c.name!r} is declared by both {old.producer!r} and {c.producer!r}"
            )
        _DECLARED[c.name] = c


@contextmanager
def declaring(*counters: Counter) -> Iterator[None]:
    """Declare counters for the duration of a ``with`` block (for tests and notebooks: a
    producer declares its own once, at import)."""
    new = [c for c in counters if c.name not in _DECLARED]
    declare(*counters)
    try:
        yield
    finally:
        for c in new:
            del _DECLARED[c.name]


def declared() -> dict[str, Counter]:
    """Every declared counter by name."""
    return dict(_DECLARED)


def collect(parts: Iterable[tuple[str, Mapping[str, float]]]) -> dict[str, float]:
    """The run's counters: every declared counter at its default, overwritten by what
    each producer reported; ``parts`` is (producer, counters) pairs. A name no one
    declared is a ValueError naming the producer."""
    out = {name: c.default for name, c in _DECLARED.items()}
    for producer, values in parts:
        for name, value in values.items():
            if name not in _DECLARED:
                raise ValueError(
                    f"{producer} reported counter {name!r}, which is not declared"
                    f"{did_you_mean(name, _DECLARED)}: declare it with "
                    "escalationsim.engine.counters.declare(Counter(...))"
                )
            out[name] = value
    return out


__all__ = ["Counter", "collect", "declare", "declared", "declaring"]
