"""The channel registry: every way a customer can complain, in one table.

A channel is one module holding a :class:`Channel` subclass decorated with
:func:`register`. Its class attributes say what the rest of the model needs to know,
so that nothing else depends on which channels exist or on their order:

- ``retryable``: after a service failure (abandoned call, unanswered email, unfixed
  routine issue) the customer may try the same channel again;
- ``live``: the customer is on the line (may ask for a supervisor);
- ``ladder_step``: position on the escalation ladder, the channels a customer goes to
  after a failure elsewhere (``None``: not an escalation target); each gets
  ``reached_<name>`` and ``escalated_<name>`` complaint columns and KPIs;
- ``requires``: the customer attribute that must be true to escalate to it;
- ``always_tracked``: tickets are kept on it under every policy (else only under a
  policy that tracks every channel);
- ``work``: the kind of work (``scenario.staff.work``) that serves it, which also takes
  a customer's chases about back-office work promised on it;
- ``alternative``: the channel a customer may switch to after a service failure on it
  (``behaviour.switch_prob``), e.g. phone and email;
- ``first_share``: the share of complaints that start on it instead of the channel the
  customer table drew (a website's live chat, say); 0 for the built-in channels, whose
  shares are the population's ``first_channel_*``.

Codes are small integers given in registration order; they index per-channel tables
and complaint columns, and no code compares them with each other.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

Contact = Generator[Any, Any, int]
"""A contact process: yields SimPy events, returns an outcome code (kernel.codes)."""


class Channel:
    """One way of complaining, built once per run (``ctx`` is the run's interface)."""

    name: ClassVar[str]
    code: ClassVar[int]
    retryable: ClassVar[bool] = False
    live: ClassVar[bool] = False
    ladder_step: ClassVar[int | None] = None
    requires: ClassVar[str | None] = None
    always_tracked: ClassVar[bool] = False
    work: ClassVar[str | None] = None
    alternative: ClassVar[str | None] = None
    first_share: ClassVar[float] = 0.0

    def __init__(self, ctx: RunContext, scenario: ScenarioConfig, tracked: bool) -> None:
        self.ctx = ctx
        self.tracked = tracked  # tickets are kept on this channel under the run's policy

    @property
    def bit(self) -> int:
        """This channel's bit in a customer's ``tried`` mask."""
        return 1 << self.code

    def contact(self, c: Customer) -> Contact:
        """One contact of ``c`` on this channel; returns its outcome."""
        raise NotImplementedError

    def close_open(self, c: Customer, end_h: float) -> None:
        """Called at the end of the run for every complaint still open."""

    def counters(self) -> dict[str, float]:
        """Run-level figures at the end of the run (each declared with
        :func:`escalationsim.engine.counters.declare`)."""
        return {}


_REGISTRY: dict[str, type[Channel]] = {}


def register(cls: type[Channel]) -> type[Channel]:
    """Add a channel class to the registry (a class decorator); its code is the next
    free one. A class that is no :class:`Channel`, or a name registered already, is a
    ValueError naming it."""
    if not (isinstance(cls, type) and issubclass(cls, Channel)):
        where = getattr(cls, "__qualname__", repr(cls))
        raise ValueError(f"channel {where} must subclass escalationsim.engine.channels.Channel")
    if cls.name in _REGISTRY:
        raise ValueError(f"channel {cls.name!r} is registered already")
    from dataclasses import fields

    from escalationsim.config.scenario import WorkConfig

    kinds = [f.name for f in fields(WorkConfig)]
    if cls.work is not None and cls.work not in kinds:
        raise ValueError(
            f"channel {cls.name!r}: work = {cls.work!r} is not a kind of work of "
            f"scenario.staff.work: must be one of {kinds} (its pool and priority)"
        )
    if not 0.0 <= cls.first_share <= 1.0:
        raise ValueError(f"channel {cls.name!r}: first_share = {cls.first_share} is not in [0, 1]")
    cls.code = len(_REGISTRY)
    if cls.code >= 8:
        raise ValueError("at most 8 channels (a customer's tried mask is one byte)")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove the most recently registered channel ``name`` (for tests and plugins)."""
    if list(_REGISTRY)[-1] != name:
        raise ValueError(f"only the last registered channel can be removed, not {name!r}")
    del _REGISTRY[name]


@contextmanager
def registered(cls: type[Channel]) -> Iterator[type[Channel]]:
    """Register ``cls`` for the duration of a ``with`` block."""
    register(cls)
    try:
        yield cls
    finally:
        unregister(cls.name)


def channel_classes() -> tuple[type[Channel], ...]:
    """Every registered channel class, by code."""
    return tuple(_REGISTRY.values())


def names() -> tuple[str, ...]:
    """Channel names, by code."""
    return tuple(_REGISTRY)


def code(name: str) -> int:
    """The code of channel ``name``."""
    try:
        return _REGISTRY[name].code
    except KeyError:
        raise KeyError(f"no channel {name!r}: registered are {list(_REGISTRY)}") from None


def ladder() -> tuple[type[Channel], ...]:
    """The escalation targets, in ladder order."""
    steps = [cls for cls in _REGISTRY.values() if cls.ladder_step is not None]
    return tuple(sorted(steps, key=lambda cls: cls.ladder_step))
