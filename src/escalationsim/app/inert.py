"""Every setting a user gives has an effect or is refused.

A setting that cannot act in the composed configuration (a pool's head count under an
hourly roster, a policy that is not compared, the per-complaint table when no records are
kept, the optimiser's levers in a plain comparison) would change nothing, and a user who
changed it would read "no difference" into the results. :func:`refuse` stops such a
setting, given on the command line or to :func:`escalationsim.compose`, with the reason
and what to set instead. Deleting a key (``~key``) is refused too: the typed default it
would fall back to is not always the shipped one. Keys of ``hydra`` itself are checked
against Hydra's schema, so ``+hydra.run.dri=...`` is a typo, not a silent new key.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from typing import Any

from escalationsim.config.fields import ConfigError
from escalationsim.config.inert import Inert, scenario_inert
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.experiment.job import SimConfig


def inert_settings(
    sim: SimConfig,
    job: str = "compare",
    complaints: bool = False,
    compared: Sequence[str] | None = None,
    study: bool = False,
) -> Inert:
    """Keys of the composed job that cannot act, each with the reason and the remedy
    (``job`` and ``complaints``: the composed ``job`` and ``output.complaints``;
    ``compared``: the policies the job runs, ``run.policies`` unless given, e.g. the
    optimiser's one policy; ``study``: a job of a robustness study)."""
    out = scenario_inert(sim.scenario)
    compared = list(sim.run.policies if compared is None else compared)
    for name in sim.policies:
        if isinstance(sim.scenario, QueueOnlyScenario):
            out[f"policies.{name}"] = (
                "the queue-only scenario is one queue with no decisions to make, so no "
                "policy acts on it; use scenario=default to compare policies"
            )
        elif name not in compared:
            out[f"policies.{name}"] = (
                f"{name} is not run by this job (it runs {compared}); add it to "
                "run.policies (or, for the optimiser, set optimize.policy)"
            )
    if not isinstance(sim.scenario, QueueOnlyScenario):
        out.update(_policy_inert(sim, compared))
    if not sim.run.precision.kpi:
        for key in ("half_width", "relative", "max_replications"):
            out[f"run.precision.{key}"] = (
                "replications to a precision are off (run.precision.kpi is empty); set "
                "run.precision.kpi, e.g. run.precision.kpi=cost_per_complaint, to use it"
            )
    if complaints and not sim.run.records:
        out["output.complaints"] = (
            "run.records=false keeps no per-complaint records, so there is no "
            "complaints.parquet to write; set run.records=true to write it"
        )
    if job != "validation":
        out["validation"] = "it is read only by the validation job; use experiment=validation"
    else:  # the validation job runs its own queue-only cases
        for key in ("scenario", "policies", "run"):
            out[key] = (
                "the validation job runs its own queue-only cases with their own settings "
                "(validation.cases, validation.replications, validation.horizon_days...); "
                "set those instead"
            )
    if job != "optimize":
        out["optimize"] = "it is read only by the optimiser; use experiment=optimize"
    else:
        for key in ("run.policies", "run.replications", "run.precision"):
            out[key] = (
                "the optimiser runs optimize.policy with optimize.replications (and "
                "optimize.confirm_replications for its best trials); set those instead"
            )
    if not study:
        for key in ("uncertainty", "robustness"):
            out[key] = "it is read only by a robustness study's jobs; use experiment=robustness"
    return out


def _policy_inert(sim: SimConfig, compared: list[str]) -> Inert:
    """Lever settings a lever's own switch turns off, and scenario settings only a lever
    that no compared policy uses reads."""
    out: Inert = {}
    fixing = []
    for name in compared:
        policy = sim.policies.get(name)
        if policy is None:
            continue
        rc = policy.root_cause
        lead = getattr(rc, "lead_days", None)
        late = getattr(rc, "enabled", True) and lead is not None and lead >= sim.run.horizon_days
        if late:  # detection comes at the earliest at the start: no fix ships in time
            for f in dataclasses.fields(rc):
                if f.name not in ("mode", "lead_days"):
                    out[f"policies.{name}.root_cause.{f.name}"] = (
                        f"{name}'s fix ships policies.{name}.root_cause.lead_days ({lead:g}) "
                        f"after its cause is detected, after the last arrival of this run "
                        f"(run.horizon_days = {sim.run.horizon_days:g}), so it prevents "
                        f"nothing; shorten lead_days or lengthen run.horizon_days"
                    )
        elif getattr(rc, "enabled", True):
            fixing.append(name)
        else:
            for f in dataclasses.fields(rc):
                if f.name not in ("mode", "enabled"):
                    out[f"policies.{name}.root_cause.{f.name}"] = (
                        f"root-cause fixes are off for {name}; set "
                        f"policies.{name}.root_cause.enabled=true to use it"
                    )
        if getattr(policy.ceo, "visibility", None) == 0:
            for key in ("strength", "memory_days", "max_share"):
                out[f"policies.{name}.floodgates.{key}"] = (
                    f"{name}'s CEO answers are not seen (policies.{name}.ceo.visibility = 0), "
                    f"so word of mouth has nothing to spread; set policies.{name}.ceo."
                    "visibility above 0 to use it"
                )
        rep = policy.rep
        if getattr(rep, "coaching", True) is False and hasattr(rep, "coaching_effect"):
            out[f"policies.{name}.rep.coaching_effect"] = (
                f"{name}'s reps are not coached (policies.{name}.rep.coaching=false)"
            )
    if not fixing:
        for key in ("causes", "cause_zipf_s"):
            out[f"scenario.population.{key}"] = (
                "complaint causes matter only to root-cause fixes, which no policy of this "
                "job has on (policies.<name>.root_cause.enabled) with a fix that can ship "
                "before the last arrival (root_cause.lead_days < run.horizon_days)"
            )
    out.update(_deadline_inert(sim))
    redirecting = [
        n for n in compared if n in sim.policies and sim.policies[n].ceo.mode == "redirects"
    ]
    why = "it acts only under a CEO who redirects (e.g. ceo_redirects in run.policies)"
    if not redirecting:
        for key in ("drafts_ceo_letters", "owner_direct_line"):
            out[f"scenario.office.{key}"] = why
    drafts = sim.scenario.office.drafts_ceo_letters
    for task, used in (("ceo_ack", not drafts), ("office_draft", drafts), ("ceo_sign", drafts)):
        if not redirecting or not used:
            out[f"scenario.handle_times.{task}"] = why + (
                f", with scenario.office.drafts_ceo_letters={'false' if drafts else 'true'}"
                if redirecting
                else ""
            )
    return out


def _deadline_inert(sim: SimConfig) -> Inert:
    """The late-letter fine and the breach target when no letter can wait past the
    regulator's deadline before the run ends."""
    deadline = sim.scenario.channels.ceo.response_deadline_days
    run = sim.run
    if deadline < run.horizon_days + run.drain_days:
        return {}
    why = (
        f"no letter can be answered after the {deadline:g}-day deadline "
        "(scenario.channels.ceo.response_deadline_days) in a run that ends "
        f"{run.horizon_days + run.drain_days:g} days after it starts (run.horizon_days + "
        "run.drain_days); lengthen the run or shorten the deadline"
    )
    return {
        "scenario.channels.ceo.deadline_fine_usd": why,
        "scenario.targets.deadline_breach_max": why,
    }


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


def inert_reason(key: str, inert: Inert) -> str | None:
    """Why ``key`` cannot act, if it is (or is under) an inert key; None otherwise."""
    for k, why in inert.items():
        if key == k or key.startswith(k + "."):
            return why
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
    for key, reasons in verdicts.items():
        if reasons and all(r is not None for r in reasons):
            raise ConfigError(f"{key} cannot act in any job of this sweep: {reasons[0]}")


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
