"""The composed Hydra configuration and its typing: the schema Hydra composes into, the
conversion to the core's typed config, and the check that every key given is one the
schema knows (a misspelt key added with ``+`` stops the run, naming it and the key that
was probably meant)."""

from __future__ import annotations

import difflib
import functools
import logging
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from escalationsim.config.fields import ConfigError, describe, has_type, make_strict
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.experiment.job import RunConfig, SimConfig
from escalationsim.experiment.optimize import OptimizeConfig
from escalationsim.experiment.uncertainty import RobustnessConfig, Uncertainty
from escalationsim.experiment.validation import ValidationConfig
from escalationsim.policy import registry
from escalationsim.policy.policy import PolicyConfig

log = logging.getLogger("escalationsim")

SCENARIO_KINDS: dict[str, type] = {"escalation": ScenarioConfig, "queue_only": QueueOnlyScenario}
"""Schema of ``scenario`` by its ``kind`` key."""


@dataclass
class OutputConfig:
    """What to write besides kpis.csv, summary.csv and headline.md."""

    plots: bool = True
    complaints: bool = True
    progress: bool = True
    resume: bool = True
    overwrite: bool = False
    best_on: list[str] = field(default_factory=lambda: ["cost_per_complaint", "churn_rate"])
    """KPIs for which best_policy.csv says which policy is best, with a stated confidence
    (analysis.ranking; the report's answer says it for the cost per complaint)."""
    contact_log: bool = False
    """Write contacts.parquet: one row per contact of every run, in the contact-log schema
    a company's log is calibrated from (docs/data.md)."""
    contact_log_start: str = "2026-01-05"
    """The date of day 0 in contacts.parquet (a Monday, as day 0 of a run is)."""


@dataclass
class SimFitConfig:
    """The simulation-based fit of what a log cannot show (docs/data.md): trials of the
    unknowns in ``ranges`` (nested as the scenario: ``population: {persistence_mean: [low,
    high]}``, so that the command line reaches each), each a simulation of the log's
    period compared with its journey shares."""

    trials: int = 0
    """Complete trials to run (0: off, the unknowns kept from the base scenario)."""
    timeout_s: float = 0.0
    """Start no trial after this many seconds (0: no limit)."""
    replications: int = 1
    """Simulations per trial (the same seeds in every trial)."""
    startup_trials: int = 10
    """Random trials before the TPE sampler learns from them."""
    warmup_days: int = 7
    """Days simulated before the log's first, so that queues are not empty."""
    ranges: dict[str, Any] = field(default_factory=dict)
    """The unknowns (scenario keys, nested: population.persistence_mean) and their ranges."""

    def unknowns(self) -> dict[str, list[float]]:
        """The ranges by dotted scenario key (``population.persistence_mean``)."""
        out: dict[str, list[float]] = {}

        def walk(node: Any, prefix: str) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{prefix}.{k}" if prefix else str(k))
            else:
                out[prefix] = list(node) if isinstance(node, list | tuple) else [node]

        walk(self.ranges, "")
        return out


@dataclass
class CalibrateConfig:
    """The calibration job (``experiment=calibrate``): the contact log to fit and what to
    call the scenario it writes (docs/data.md)."""

    log: str = ""
    """The contact log: a CSV or Parquet file in the schema of docs/data.md."""
    mapping: str = ""
    """A YAML file renaming an export's columns and channel labels onto the schema."""
    tz: str = "UTC"
    """The time zone of times without a UTC offset."""
    counts: str = ""
    """Interval counts (``interval_start``, ``channel``, ``offered``, ...) for a company
    that keeps only aggregates: instead of ``log`` (docs/data.md)."""
    roster: str = ""
    """Who was on duty when (``interval_start``, ``pool``, ``agents``): the pools'
    schedules (empty: kept from the base scenario)."""
    select: dict[str, Any] = field(default_factory=dict)
    """Rows to keep, by column value (null: every value): one run of a simulated log
    (``calibrate.select.policy=rigid_script calibrate.select.replication=0``)."""
    name: str = "calibrated"
    """The scenario's name: written as scenario/<name>.yaml and uncertainty/<name>.yaml."""
    seed: int = 0
    """The bootstrap's seed (same seed and log: the same bytes)."""
    backtest_days: int = 0
    """Hold out the log's last N days: fit the rest, simulate them, compare (0: none)."""
    policy: str = "rigid_script"
    """The company's policy in the backtest's simulations (a preset of ``policies``)."""
    replications: int = 10
    """Simulations per backtest mode (replay and forecast)."""
    tolerance: dict[str, dict[str, float]] = field(default_factory=dict)
    """The relative bias each KPI may have, by period (``day``, ``hour``), declared
    before the run."""
    min_coverage: float = 0.8
    """The share of observed periods the 95% prediction intervals must cover."""
    simfit: SimFitConfig = field(default_factory=SimFitConfig)
    """The simulation-based fit of persistence, social use, CEO-address knowledge and
    the first-channel shares before word of mouth."""


@dataclass
class AppConfig:
    """The schema of the composed config. Hydra composes it untyped; the job types it
    (:func:`to_sim_config`: every key known, every value of its type, ``scenario`` by
    the schema its ``kind`` names, each lever section by its mode's config dataclass),
    and a sweep does the same for a covering subset of its jobs before any starts, so
    that every bad value, whatever its kind, gets the same message and exit code 2."""

    job: str = "compare"
    scenario: Any = None
    policies: dict[str, Any] = field(default_factory=dict)
    run: RunConfig = field(default_factory=RunConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    uncertainty: dict[str, Uncertainty] = field(default_factory=dict)
    """Uncertain parameters of the world, by name (``uncertainty=default``; empty unless
    a robustness study selects a file of the ``uncertainty/`` group)."""
    robustness: RobustnessConfig = field(default_factory=RobustnessConfig)
    optimize: OptimizeConfig = field(default_factory=OptimizeConfig)
    """Levers to optimise (``experiment=optimize``, job ``optimize``)."""
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)
    """A contact log to calibrate a scenario from (``experiment=calibrate``)."""


@functools.cache
def _structured(schema: type) -> DictConfig:
    """The structured config of ``schema``, made once per class. Speed: making it takes
    tens of milliseconds for the scenario's (every field's type checked), and a job's
    configuration is typed several times (the sweep's check, the job, its report);
    :func:`OmegaConf.merge` copies its first config and never changes it."""
    return OmegaConf.structured(schema)


def typed(schema: type, node: Any, prefix: str) -> Any:
    """``node`` merged into the structured config ``schema``: unknown keys and wrong
    types raise a ConfigError naming the full key."""
    try:
        typed = OmegaConf.merge(_structured(schema), node)
    except OmegaConfBaseException as err:
        key = getattr(err, "full_key", "") or ""
        msg = str(getattr(err, "msg", err)).strip()
        full = ".".join(p for p in (prefix, str(key)) if p)
        raise ConfigError(f"{full}: {msg}" if full else msg) from None
    return OmegaConf.to_object(typed)


def typed_policy(name: str, node: Any) -> PolicyConfig:
    """A policy config from its composed node: each lever section typed by the config
    dataclass of the mode it names (its slot's default mode if it names none)."""
    prefix = f"policies.{name}"
    if not isinstance(node, dict | DictConfig):
        raise ConfigError(
            f"policies.{name} = {node!r} is not allowed: must be a policy (levers by slot)"
        )
    for key in node:
        if key not in registry.SLOTS:
            raise ConfigError(
                f"{prefix}.{key} is not a lever: must be one of {list(registry.SLOTS)}"
            )
    levers = {}
    for slot, default in registry.SLOTS.items():
        section = node.get(slot)
        section = {} if section is None else section
        if not isinstance(section, dict | DictConfig):
            raise ConfigError(f"{prefix}.{slot} = {section!r} is not allowed: must be a section")
        mode = section.get("mode", default)
        if not isinstance(mode, str):
            raise ConfigError(
                f"{prefix}.{slot}.mode = {mode!r} is not allowed: must be one of "
                f"{sorted(registry.modes(slot))}"
            )
        schema = registry.config_class(slot, mode)
        if schema is None:
            raise ConfigError(
                f"{prefix}.{slot}.mode = {mode!r} is not allowed: must be one of "
                f"{sorted(registry.modes(slot))}"
            )
        levers[slot] = typed(schema, section, f"{prefix}.{slot}")
    return PolicyConfig(name=name, **levers)


def _scenario(node: Any) -> Any:
    """The typed scenario of a composed config, checked against its kind's schema."""
    if node is None:
        raise ConfigError("scenario is missing: must be set (e.g. scenario=default)")
    kind = node.get("kind", "escalation")
    if kind not in SCENARIO_KINDS:
        raise ConfigError(
            f"scenario.kind = {kind!r} is not allowed: must be one of {sorted(SCENARIO_KINDS)}"
        )
    return typed(SCENARIO_KINDS[kind], node, "scenario")


def to_sim_config(cfg: DictConfig) -> tuple[SimConfig, AppConfig]:
    """Turn the composed Hydra config into the core's typed config (and the app's),
    after checking that every key is one the schema knows."""
    try:
        return _to_sim_config(cfg)
    except OmegaConfBaseException as err:  # e.g. an interpolation to a missing key
        key = getattr(err, "full_key", "") or ""
        msg = str(getattr(err, "msg", err)).strip().splitlines()[0]
        raise ConfigError(f"{key}: {msg}" if key else msg) from None


def _to_sim_config(cfg: DictConfig) -> tuple[SimConfig, AppConfig]:
    check_keys(cfg)
    # every interpolation resolved once, against the whole configuration, as the recorded
    # configuration and its hash are: a section typed on its own would resolve
    # ``${scenario.volume_per_day}`` or ``${oc.select:...,default}`` against itself
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    scenario = _scenario(cfg.get("scenario"))
    nodes = cfg.get("policies") or {}
    if isinstance(nodes, DictConfig):
        nodes = OmegaConf.to_container(nodes, resolve=True)
    policies = {name: typed_policy(name, node) for name, node in nodes.items()}
    rest = {k: cfg[k] for k in cfg if k not in ("scenario", "policies")}
    app: AppConfig = typed(AppConfig, OmegaConf.create(rest), "")
    _check_best_on(app.output.best_on)
    if app.output.contact_log:
        from escalationsim.calibration.export import start_time

        start_time(app.output.contact_log_start)  # a Monday at midnight, or a ConfigError
    from escalationsim.experiment.uncertainty import validate as validate_study

    validate_study(app.uncertainty, app.robustness)
    _check_study_kpis(app.robustness)
    if app.run.initial_state:
        _start_from(scenario, app.run.initial_state)
    app.scenario = scenario
    app.policies = policies
    return SimConfig(scenario=scenario, policies=dict(policies), run=app.run), app


def _start_from(scenario: Any, path: str) -> None:
    """Set ``scenario.arrivals.initial_open`` and ``initial_promised`` from the open work
    in ``path`` (``run.initial_state``); refused for a scenario without channels, or one
    given either as well. Back-office work older than nearly every lead time of the
    scenario's is taken as lost and not started (said in the log)."""
    from escalationsim.calibration.open_work import STALE, promised, queued, read_open_work

    if not isinstance(scenario, ScenarioConfig):
        raise ConfigError(
            "run.initial_state: the queue-only scenario has no channels to start open "
            "work on; use scenario=default"
        )
    opened = scenario.arrivals.initial_open
    waiting = scenario.arrivals.initial_promised
    if opened.counts() or waiting.ages():
        given = "initial_open" if opened.counts() else "initial_promised"
        raise ConfigError(
            f"run.initial_state and scenario.arrivals.{given} both say what the run "
            "starts from: give one"
        )
    try:
        work = read_open_work(path)
    except ConfigError as err:  # a DataError names the file
        raise ConfigError(f"run.initial_state = {path!r}: {err}") from None
    bo = scenario.backoffice
    ages, stale = promised(work, bo.lead_time_mean_h, bo.lead_time_cv)
    for target, found in ((opened, queued(work)), (waiting, ages)):
        for channel, value in found.items():
            if not hasattr(target, channel):
                raise ConfigError(
                    f"run.initial_state = {path!r}: open work on channel {channel!r}, which "
                    "a run cannot start from (phone, email, social, ceo)"
                )
            setattr(target, channel, value)
    if stale:
        log.warning(
            "run.initial_state: %d promise(s) of back-office work older than the %.1f%% "
            "quantile of the scenario's lead time were taken as lost, not started",
            stale,
            100 * STALE,
        )
    if waiting.ages() and not bo.enabled:
        log.warning(
            "run.initial_state: %d promise(s) of back-office work, but the scenario has no "
            "back office (backoffice.enabled=false): resolved at the start",
            len(waiting.ages()),
        )


def _check_best_on(names: list[str]) -> None:
    """Every ``output.best_on`` entry is a KPI a policy can be best on."""
    from escalationsim.analysis.ranking import rankable

    allowed = rankable()
    for name in names:
        if name not in allowed:
            raise ConfigError(
                f"output.best_on: {name!r} is not allowed: must be a numeric KPI of kpis.csv, "
                "e.g. cost_per_complaint, churn_rate, resolution_rate, ttr_p90_h_resolved "
                "(docs/metrics.md lists them)"
            )


def _check_study_kpis(study: RobustnessConfig) -> None:
    """The study's cost and fairness KPIs are KPIs of kpis.csv."""
    from escalationsim.analysis.ranking import rankable

    allowed = rankable()
    for key, names in (
        ("robustness.cost_kpi", [study.cost_kpi]),
        ("robustness.fairness_kpis", study.fairness_kpis),
    ):
        for name in names:
            if name not in allowed:
                raise ConfigError(
                    f"{key}: {name!r} is not allowed: must be a numeric KPI of kpis.csv, "
                    "e.g. cost_per_complaint, gini_ttr, follower_resolution_gap "
                    "(docs/metrics.md lists them)"
                )


# --------------------------------------------------------------------------- unknown keys


def _unknown(
    prefix: str, key: str, known: list[str], note: str = "", similar: list[str] | None = None
) -> ConfigError:
    close = difflib.get_close_matches(key, similar or known, n=1, cutoff=0.6)
    hint = f"; did you mean {prefix}{close[0]}?" if close else ""
    where = prefix.rstrip(".") or "the top level"
    return ConfigError(
        f"{prefix}{key} is not a configuration key{hint}{note} "
        f"(keys under {where}: {', '.join(sorted(known))})"
    )


def _check_node(node: Any, schema: Any, prefix: str) -> None:
    """Raise for the first key of ``node`` that ``schema`` (a dataclass, or a
    ``dict[str, X]``) does not have, recursively."""
    origin = typing.get_origin(schema)
    if not isinstance(node, DictConfig | dict) and origin is not list:
        return
    if origin is list and isinstance(node, ListConfig | list):
        item = typing.get_args(schema)[0] if typing.get_args(schema) else None
        for i, value in enumerate(node):
            _check_node(value, item, f"{prefix.rstrip('.')}[{i}].")
        return
    if origin is dict:
        value_type = typing.get_args(schema)[1]
        for key in node:
            _check_node(node[key], value_type, f"{prefix}{key}.")
        return
    if not (isinstance(schema, type) and is_dataclass(schema)):
        return
    hints = typing.get_type_hints(schema)
    known = [f.name for f in fields(schema)]
    for key in node:
        if key not in known:
            raise _unknown(prefix, str(key), known)
        value = node[key]
        if not isinstance(value, DictConfig | dict | ListConfig | list) and not has_type(
            value, hints[key]
        ):  # a value as given (before OmegaConf would convert it, e.g. 3 to true)
            raise ConfigError(
                f"{prefix}{key} = {value!r} is not allowed: must be {describe(hints[key])}"
            )
        _check_node(value, hints[key], f"{prefix}{key}.")


def check_keys(cfg: DictConfig) -> None:
    """Every key of the composed config is one of the schema's: the app's, the scenario
    kind's, each lever mode's. Raise a ConfigError naming the first unknown key."""
    top = [f.name for f in fields(AppConfig)]
    for key in cfg:
        if key not in top:
            raise _unknown("", str(key), top)
    sections = ("run", "output", "validation", "uncertainty", "robustness", "optimize", "calibrate")
    for key in sections:
        if key in cfg:
            _check_node(cfg[key], typing.get_type_hints(AppConfig)[key], f"{key}.")
    scenario = cfg.get("scenario")
    if scenario is not None:
        kind = scenario.get("kind", "escalation")
        if kind in SCENARIO_KINDS:
            _check_node(scenario, SCENARIO_KINDS[kind], "scenario.")
    for name, policy in (cfg.get("policies") or {}).items():
        prefix = f"policies.{name}."
        if not isinstance(policy, DictConfig | dict):
            raise ConfigError(
                f"policies.{name} = {policy!r} is not allowed: must be a policy (levers by slot)"
            )
        for slot in policy:
            if slot not in registry.SLOTS:
                raise _unknown(prefix, str(slot), list(registry.SLOTS))
            section = policy[slot]
            if isinstance(section, DictConfig | dict):
                _check_lever(section, slot, f"{prefix}{slot}.")


def _check_lever(section: Any, slot: str, prefix: str) -> None:
    """A lever section's keys are its mode's fields; a key of another mode of the slot
    is named as such."""
    mode = section.get("mode", registry.SLOTS[slot])
    schema = registry.config_class(slot, mode)
    if schema is None:
        return  # an unknown mode: reported, with the modes allowed, when typed
    known = [f.name for f in fields(schema)]
    for key in section:
        if key in known:
            continue
        every = {m: [f.name for f in fields(lm.config)] for m, lm in registry.modes(slot).items()}
        owners = [m for m, keys in every.items() if key in keys]
        if owners:  # no "did you mean": the key is right, the mode is not
            note = f" for mode {mode!r} (it is a key of mode {' and '.join(map(repr, owners))})"
            raise ConfigError(f"{prefix}{key} is not a configuration key{note}")
        similar = sorted({k for keys in every.values() for k in keys})
        raise _unknown(prefix, str(key), known, "", similar)
    _check_node(section, schema, prefix)  # and each value of its type


# --------------------------------------------------------------------------- before Hydra


def check_override_key(key: str) -> None:
    """Raise a ConfigError, with the key probably meant, if ``key`` (a dotted key given
    without ``+``) is a key of no configuration the schema allows. Hydra would refuse it
    too, but advise adding it with ``+``; this is checked before Hydra, against the
    typed schema alone (no composition), and accepts whatever the schema leaves open (a
    policy's or an uncertainty's name, a lever section of a plugin's mode)."""
    parts = key.split(".")
    top = [f.name for f in fields(AppConfig)]
    if parts[0] not in top:
        raise _unknown("", parts[0], top)
    rest = parts[1:]
    if parts[0] == "scenario":
        errors = []
        for schema in SCENARIO_KINDS.values():  # a key of any kind of scenario
            try:
                _walk(rest, schema, "scenario.")
                return
            except ConfigError as err:
                errors.append(err)
        raise errors[0]
    if parts[0] == "policies":
        if len(rest) >= 2:  # policies.<name>.<slot>[.<field>]
            slot, prefix = rest[1], f"policies.{rest[0]}."
            if slot not in registry.SLOTS:
                raise _unknown(prefix, slot, list(registry.SLOTS))
            if len(rest) >= 3:
                every = sorted(
                    {f.name for lm in registry.modes(slot).values() for f in fields(lm.config)}
                )
                if rest[2] not in every:
                    raise _unknown(f"{prefix}{slot}.", rest[2], every)
        return
    _walk(rest, typing.get_type_hints(AppConfig)[parts[0]], f"{parts[0]}.")


def _walk(parts: list[str], schema: Any, prefix: str) -> None:
    """Follow ``parts`` down ``schema`` as :func:`_check_node` would check a node there."""
    for part in parts:
        origin = typing.get_origin(schema)
        if origin is dict:
            schema = typing.get_args(schema)[1]  # any name
        elif origin is list:
            schema = typing.get_args(schema)[0] if typing.get_args(schema) else Any
        elif isinstance(schema, type) and is_dataclass(schema):
            known = [f.name for f in fields(schema)]
            if part not in known:
                raise _unknown(prefix, part, known)
            schema = typing.get_type_hints(schema)[part]
        else:
            return  # open below here: typed later, when composed
        prefix += f"{part}."


def check_override_keys(overrides: list[str]) -> None:
    """:func:`check_override_key` for each override that sets a dotted key without ``+``
    (command-line flags, config groups, deletions and Hydra's own keys are left to
    Hydra and to the later checks)."""
    for arg in overrides:
        if arg.startswith(("-", "+", "~")) or "=" not in arg:
            continue
        key = arg.split("=", 1)[0]
        if "." not in key or "/" in key or key.startswith("hydra.") or "@" in key:
            continue
        check_override_key(key)


make_strict(AppConfig)  # the app's settings: output, validation, study, optimiser
