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
import functools
import math
import numbers
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A configuration value is out of its allowed range; the message names the key."""


def fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key} = {value!r} is not allowed: must be {allowed}")


def check(key: str, value: Any, ok: bool, allowed: str) -> None:
    """Raise :class:`ConfigError` for ``key`` unless ``ok``."""
    if not ok:
        fail(key, value, allowed)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool | np.bool_)  # numpy's bool too


def is_real(v: Any) -> bool:
    """An int or float of any kind (numpy's too), not a bool."""
    return isinstance(v, numbers.Real) and not _is_bool(v)


def is_num(v: Any) -> bool:
    """A finite int or float (numpy's too; not a bool); an integer too large for a float
    is not."""
    try:
        return is_real(v) and math.isfinite(v)
    except OverflowError:
        return False


def is_int(v: Any) -> bool:
    """An integer (numpy's too; not a bool)."""
    return isinstance(v, numbers.Integral) and not _is_bool(v)


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


def usd(hi: float) -> Check:
    """An amount of money in [0, hi] USD (bounded, so that totals cannot overflow)."""
    return Check(lambda v: is_num(v) and 0 <= v <= hi, f"an amount in [0, {hi:,.0f}] USD")


LOG_SD = Check(
    lambda v: is_num(v) and 0 <= v <= 5,
    "a number in [0, 5] (a log-sd; 5 already spans 13 orders of magnitude)",
)
"""The log-standard deviation of a lognormal attribute."""


def positive_at_most(hi: float, what: str = "") -> Check:
    """A number in (0, hi]: bounded so that nothing derived from it overflows."""
    return Check(lambda v: is_num(v) and 0 < v <= hi, f"a number in (0, {hi:g}]{what}")


def nonneg_at_most(hi: float, what: str = "") -> Check:
    """A number in [0, hi]."""
    return Check(lambda v: is_num(v) and 0 <= v <= hi, f"a number in [0, {hi:g}]{what}")


def int_in(lo: int, hi: int) -> Check:
    """An integer in [lo, hi]."""
    return Check(lambda v: is_int(v) and lo <= v <= hi, f"an integer in [{lo}, {hi}]")


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


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def describe(t: Any) -> str:
    """What a value of annotation ``t`` is, in words."""
    args = typing.get_args(t)
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        words = " or ".join(describe(a) for a in inner)
        return f"{words} (or null)" if type(None) in args else words
    if typing.get_origin(t) in (list, tuple):
        item = describe(args[0]) if args else "a value"
        plural = {"a number": "numbers", "an integer": "integers", "a string": "strings"}
        return "a list of " + plural.get(item, item.split(" ", 1)[-1] + " items")
    if typing.get_origin(t) is dict or t is dict:
        return "a mapping"
    if isinstance(t, type) and issubclass(t, Enum):
        return f"one of {[e.value for e in t]}"
    if isinstance(t, type) and is_dataclass(t):
        return f"a {t.__name__}"
    return {float: "a number", int: "an integer", bool: "true or false", str: "a string"}.get(
        t, f"a {getattr(t, '__name__', t)}"
    )


def has_type(v: Any, t: Any) -> bool:
    """Whether ``v`` is a value of annotation ``t`` (numbers of any kind for ``float``;
    any sequence but a string or mapping for a list)."""
    if t is Any:
        return True
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin in (typing.Union, types.UnionType):
        return any(has_type(v, a) for a in args)
    if t is type(None):
        return v is None
    if origin in (list, tuple):
        seq = isinstance(v, Sequence | np.ndarray) and not isinstance(v, str | bytes)
        return seq and (not args or all(has_type(x, args[0]) for x in v))
    if origin is dict or t is dict:
        return isinstance(v, Mapping)
    if t is float:
        return is_real(v)
    if t is int:
        return is_int(v)
    if t is bool:
        return _is_bool(v)
    if isinstance(t, type) and issubclass(t, Enum):
        return True  # its values are checked by one_of
    if isinstance(t, type):
        return isinstance(v, t)
    return True


def validate_tree(obj: Any, prefix: str) -> None:
    """Check every field of the dataclass ``obj`` (recursively): each value of its
    declared type, numbers finite, declared checks, then ``obj.check_rules(prefix)`` for
    rules across fields."""
    hints = _hints(type(obj))
    for f in fields(obj):
        v = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        t = hints.get(f.name, Any)
        rule = f.metadata.get("check")
        # a declared range says more than the type alone ("an integer >= 1")
        check(key, v, has_type(v, t), rule.allowed if rule else describe(t))
        if is_dataclass(v):
            validate_tree(v, key)
            continue
        if isinstance(v, list | tuple):
            for i, item in enumerate(v):
                if is_dataclass(item):
                    validate_tree(item, f"{key}[{i}]")
                elif is_real(item):
                    check(f"{key}[{i}]", item, is_num(item), "a finite number")
        elif is_real(v):
            check(key, v, is_num(v), "a finite number")
        if rule is not None:
            rule(key, v)
    rules = getattr(obj, "check_rules", None)
    if rules is not None:
        rules(prefix)


def closest(name: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` closest to a misspelt ``name`` (difflib's ratio), or None."""
    import difflib

    close = difflib.get_close_matches(name, list(names), n=1)
    return close[0] if close else None


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``names``, or ``""``: the hint of a
    message naming a misspelt key, field, reduction or counter."""
    near = closest(name, names)
    return f" (did you mean {near!r}?)" if near else ""


class UnknownSetting(ConfigError, AttributeError):
    """An attribute set on a config object that is not one of its settings (a typo such
    as ``run.replicatons = 50`` would otherwise be a new attribute nobody reads)."""


def _strict_setattr(self: Any, name: str, value: Any) -> None:
    known = type(self).__dataclass_fields__
    if name not in known:
        near = closest(name, known)
        hint = f"; did you mean {near!r}?" if near else ""
        raise UnknownSetting(
            f"{type(self).__name__} has no setting {name!r}{hint} (its settings: "
            f"{', '.join(known)})"
        )
    object.__setattr__(self, name, value)


def make_strict(*roots: type) -> None:
    """Refuse unknown attributes on the config dataclasses ``roots`` and every dataclass
    their fields hold (in lists, mappings and optional values too), so that a misspelt
    setting set from Python raises :class:`UnknownSetting` with the setting probably
    meant. Frozen dataclasses refuse every assignment already."""
    todo, seen = list(roots), set()
    while todo:
        t = todo.pop()
        if isinstance(t, type) and is_dataclass(t):
            if t in seen:
                continue
            seen.add(t)
            if not t.__dataclass_params__.frozen:  # type: ignore[attr-defined]
                t.__setattr__ = _strict_setattr  # type: ignore[method-assign,assignment]
            todo.extend(_hints(t).values())
        else:
            todo.extend(a for a in typing.get_args(t) if a is not Ellipsis)
