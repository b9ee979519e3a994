"""Every setting a user gives has an effect or is refused.

A setting that cannot act in the composed configuration (a pool's head count under an
hourly roster, a policy that is not compared, the per-complaint table when no records are
kept, the optimiser's levers in a plain comparison) would change nothing, and a user who
changed it would read "no difference" into the results. :func:`refuse` stops such a
setting, given on the command line or to :func:`escalationsim.compose`, with the reason
and what to set instead (which settings cannot act is computed in the experiment layer,
:mod:`escalationsim.experiment.inert`, which the Python studies use too). Deleting a key
(``~key``) is refused too: the typed default it would fall back to is not always the
shipped one. Keys of ``hydra`` itself are checked against Hydra's schema, so
``+hydra.run.dri=...`` is a typo, not a silent new key.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from typing import Any

from escalationsim.config.fields import ConfigError
from escalationsim.config.inert import Inert
from escalationsim.experiment.inert import idle_everywhere, inert_reason


def _parse(overrides: Sequence[str]) -> list[Any]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides([str(o) for o in overrides])


TYPED = ("scenario.", "run.", "output.", "policies.")
"""Sections whose keys are typed fields with defaults: deleting one would fall back to
the field's default, which is not always the shipped value. Deleting an entry of a map
(``~uncertainty.clv_median_usd``, ``~validation.cases``) is how Hydra drops it, and is
allowed."""


def refuse(overrides: Sequence[str], inert: Inert) -> None:
    """Raise a ConfigError for the first override that sets an inert key (or a section
    holding one), deletes a typed key, sets a section to ``{}``, or adds a key Hydra does
    not know."""
    for o in _parse(overrides):
        key = o.key_or_group
        if key.startswith("hydra.") or key == "hydra" or "/" in key:
            check_hydra_key(o, key)
            continue
        why = static_problem(o, overrides)
        if why:
            raise ConfigError(why)
        for sub in _keys_set(o):
            reason = inert_reason(sub, inert)
            if reason is not None:
                raise ConfigError(f"{sub} cannot act in this configuration: {reason}")


def static_problem(o: Any, overrides: Sequence[str] = ()) -> str | None:
    """Why an override is refused whatever the rest of the configuration (a typed key
    deleted, a section set to ``{}``), or None."""
    key = o.key_or_group
    if not o.is_delete() and "." in key and _is_empty_dict(o):
        return (
            f"{key}={{}}: an empty section is merged into the shipped {key}, changing "
            f"nothing; to replace it, delete it and give the new one: ~{key} "
            f"'+{key}={{name: {{...}}}}'"
        )
    if o.is_delete() and key.startswith(TYPED):
        given = [str(x) for x in overrides]
        at = next((i for i, x in enumerate(given) if x.split("=")[0] == f"~{key}"), -1)
        # given again after the deletion (Hydra applies overrides in order): replaced
        readded = any(x.lstrip("+").startswith(f"{key}=") for x in given[at + 1 :])
        if not readded:
            return (
                f"~{key}: deleting a setting is not supported (the default it would fall "
                f"back to is not always the shipped one); set {key}=<value> instead"
            )
    return None


def _keys_set(o: Any) -> list[str]:
    """The keys an override sets: its own, and those of a section it gives as a value
    (``scenario.staff.reps={count: 50}`` sets ``scenario.staff.reps.count``)."""
    key = o.key_or_group
    if o.is_delete():
        return []
    try:
        value = o.value()
    except Exception:  # a sweep: each value is checked in its job
        return [key]
    out = [key]

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                out.append(f"{prefix}.{k}")
                walk(v, f"{prefix}.{k}")

    walk(value, key)
    return out


def refuse_in_sweep(jobs: Sequence[tuple[Sequence[str], Inert]]) -> None:
    """A sweep's overrides against the settings that cannot act in each job checked
    (``jobs``: the job's overrides and what cannot act in it): an override is refused if
    it cannot act in any job it is part of (``scenario.staff.reps.count=5,10``), not if
    it acts in some (a social team's head count in a sweep over blended and separate
    teams)."""
    verdicts: dict[str, list[str | None]] = {}
    for overrides, inert in jobs:
        for o in _parse(overrides):
            key = o.key_or_group
            if key.startswith("hydra.") or key == "hydra" or "/" in key:
                continue
            why = static_problem(o, overrides)
            if why:
                raise ConfigError(why)
            for sub in _keys_set(o):
                verdicts.setdefault(sub, []).append(inert_reason(sub, inert))
    idle = idle_everywhere(verdicts)
    if idle is not None:
        raise ConfigError(f"{idle[0]} cannot act in any job of this sweep: {idle[1]}")


def _is_empty_dict(o: Any) -> bool:
    try:
        value = o.value()
    except Exception:  # a sweep or a value Hydra will refuse itself
        return False
    return isinstance(value, dict) and not value


def check_hydra_key(o: Any, key: str) -> None:
    """``+hydra.x.y=...`` adds a key to Hydra's own configuration: refuse one its schema
    does not have (a typo such as ``hydra.run.dri``); dictionaries of Hydra's schema
    (``hydra.job.env_set``...) take any key."""
    if not (o.is_add() or o.is_force_add()) or not key.startswith("hydra."):
        return
    from hydra.conf import HydraConf

    node: Any = HydraConf
    parts = key.split(".")[1:]
    for i, part in enumerate(parts):
        if not (isinstance(node, type) and dataclasses.is_dataclass(node)):
            return  # a dictionary or a plugin's node: any key
        names = {f.name: f for f in dataclasses.fields(node)}
        if part not in names:
            near = difflib.get_close_matches(part, list(names), n=1)
            hint = f" (did you mean hydra.{'.'.join(parts[:i] + near)}?)" if near else ""
            where = "hydra" + "".join("." + p for p in parts[:i])
            raise ConfigError(f"{key}: {where} has no key {part!r}{hint}")
        node = _field_type(names[part])


def _field_type(f: dataclasses.Field) -> Any:
    t = f.type
    if isinstance(t, str):
        import hydra.conf as hc

        t = getattr(hc, t, None)
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        try:
            value = f.default_factory()  # type: ignore[misc]
        except Exception:
            return None
        return type(value) if dataclasses.is_dataclass(value) else None
    return t if isinstance(t, type) and dataclasses.is_dataclass(t) else None
