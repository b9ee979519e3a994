"""A parameter with a range: the concept a study's uncertainties and an optimisation's
levers share.

A :class:`Parameter` names the configuration keys it sets (several keys take the same
value, e.g. one strength in two policies) and the range ``[low, high]`` its values come
from. An uncertainty (:class:`~.uncertainty.Uncertainty`) adds the spread its worlds are
sampled from and the source of its range; a lever (:class:`~.optimize.Lever`) adds how
the optimiser searches it. The checks of keys and range are written once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escalationsim.config.fields import check, is_num

UNCERTAIN_ROOTS = ("scenario", "policies")
"""Where an uncertain key (or a lever's key) may be: the world (``scenario.*``) or a
policy's setting (``policies.<name>.floodgates.strength``)."""


def check_keyed_range(
    prefix: str,
    keys: list[str],
    low: float,
    high: float,
    *,
    log: bool,
    whole: bool,
    what: str,
) -> None:
    """The rules an uncertainty and a lever share: at least one key, each under
    :data:`UNCERTAIN_ROOTS`; ``low < high``, finite; ``low > 0`` on a log scale; whole
    ends for whole numbers (``what`` names the setting that asks for them)."""
    check(f"{prefix}.keys", keys, len(keys) > 0, "at least one configuration key")
    for key in keys:
        check(
            f"{prefix}.keys",
            key,
            key.split(".", 1)[0] in UNCERTAIN_ROOTS and "." in key,
            "a key under " + " or ".join(f"{r}." for r in UNCERTAIN_ROOTS),
        )
    check(f"{prefix}.low", low, is_num(low), "a finite number")
    check(
        f"{prefix}.high", high, is_num(high) and high > low, f"a number greater than low ({low:g})"
    )
    if log:
        check(f"{prefix}.low", low, low > 0, f"> 0 for {what}")
    if whole:
        for end, v in (("low", low), ("high", high)):
            check(f"{prefix}.{end}", v, float(v).is_integer(), f"a whole number for {what}")


@dataclass
class Parameter:
    """Configuration keys set together, and the range of their value."""

    keys: list[str] = field(default_factory=list)
    low: float = 0.0
    high: float = 1.0

    @property
    def log_scale(self) -> bool:
        """Whether values spread on a log scale (then ``low`` must be positive)."""
        return False

    @property
    def whole(self) -> bool:
        """Whether values are whole numbers (then both ends must be)."""
        return False

    @property
    def spread(self) -> str:
        """The setting that makes values log-scaled or whole, for messages."""
        return "this parameter"

    def check_rules(self, prefix: str) -> None:
        check_keyed_range(
            prefix,
            self.keys,
            self.low,
            self.high,
            log=self.log_scale,
            whole=self.whole,
            what=self.spread,
        )

    def settings(self, value: float) -> dict[str, float]:
        """Every key of the parameter at ``value`` (a whole number where values are)."""
        v = int(round(value)) if self.whole else float(value)
        return dict.fromkeys(self.keys, v)


__all__ = ["UNCERTAIN_ROOTS", "Parameter", "check_keyed_range"]
