"""The ``escalationsim`` command: a Hydra app around :func:`escalationsim.experiment.simulate`.

Hydra composes ``conf/config.yaml`` (shipped inside the package, so an installed wheel
finds it) with the user's overrides; the typed schema below rejects wrong types, and
:func:`escalationsim.config.validate` rejects out-of-range values, both before anything
is simulated. Results go to Hydra's run directory (``hydra.run.dir=...`` to choose).
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from escalationsim.app.progress import ProgressBar
from escalationsim.config.fields import ConfigError
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.experiment.job import RunConfig, SimConfig, validate
from escalationsim.experiment.plugins import load_plugins
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


@dataclass
class AppConfig:
    """The schema of the composed Hydra config. ``scenario`` is typed by its config
    group's schema (``scenario/default.yaml`` extends ``escalation``, ``queue_only.yaml``
    extends ``queue_only``: SCENARIO_KINDS), so Hydra type-checks it as it composes;
    each policy's lever sections are typed by their modes' config dataclasses (the lever
    registry) when the job starts, and for a sweep's covering subset before it starts."""

    job: str = "compare"
    scenario: Any = None
    policies: dict[str, Any] = field(default_factory=dict)
    run: RunConfig = field(default_factory=RunConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)


ConfigStore.instance().store(name="base_config", node=AppConfig)
for _kind, _schema in SCENARIO_KINDS.items():
    ConfigStore.instance().store(group="scenario", name=f"schema_{_kind}", node=_schema)


def _typed(schema: type, node: Any, prefix: str) -> Any:
    """``node`` merged into the structured config ``schema``: unknown keys and wrong
    types raise a ConfigError naming the full key."""
    try:
        typed = OmegaConf.merge(OmegaConf.structured(schema), node)
    except OmegaConfBaseException as err:
        key = getattr(err, "full_key", "") or ""
        msg = str(getattr(err, "msg", err)).strip()
        raise ConfigError(f"{prefix}.{key}: {msg}" if key else f"{prefix}: {msg}") from None
    return OmegaConf.to_object(typed)


def typed_policy(name: str, node: Any) -> PolicyConfig:
    """A policy config from its composed node: each lever section typed by the config
    dataclass of the mode it names (its slot's default mode if it names none)."""
    prefix = f"policies.{name}"
    node = node if node is not None else {}
    for key in node:
        if key not in registry.SLOTS and key != "name":
            raise ConfigError(
                f"{prefix}.{key} is not a lever: must be one of {list(registry.SLOTS)}"
            )
    levers = {}
    for slot, default in registry.SLOTS.items():
        section = node.get(slot) or {}
        mode = section.get("mode", default)
        schema = registry.config_class(slot, mode)
        if schema is None:
            raise ConfigError(
                f"{prefix}.{slot}.mode = {mode!r} is not allowed: must be one of "
                f"{sorted(registry.modes(slot))}"
            )
        levers[slot] = _typed(schema, section, f"{prefix}.{slot}")
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
    return _typed(SCENARIO_KINDS[kind], node, "scenario")


def to_sim_config(cfg: DictConfig) -> tuple[SimConfig, AppConfig]:
    """Turn the composed Hydra config into the core's typed config (and the app's)."""
    scenario = _scenario(cfg.get("scenario"))
    nodes = cfg.get("policies") or {}
    if isinstance(nodes, DictConfig):  # resolve interpolations against the whole config
        nodes = OmegaConf.to_container(nodes, resolve=True)
    policies = {name: typed_policy(name, node) for name, node in nodes.items()}
    app: AppConfig = OmegaConf.to_object(cfg)  # type: ignore[assignment]
    app.scenario = scenario
    app.policies = policies
    return SimConfig(scenario=scenario, policies=dict(policies), run=app.run), app


def check_config(cfg: DictConfig) -> None:
    """Everything a job checks before it simulates (types, ranges, names): raise a
    ConfigError naming the key. Sweeps call it on their jobs before launching any."""
    sim, app = to_sim_config(cfg)
    if app.job not in JOBS:
        raise ConfigError(f"job = {app.job!r} is not allowed: must be one of {sorted(JOBS)}")
    if app.job == "validation":
        from escalationsim.experiment.validation import validate_validation

        validate_validation(app.validation)
    else:
        validate(sim)


def compose(overrides: list[str] | None = None, config_name: str = "config") -> SimConfig:
    """The default job's SimConfig with Hydra-style overrides, for use from Python."""
    load_plugins()
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        cfg = hydra_compose(config_name=config_name, overrides=overrides or [])
    return to_sim_config(cfg)[0]


def _fail(err: ConfigError) -> int:
    log.error("invalid configuration: %s", err)
    print(f"escalationsim: invalid configuration: {err}", file=sys.stderr)
    return 2


def compare_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Compare ``run.policies`` on the scenario; write tables and plots."""
    from escalationsim.app.output import write_outputs
    from escalationsim.app.tables import headline_table, render
    from escalationsim.experiment.runner import simulate

    try:
        validate(sim)
    except ConfigError as err:
        return _fail(err)
    log.info(
        "policies %s x %d replications, %g days (%g warm-up), scenario %s",
        ", ".join(sim.run.policies),
        sim.run.replications,
        sim.run.horizon_days,
        sim.run.warmup_days,
        sim.scenario.name,
    )
    t0 = time.perf_counter()
    with ProgressBar(enabled=app.output.progress) as bar:
        results = simulate(sim, progress=bar)
    written = write_outputs(
        outdir, sim, results, plots=app.output.plots, complaints=app.output.complaints
    )
    from escalationsim.app.report import build_report

    report, _ = build_report(outdir, plots=app.output.plots)
    written.append(report)
    print()
    print(render(headline_table(results.summary, sim.run.policies)))
    print()
    print(f"{len(written)} files written to {outdir.resolve()}")
    log.info("done in %.1f s; outputs in %s", time.perf_counter() - t0, outdir.resolve())
    return 0


def validation_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Simulate the queue-only cases and compare them with Erlang C / Erlang A."""
    from escalationsim.app.files import write_csv
    from escalationsim.experiment.validation import run_validation, validate_validation

    cfg = app.validation
    try:
        validate_validation(cfg)
    except ConfigError as err:
        return _fail(err)
    t0 = time.perf_counter()

    def progress(case: str) -> None:
        log.info("case %s done (%.1f s)", case, time.perf_counter() - t0)

    table = run_validation(cfg, progress)
    path = write_csv(table, outdir / "validation.csv")
    with pd.option_context("display.width", 120, "display.max_rows", 500):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    bad = int((~table["within_ci"]).sum())
    print(
        f"\n{len(table) - bad}/{len(table)} analytic values inside the simulated "
        f"{cfg.level:.0%} confidence intervals; written to {path.resolve()}"
    )
    return 0


JOBS: dict[str, Callable[[SimConfig, AppConfig, Path], int]] = {
    "compare": compare_job,
    "validation": validation_job,
}


def run_job(cfg: DictConfig, outdir: Path) -> int:
    """Type-check the composed config and run the job it names; return an exit code."""
    try:
        sim, app = to_sim_config(cfg)
    except ConfigError as err:
        return _fail(err)
    if app.job not in JOBS:
        return _fail(
            ConfigError(f"job = {app.job!r} is not allowed: must be one of {sorted(JOBS)}")
        )
    return JOBS[app.job](sim, app, outdir)


def _mark_failed(outdir: Path, reason: str) -> None:
    from escalationsim.app.files import write_text

    write_text(reason + "\n", outdir / "FAILED")


load_plugins()  # before Hydra composes: plugins' lever modes type policies' sections


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def _app(cfg: DictConfig) -> int:
    hc = HydraConfig.get()
    outdir = Path(hc.runtime.output_dir)
    sweeping = hc.mode == RunMode.MULTIRUN
    try:
        code = run_job(cfg, outdir)
    except Exception as err:
        if not sweeping:
            raise
        # One job of a sweep must not stop the others: record it, let the sweep go on.
        log.exception("job failed")
        _mark_failed(outdir, "".join(traceback.format_exception_only(err)).strip())
        return 1
    if code:
        if not sweeping:
            sys.exit(code)
        _mark_failed(outdir, f"exited with code {code} (see cli.log)")
    return code


def main() -> None:
    """Console-script entry point."""
    _app()


if __name__ == "__main__":
    main()
