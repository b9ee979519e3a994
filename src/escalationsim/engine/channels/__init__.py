"""The channels a customer can complain on, one module each, in the registry of
:mod:`.registry`. Importing this package registers the built-in channels in the order
phone, email, social, CEO, owner (their codes 0 to 4)."""

# isort: off
# Registration order is code order (phone 0, email 1, social 2, ceo 3, owner 4): keep it.
from escalationsim.engine.channels import phone  # noqa: F401
from escalationsim.engine.channels import email  # noqa: F401
from escalationsim.engine.channels import social  # noqa: F401
from escalationsim.engine.channels import ceo  # noqa: F401
from escalationsim.engine.channels import owner  # noqa: F401

# isort: on
from escalationsim.engine.channels.registry import (
    Channel,
    channel_classes,
    code,
    ladder,
    names,
    register,
    registered,
    unregister,
)

__all__ = [
    "Channel",
    "channel_classes",
    "code",
    "ladder",
    "names",
    "register",
    "registered",
    "unregister",
]
