"""The lever registry: lever slots, their modes, and each mode's config dataclass.

A policy is one lever per slot (``rep``, ``social``, ``ceo``, ``floodgates``,
``tracking``, ``root_cause``). Each mode of a slot is one class registered with
:func:`lever`, which names the slot, the mode and the mode's config dataclass (declared
beside the class, with each field's allowed range). A slot's section of a policy config
picks its mode by its ``mode`` key (the slot's default mode if absent); the registry
finds the class and the dataclass, so a new mode is one module and no other code
changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig

SLOTS: dict[str, str] = {
    "rep": "script",
    "social": "by_influence",
    "ceo": "office",
    "floodgates": "word_of_mouth",
    "tracking": "tickets",
    "root_cause": "top_cause",
}
"""Lever slots in a policy, with each slot's default mode."""


@dataclass(frozen=True)
class LeverMode:
    """One registered mode: its slot, name, config dataclass and lever class (built per
    run as ``cls(config, scenario)``)."""

    slot: str
    mode: str
    config: type
    cls: Callable[[Any, ScenarioConfig], Any]


_MODES: dict[str, dict[str, LeverMode]] = {slot: {} for slot in SLOTS}

T = TypeVar("T")


def lever(slot: str, mode: str, config: type) -> Callable[[T], T]:
    """Class decorator: register the class as mode ``mode`` of lever ``slot``, configured
    by the dataclass ``config`` (whose ``mode`` field defaults to ``mode``)."""
    if slot not in _MODES:
        raise ValueError(f"no lever slot {slot!r}: slots are {list(SLOTS)}")

    def decorate(cls: T) -> T:
        if mode in _MODES[slot]:
            raise ValueError(f"{slot} mode {mode!r} is registered already")
        if getattr(config, "mode", None) != mode:
            raise ValueError(f"{config.__name__}.mode must default to {mode!r}")
        from escalationsim.engine.levers import Lever
        from escalationsim.policy.checked import misspelt_hook

        if not (isinstance(cls, type) and issubclass(cls, Lever)):
            raise ValueError(
                f"{slot} mode {mode!r}: {getattr(cls, '__qualname__', cls)!r} must subclass "
                "escalationsim.policy.Lever, which declares the hooks a lever may override"
            )

        typo = misspelt_hook(slot, cls)  # type: ignore[arg-type]
        if typo:
            raise ValueError(f"{slot} mode {mode!r}: {typo}")
        from escalationsim.config.fields import make_strict

        make_strict(config)  # a misspelt setting set from Python raises
        _MODES[slot][mode] = LeverMode(slot, mode, config, cls)  # type: ignore[arg-type]
        return cls

    return decorate


def unregister(slot: str, mode: str) -> None:
    """Remove a registered mode (for tests and plugins)."""
    del _MODES[slot][mode]


@contextmanager
def registered(slot: str, mode: str, config: type, cls: Any) -> Iterator[None]:
    """Register a mode for the duration of a ``with`` block."""
    lever(slot, mode, config)(cls)
    try:
        yield
    finally:
        unregister(slot, mode)


def modes(slot: str) -> dict[str, LeverMode]:
    """The registered modes of ``slot``."""
    return dict(_MODES[slot])


def find(slot: str, mode: str) -> LeverMode | None:
    """The registered mode, or None."""
    return _MODES.get(slot, {}).get(mode)


def config_class(slot: str, mode: str | None) -> type | None:
    """The config dataclass of ``slot``'s ``mode`` (its default mode if None)."""
    found = find(slot, mode if mode is not None else SLOTS[slot])
    return found.config if found else None


def build(slot: str, config: Any, scenario: ScenarioConfig) -> Any:
    """The lever object for ``config`` (a registered mode's config dataclass)."""
    found = find(slot, getattr(config, "mode", SLOTS[slot]))
    if found is None or not isinstance(config, found.config):
        raise TypeError(f"{slot} lever config {config!r} is not a registered mode's config")
    obj = found.cls(config, scenario)
    if getattr(found.cls, "__module__", "").startswith("escalationsim."):
        return obj  # the project's own levers are tested: not wrapped (speed)
    from escalationsim.policy.checked import checked

    return checked(slot, found.mode, obj)
