"""Channel codes for tests, read from the channel registry (the model itself never
depends on their values)."""

from escalationsim.engine import channels

PHONE, EMAIL, SOCIAL, CEO = (channels.code(n) for n in ("phone", "email", "social", "ceo"))

OWNER = channels.code("owner")
