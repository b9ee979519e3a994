"""What the engine asks of a policy: the interfaces its levers implement.

The engine calls these methods and never asks which preset or lever mode it is running;
the policy layer (:mod:`escalationsim.policy`) provides the classes, one module per
lever, chosen from the config through its registry.

Every lever mode's class subclasses :class:`Lever`, which declares the optional hooks
any lever may override (each a no-op there): ``bind``, ``admit``, ``route``,
``observe``, ``closed``, ``counters``, and the ``active`` flag. The engine calls a hook
only on the levers whose class overrides it (:meth:`Lever.overrides`), so a lever
without arrival hooks costs nothing per arrival, and a misspelt hook (``admitt``) is
refused when the mode is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from escalationsim.engine.channels.registry import Channel
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

Proc = Generator[Any, Any, int]


HOOKS: tuple[str, ...] = ("bind", "admit", "route", "observe", "closed", "counters")
"""The optional hooks of :class:`Lever`, in the order a run meets them."""

PER_COMPLAINT: frozenset[str] = frozenset({"admit", "route", "observe", "closed"})
"""Hooks called for every complaint: not called on an inactive lever (``active``)."""


class Lever:
    """Base class of every lever mode: the optional hooks the engine calls, each a no-op
    here. A lever overrides those it needs; the engine calls only those."""

    active: bool = True
    """An inactive lever's per-complaint hooks are not called (word of mouth with
    strength 0, root-cause fixing switched off)."""

    def bind(self, ctx: RunContext) -> None:
        """Called once when the run starts (e.g. to listen to publicity)."""

    def admit(self, c: Customer, t: float) -> bool:
        """On arrival: False prevents the complaint (a root-cause fix)."""
        return True

    def route(self, c: Customer, start: int, t: float) -> int:
        """On arrival: the code of the channel the customer starts on."""
        return start

    def observe(self, ctx: RunContext, c: Customer, start: int, t: float) -> None:
        """On arrival, after routing: sees the complaint as it starts."""

    def closed(self, c: Customer, t: float) -> None:
        """When a complaint closes (resolved or given up)."""

    def counters(self, lo: float, hi: float) -> dict[str, float]:
        """Run-level figures for the KPIs at the end (each declared with
        :func:`escalationsim.engine.counters.declare`), over the window ``lo``-``hi``."""
        return {}

    def overrides(self, hook: str) -> bool:
        """Whether this lever's class overrides ``hook`` (one of :data:`HOOKS`)."""
        if hook not in HOOKS:
            raise ValueError(f"{hook!r} is not a lever hook: hooks are {list(HOOKS)}")
        return getattr(type(self), hook) is not getattr(Lever, hook)


def hooks(levers: Iterable[Any], hook: str) -> list[Callable[..., Any]]:
    """The ``hook`` of each lever that overrides it, in slot order (an inactive lever's
    per-complaint hooks left out)."""
    return [
        getattr(lever, hook)
        for lever in levers
        if lever.overrides(hook) and (lever.active or hook not in PER_COMPLAINT)
    ]


class RepAuthority(Protocol):
    """Decides a request for an exception made to a frontline rep on ``channel``."""

    def exception(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc: ...


class SocialTriage(Protocol):
    """Which public complaints the social team answers, in what order, and whether it
    grants an exception once it answers."""

    def answer_prob(self, followers: int) -> float: ...

    def priority(self, followers: int) -> float: ...

    def alerted(self, followers: int) -> bool: ...

    def exception(self, ctx: RunContext, c: Customer) -> int: ...


class CeoInvolvement(Protocol):
    """What happens to a complaint in the CEO's inbox; returns the contact's outcome."""

    def handle(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc: ...


class Levers(Protocol):
    """A complaint policy ready to run, as the engine sees it: one lever object per
    slot (the concrete class is :class:`escalationsim.policy.policy.Policy`)."""

    name: str
    rep: RepAuthority
    social: SocialTriage
    ceo: CeoInvolvement

    def tracks(self, channel: type[Channel]) -> bool: ...

    def levers(self) -> Iterable[Any]: ...
