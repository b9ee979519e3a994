"""The owner's direct line: a customer whose case the CEO handed to a named owner (policy
``ceo.redirects`` with ``scenario.office.owner_direct_line``) calls that owner directly
about their next complaint, instead of starting again at the bottom of the ladder
(customers who remember: :mod:`escalationsim.engine.customer_base`). The owner (the kind
of work ``owner``: a manager, by default) queues it without reneging and resolves it as an
owner would: a routine issue fixed, an exception owed granted, a weak claim screened as a
manager screens it. Not on the escalation ladder: nobody escalates to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalationsim.engine.channels.registry import Channel, Contact, register
from escalationsim.engine.fields import Field
from escalationsim.engine.fields import declare as declare_fields
from escalationsim.kernel.codes import ROLE_MANAGER

if TYPE_CHECKING:
    from escalationsim.config.scenario import ScenarioConfig
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer


declare_fields(
    Field(
        "owner",
        "?",
        False,
        "a named owner with a direct line took the case",
        "channels.owner",
        column="owner_assigned",
    ),
)


@register
class Owner(Channel):
    """A named owner's direct line."""

    name = "owner"
    work = "owner"
    always_tracked = True  # the owner keeps the case file

    def __init__(self, ctx: RunContext, scenario: ScenarioConfig, tracked: bool) -> None:
        super().__init__(ctx, scenario, tracked)

    def contact(self, c: Customer) -> Contact:
        ctx = self.ctx
        yield from ctx.work(c, self.work)
        return ctx.as_owner(c, ROLE_MANAGER)
