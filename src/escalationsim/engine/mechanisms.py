"""Mechanisms: behaviours of the world a scenario switches on or off, one class each.

The back office, the reps' judgement of weak claims, customers who remember, publicity
and customers who weigh their claim are mechanisms: each is a :class:`Mechanism`
subclass registered here (:func:`register`), switched by the ``enabled`` key of its
scenario section, built once per run when on (:meth:`Mechanism.build`), put on the run
context under its name (``ctx.mechanisms``; the project's five also as
``ctx.backoffice``, ``ctx.judgement``, ``ctx.base``, ``ctx.publicity``, ``ctx.weighing``:
``None`` when off, so the journey's check is one comparison), and asked for its
run-level counters at the end (:meth:`Mechanism.counters`, declared with
:mod:`.counters`). The model builds
whatever is registered, in registration order; it names none of them.

Where a mechanism acts (the journey asks the back office, the arrivals loop the customer
base, a rep's contact the judgement) stays in the code that calls it: those are the
mechanism's own methods, documented on its class. A plugin's mechanism registers itself
the same way (from a module of the ``escalationsim.plugins`` entry point); channels and
levers reach it as ``ctx.mechanisms[name]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from escalationsim.config.fields import did_you_mean

if TYPE_CHECKING:
    import numpy as np

    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext


class Mechanism:
    """Base class of a mechanism (see the module doc)."""

    name: ClassVar[str] = ""
    """Its registry name, under which the run context holds it in a run."""

    section: ClassVar[str] = ""
    """The scenario section that configures it; its ``enabled`` key switches it."""

    @classmethod
    def enabled(cls, scenario: ScenarioConfig) -> bool:
        """Whether the scenario switches it on (its section's ``enabled``)."""
        return bool(getattr(scenario, cls.section).enabled)

    @classmethod
    def build(
        cls, ctx: RunContext, scenario: ScenarioConfig, rngs: dict[str, np.random.Generator]
    ) -> Mechanism:
        """The mechanism for one run (the channels and staff are on ``ctx`` already)."""
        raise NotImplementedError(f"{cls.__qualname__} must define build()")

    def counters(self) -> dict[str, float]:
        """Run-level figures at the end of the run (each declared with
        :func:`escalationsim.engine.counters.declare`)."""
        return {}


_REGISTRY: dict[str, type[Mechanism]] = {}

M = TypeVar("M", bound=type[Mechanism])


def register(cls: M) -> M:
    """Class decorator: register a mechanism. A class that is no :class:`Mechanism`,
    without a ``name``, switched by a ``section`` the scenario does not have (a plugin
    without a section of its own defines :meth:`Mechanism.enabled`), or with a name
    registered already, is a ValueError naming it."""
    where = getattr(cls, "__qualname__", repr(cls))
    if not (isinstance(cls, type) and issubclass(cls, Mechanism)):
        raise ValueError(f"mechanism {where} must subclass escalationsim.engine.Mechanism")
    if not cls.name:
        raise ValueError(f"mechanism {where} must set a name")
    own_switch = cls.enabled.__func__ is not Mechanism.enabled.__func__  # type: ignore[attr-defined]
    if not own_switch:
        from escalationsim.config.scenario import ScenarioConfig

        sections = ScenarioConfig.__dataclass_fields__
        if cls.section not in sections:
            raise ValueError(
                f"mechanism {where}: section {cls.section!r} is not a scenario section"
                f"{did_you_mean(cls.section, sections)}: name one, or define enabled(scenario)"
            )
    old = _REGISTRY.get(cls.name)
    if old is not None:
        raise ValueError(
            f"mechanism {cls.name!r} is registered already (by {old.__module__}.{old.__qualname__})"
        )
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a registered mechanism (for tests and plugins)."""
    del _REGISTRY[name]


@contextmanager
def registered(cls: type[Mechanism]) -> Iterator[None]:
    """Register a mechanism for the duration of a ``with`` block."""
    register(cls)
    try:
        yield
    finally:
        unregister(cls.name)


def mechanisms() -> dict[str, type[Mechanism]]:
    """Every registered mechanism by name, in registration order."""
    return dict(_REGISTRY)


def build_all(
    ctx: RunContext, scenario: ScenarioConfig, rngs: dict[str, Any]
) -> dict[str, Mechanism]:
    """Build the mechanisms the scenario switches on and put them in
    ``ctx.mechanisms`` by name; the project's own are also attributes of ``ctx``
    (``ctx.backoffice``...: ``None`` when off)."""
    built: dict[str, Mechanism] = {}
    for name, cls in _REGISTRY.items():
        mech = cls.build(ctx, scenario, rngs) if cls.enabled(scenario) else None
        if name in ctx.MECHANISMS:  # the project's own: an attribute, read on hot paths
            setattr(ctx, name, mech)
        if mech is not None:
            built[name] = mech
    ctx.mechanisms = built
    return built


__all__ = ["Mechanism", "build_all", "mechanisms", "register", "registered", "unregister"]
