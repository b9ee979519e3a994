"""Settings of a composed job that cannot act in it, each with the reason and the remedy.

A setting that cannot act (a pool's head count under an hourly roster, a policy that is
not compared, the per-complaint table when no records are kept, the optimiser's levers
in a plain comparison) would change nothing, and a user who changed it would read "no
difference" into the results. :func:`inert_settings` lists them for a job;
the command line (:mod:`escalationsim.app.inert`) refuses such a setting given as an
override, and the Python studies (:mod:`.studies`) one given as a value or swept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

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
    if job != "calibrate":
        out["calibrate"] = "it is read only by the calibration job; use experiment=calibrate"
    else:  # the calibration job fits a log; its backtest sets the runs itself
        out["run"] = (
            "the calibration job sets its backtest's runs itself (the log's days, "
            "calibrate.replications, calibrate.seed); set calibrate.* instead"
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
            if getattr(rc, "evidence", None) == "failures":
                out[f"policies.{name}.root_cause.every_channel"] = (
                    f"{name}'s root-cause evidence is documented failures "
                    f"(policies.{name}.root_cause.evidence = failures), which counts a "
                    "complaint when every channel it reached kept a ticket; every_channel "
                    "applies to evidence: started"
                )
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
        if getattr(policy.ceo, "handover_after_h", None) == 0:
            out[f"policies.{name}.ceo.office_override_prob"] = (
                f"{name}'s CEO hands no letter to the office (policies.{name}.ceo."
                "handover_after_h = 0); set handover_after_h above 0 to use it"
            )
        if (
            hasattr(policy.social, "alert_followers")
            and sim.scenario.channels.social.review_interval_h == 0
        ):
            out[f"policies.{name}.social.alert_followers"] = (
                "every post joins the team's queue as it is made "
                "(scenario.channels.social.review_interval_h = 0), so an alert has "
                "nothing to skip; set review_interval_h above 0 to use it"
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
    responding = [
        n for n in compared if n in sim.policies and sim.policies[n].ceo.mode == "responds"
    ]
    if not responding:
        why = "only a CEO who answers in person reads it (e.g. ceo_responds in run.policies)"
        out["scenario.channels.ceo.writer_patience_days"] = why
        out["scenario.targets.ceo_personal_share_min"] = why
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


def inert_reason(key: str, inert: Inert) -> str | None:
    """Why ``key`` cannot act, if it is (or is under) an inert key; None otherwise."""
    for k, why in inert.items():
        if key == k or key.startswith(k + "."):
            return why
    return None


def idle_everywhere(verdicts: dict[str, list[str | None]]) -> tuple[str, str] | None:
    """The first key that cannot act in any job that sets it, and the reason
    (``verdicts``: each key's :func:`inert_reason` in each job that sets it); None if
    every key acts in some job (a social team's head count in a sweep over blended and
    separate teams)."""
    for key, reasons in verdicts.items():
        if reasons and all(r is not None for r in reasons):
            return key, str(reasons[0])
    return None


__all__ = ["Inert", "idle_everywhere", "inert_reason", "inert_settings"]
