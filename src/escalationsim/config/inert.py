"""Settings of a scenario that cannot act in the configuration they are part of.

A head count of a pool that follows an hourly roster, the social team's settings when the
reps answer posts, the reference volume when nothing scales with volume: the model
reads none of them, so a user who sets one would see nothing change and could believe
it made no difference. :func:`scenario_inert` lists them, each with the reason and what
to set instead; the application refuses a setting the user gave that is in the list
(:mod:`escalationsim.app.inert`). Shipped files may carry such values (the count the
roster replaces, documented as such): only what a user sets is refused.
"""

from __future__ import annotations

from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.config.scenario import WORK_POOLS, Dist, PatienceDist, ScenarioConfig

Inert = dict[str, str]
"""Dotted key (a leaf or a section) -> why it cannot act, and what to set instead."""


def scenario_inert(scenario: ScenarioConfig | QueueOnlyScenario, prefix: str = "scenario") -> Inert:
    """The keys of ``scenario`` (under ``prefix``) that cannot act, with the reason."""
    if isinstance(scenario, QueueOnlyScenario):
        return _queue_only(scenario, prefix)
    out = _staff(scenario, f"{prefix}.staff")
    phone = scenario.channels.phone
    if phone.patience_mean_s is not None and phone.patience_dist == PatienceDist.exponential:
        out[f"{prefix}.channels.phone.patience_cv"] = (
            "an exponential patience has a coefficient of variation of 1; set "
            f"{prefix}.channels.phone.patience_dist=lognormal to use patience_cv"
        )
    w = f"{prefix}.weighing"
    if not scenario.weighing.enabled:
        for key in ("value_elasticity", "weak_odds"):
            out[f"{w}.{key}"] = (
                f"customers do not weigh their claim ({w}.enabled=false); set "
                f"{w}.enabled=true to use it"
            )
    elif not scenario.claims.enabled:
        out[f"{w}.weak_odds"] = (
            f"no claim is weak with {prefix}.claims.enabled=false; set it true to use it"
        )
    if not scenario.backoffice.enabled:
        out[f"{prefix}.arrivals.initial_promised"] = (
            "promised work waits for the back office, which is off; set "
            f"{prefix}.backoffice.enabled=true"
        )
    return out


def _staff(s: ScenarioConfig, p: str) -> Inert:
    st = s.staff
    out: Inert = {}
    used = st.work.pools_in_use()
    sipp = st.work.phone.pool if st.scale_with_volume else None
    for name in WORK_POOLS:
        pool = getattr(st, name)
        if name not in used:
            example = "+social_team=separate, or " if name == "social" else ""
            out[f"{p}.{name}"] = (
                f"no work goes to the {name} pool, so it is not staffed; route work to it "
                f"({example}{p}.work.<kind>.pool={name})"
            )
            continue
        if name == sipp:
            why = (
                f"with {p}.scale_with_volume=true the {name}, who take calls, are staffed "
                "hour by hour for the phone load (Erlang A); set "
                f"{p}.scale_with_volume=false to use their own roster or count"
            )
            out[f"{p}.{name}.count"] = why
            out[f"{p}.{name}.schedule"] = why
            continue
        if not pool.schedule.constant:
            which = "hourly" if pool.schedule.hourly else "shifts"
            out[f"{p}.{name}.count"] = (
                f"the {name} follow {p}.{name}.schedule.{which}, not a head count; set "
                f"{p}.{name}.schedule.{which}=[] to staff {name}.count around the clock"
                + (" (or +staffing=around_the_clock)" if name in ("reps", "exec_office") else "")
                + f", or change the {which} head counts themselves"
            )
    for kind, route in vars(st.work).items():
        shared = [k for k, r in vars(st.work).items() if r.pool == route.pool and k != kind]
        if not shared:
            out[f"{p}.work.{kind}.priority"] = (
                f"{kind} is the only work of the {route.pool} pool, so there is nothing to "
                "put before or after it"
            )
    if not st.scale_with_volume:
        out[f"{p}.reference_volume_per_day"] = (
            f"it sizes the pools only when they grow with volume; set "
            f"{p}.scale_with_volume=true to use it"
        )
    return out


def _queue_only(q: QueueOnlyScenario, p: str) -> Inert:
    out: Inert = {}
    if q.service_dist != Dist.lognormal:
        shape = "a constant" if q.service_dist == Dist.constant else "an exponential"
        out[f"{p}.service_cv"] = (
            f"{shape} service time has a fixed coefficient of variation; set "
            f"{p}.service_dist=lognormal to use service_cv"
        )
    if q.patience_minutes is None:
        why = (
            f"callers are infinitely patient ({p}.patience_minutes is null); set "
            f"{p}.patience_minutes to give them a patience"
        )
        out[f"{p}.patience_dist"] = why
        out[f"{p}.patience_cv"] = why
    elif q.patience_dist != PatienceDist.lognormal:
        out[f"{p}.patience_cv"] = (
            f"an exponential patience has a coefficient of variation of 1; set "
            f"{p}.patience_dist=lognormal to use patience_cv"
        )
    return out
