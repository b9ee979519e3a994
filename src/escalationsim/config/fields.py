"""Declaring a config field's allowed values next to the field, and one validator that
walks any config.

A field declared with :func:`param` carries a :class:`Check` in its metadata (its allowed
range and the words that say so); :func:`validate_tree` walks a dataclass tree, checks
that every number is finite and every declared field is in range, then calls the
dataclass's ``check_rules(prefix)`` method, if it has one, for rules across fields. Every
error is a :class:`ConfigError` naming the full key and what is allowed, raised before
anything is simulated.

Why field metadata rather than pydantic: the same dataclasses are OmegaConf structured
configs (Hydra types and merges them, and rejects unknown keys), so they must stay plain
dataclasses; metadata keeps each range beside its field without a second model class.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from typing import Any


class ConfigError(ValueError):
    """A configuration value is out of its allowed range; the message names the key."""


def fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key} = {value!r} is not allowed: must be {allowed}")


def check(key: str, value: Any, ok: bool, allowed: str) -> None:
    """Raise :class:`ConfigError` for ``key`` unless ``ok``."""
    if not ok:
        fail(key, value, allowed)


def is_num(v: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@dataclass(frozen=True)
class Check:
    """An allowed range: a predicate and the words that say what is allowed."""

    ok: Callable[[Any], bool]
    allowed: str

    def __call__(self, key: str, value: Any) -> None:
        check(key, value, self.ok(value), self.allowed)


PROB = Check(lambda v: is_num(v) and 0.0 <= v <= 1.0, "a probability in [0, 1]")
POSITIVE = Check(lambda v: is_num(v) and v > 0, "a number > 0")
NONNEG = Check(lambda v: is_num(v) and v >= 0, "a number >= 0")


def int_min(lo: int) -> Check:
    """An integer >= ``lo``."""
    return Check(lambda v: is_int(v) and v >= lo, f"an integer >= {lo}")


def within(lo: float, hi: float, allowed: str | None = None) -> Check:
    """A number in [lo, hi]."""
    return Check(lambda v: is_num(v) and lo <= v <= hi, allowed or f"a number in [{lo}, {hi}]")


def one_of(enum: type[Enum]) -> Check:
    """A member (or value) of ``enum``."""
    allowed = [e.value for e in enum]
    return Check(lambda v: isinstance(v, enum) or v in allowed, f"one of {allowed}")


def optional(inner: Check) -> Check:
    """``None`` or what ``inner`` allows."""
    return Check(lambda v: v is None or inner.ok(v), inner.allowed + " (or null)")


def param(default: Any = dataclasses.MISSING, check: Check | None = None, **kw: Any) -> Any:
    """A dataclass field whose allowed values are ``check`` (validated by
    :func:`validate_tree`); ``default_factory`` may be given instead of ``default``."""
    return dataclasses.field(default=default, metadata={"check": check} if check else {}, **kw)


def validate_tree(obj: Any, prefix: str) -> None:
    """Check every field of the dataclass ``obj`` (recursively): numbers finite, declared
    checks, then ``obj.check_rules(prefix)`` for rules across fields."""
    for f in fields(obj):
        v = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        if is_dataclass(v):
            validate_tree(v, key)
            continue
        if isinstance(v, list):
            for i, item in enumerate(v):
                if is_dataclass(item):
                    validate_tree(item, f"{key}[{i}]")
        elif isinstance(v, float | int) and not isinstance(v, bool):
            check(key, v, math.isfinite(v), "a finite number")
        rule = f.metadata.get("check")
        if rule is not None:
            rule(key, v)
    rules = getattr(obj, "check_rules", None)
    if rules is not None:
        rules(prefix)
