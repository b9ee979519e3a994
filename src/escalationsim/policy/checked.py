"""Levers from plugins, with their answers checked.

The engine trusts a lever's answers (a contact's outcome code, a probability, a channel
code): the project's own levers are tested. A lever mode registered from outside the
package is wrapped by :func:`checked`, so that a wrong answer (``None`` from a forgotten
``return``, ``42``, a probability of 2, a missing method) stops the run with a
:class:`LeverError` naming the lever, the method and what it must return, instead of a
traceback deep in the engine or a silently wrong result. The check costs one function call
per hook call, for plugin levers only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from numbers import Integral, Real
from typing import Any

import numpy as np

from escalationsim.engine.levers import HOOKS as LEVER_HOOKS
from escalationsim.kernel.codes import CONTACT_OUTCOMES


class LeverError(RuntimeError):
    """A lever broke its contract (a plugin's bug): the message names lever and method."""


def _outcome(v: Any) -> bool:
    return isinstance(v, Integral) and not isinstance(v, bool) and 0 <= v < len(CONTACT_OUTCOMES)


def _prob(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and 0.0 <= v <= 1.0


def _real(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and not math.isnan(v)


def _bool(v: Any) -> bool:
    return isinstance(v, bool | np.bool_)


def _channel(v: Any) -> bool:
    from escalationsim.engine.channels.registry import names

    return isinstance(v, Integral) and not isinstance(v, bool) and 0 <= v < len(names())


def _counters(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and _real(x) for k, x in v.items())


OUTCOME = (_outcome, f"a contact outcome code, 0-{len(CONTACT_OUTCOMES) - 1} {CONTACT_OUTCOMES}")
Check = tuple[Callable[[Any], bool], str]

REQUIRED: dict[str, dict[str, tuple[Check, bool]]] = {
    "rep": {"exception": (OUTCOME, True)},
    "social": {
        "answer_prob": ((_prob, "a probability in [0, 1]"), False),
        "priority": ((_real, "a number (lower is answered first)"), False),
        "exception": (OUTCOME, False),
    },
    "ceo": {"handle": (OUTCOME, True)},
    "tracking": {"tracks": ((_bool, "True or False"), False)},
    "floodgates": {},
    "root_cause": {},
}
"""Each slot's methods the engine calls: what they must return, and whether the method is
a process (a generator whose ``return`` value is checked)."""

OPTIONAL: dict[str, Check] = {
    "admit": (_bool, "True or False"),
    "route": (_channel, "a channel code (engine.channels.registry.code(name))"),
    "counters": (_counters, "a dict of names to numbers"),
}
"""Optional hooks any lever may override (:class:`~escalationsim.engine.levers.Lever`)
whose answers the engine uses."""


HOOKS = ("active", *LEVER_HOOKS, "overrides")
"""The optional hooks of :class:`~escalationsim.engine.levers.Lever` (and its
``active`` flag and ``overrides`` question): a method named near one is a misspelling."""


def misspelt_hook(slot: str, cls: type) -> str | None:
    """Why ``cls`` (a lever class of ``slot``) has a method whose name is a near miss of a
    hook's (``admitt``: a new method, not an override of the base class's hook, so it
    would never run), or None. Checked when a lever mode is registered, the project's
    own included."""
    import difflib

    hooks = (*REQUIRED[slot], *HOOKS)
    for attr in dir(cls):
        if attr.startswith("_") or attr in hooks:
            continue
        near = difflib.get_close_matches(attr, hooks, n=1, cutoff=0.8)
        if near:
            return (
                f"{cls.__module__}.{cls.__qualname__} has a method {attr!r}, not a hook the "
                f"engine calls: did you mean {near[0]!r}? (hooks: engine/levers.py)"
            )
    return None


def checked(slot: str, mode: str, obj: Any) -> Any:
    """``obj`` (a lever of ``slot``'s mode ``mode``) with its answers checked; raise
    :class:`LeverError` now if a method its slot needs is missing."""
    name = f"{slot} lever mode {mode!r} ({type(obj).__module__}.{type(obj).__qualname__})"
    for method in REQUIRED[slot]:
        if not callable(getattr(obj, method, None)):
            raise LeverError(f"{name} has no method {method}(): a {slot} lever must define it")
    return _Checked(obj, name, slot)


class _Checked:
    """Delegates to the lever; the methods in REQUIRED and OPTIONAL check what they
    return. ``overrides`` and ``active`` are the lever's own, so the engine calls the
    same hooks as on the lever itself."""

    def __init__(self, obj: Any, name: str, slot: str) -> None:
        self._obj, self._name, self._slot = obj, name, slot

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._obj, attr)
        spec = REQUIRED[self._slot].get(attr)
        if spec is not None:
            (ok, must), process = spec
        elif attr in OPTIONAL:
            (ok, must), process = OPTIONAL[attr], False
        else:
            return value
        where = f"{self._name}.{attr}()"
        if process:

            def run(*args: Any) -> Generator[Any, Any, Any]:
                gen = value(*args)
                if not isinstance(gen, Generator):
                    raise LeverError(
                        f"{where} returned {gen!r}: it must be a process (a generator "
                        f"function, 'yield from' the work it asks for) returning {must}"
                    )
                result = yield from gen
                if not ok(result):
                    raise LeverError(f"{where} returned {result!r}: must return {must}")
                return result

            self.__dict__[attr] = run  # found directly from now on, not by __getattr__
            return run

        def call(*args: Any) -> Any:
            result = value(*args)
            if not ok(result):
                raise LeverError(f"{where} returned {result!r}: must return {must}")
            return result

        self.__dict__[attr] = call
        return call
