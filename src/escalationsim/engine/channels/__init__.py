"""The channels a customer can complain on, one module each, in the registry of
:mod:`.registry`. Importing this package registers the built-in channels in the order
phone, email, social, CEO (their codes 0 to 3)."""

# isort: off
# Registration order is code order (phone 0, email 1, social 2, ceo 3): keep it.
from escalationsim.engine.channels import phone  # noqa: F401
from escalationsim.engine.channels import email  # noqa: F401
from escalationsim.engine.channels import social  # noqa: F401
from escalationsim.engine.channels import ceo  # noqa: F401

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
