"""What the engine asks of a policy: the interfaces its levers implement.

The engine calls these methods and never asks which preset or lever mode it is running;
the policy layer (:mod:`escalationsim.policy`) provides the classes, one module per
lever, chosen from the config through its registry.

Besides its slot's interface, any lever may define these optional hooks (found by
``hasattr``):

- ``active``: a bool; an inactive lever's arrival hooks are not called (word of mouth
  with strength 0, root-cause fixing switched off);
- ``bind(ctx)``: called once when the run starts (e.g. to listen to publicity);
- ``admit(c, t) -> bool``: on arrival; ``False`` prevents the complaint;
- ``route(c, start, t) -> int``: on arrival; the channel code the customer starts on;
- ``observe(ctx, c, start, t)``: on arrival, after routing;
- ``closed(c, t)``: when a complaint closes (resolved or given up);
- ``counters(lo, hi) -> dict``: run-level figures for the KPIs at the end.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from escalationsim.engine.channels.registry import Channel
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

Proc = Generator[Any, Any, int]


class RepAuthority(Protocol):
    """Decides a request for an exception made to a frontline rep on ``channel``."""

    def exception(self, ctx: RunContext, c: Customer, channel: Channel) -> Proc: ...


class SocialTriage(Protocol):
    """Which public complaints the social team answers, in what order, and whether it
    grants an exception once it answers."""

    def answer_prob(self, followers: int) -> float: ...

    def priority(self, followers: int) -> float: ...

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
