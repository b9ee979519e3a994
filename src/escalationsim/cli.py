"""The ``escalationsim`` command: a Hydra app around :func:`escalationsim.runner.simulate`.

Hydra composes ``conf/config.yaml`` (shipped inside the package, so an installed wheel
finds it) with the user's overrides; the typed schema below rejects wrong types, and
:func:`escalationsim.config.validate` rejects out-of-range values, both before anything
is simulated. Results go to Hydra's run directory (``hydra.run.dir=...`` to choose).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from escalationsim.config import (
    ConfigError,
    PolicyConfig,
    RunConfig,
    ScenarioConfig,
    SimConfig,
    validate,
)

log = logging.getLogger("escalationsim")


@dataclass
class OutputConfig:
    """What to write besides kpis.csv, summary.csv and headline.md."""

    plots: bool = True
    complaints: bool = True


@dataclass
class AppConfig:
    """The schema of the composed Hydra config."""

    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    policies: dict[str, PolicyConfig] = field(default_factory=dict)
    run: RunConfig = field(default_factory=RunConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


ConfigStore.instance().store(name="base_config", node=AppConfig)


def to_sim_config(cfg: DictConfig) -> tuple[SimConfig, OutputConfig]:
    """Turn the composed Hydra config into the core's typed config."""
    app: AppConfig = OmegaConf.to_object(cfg)  # type: ignore[assignment]
    policies = {name: p for name, p in app.policies.items()}
    for name, p in policies.items():
        p.name = name
    return SimConfig(scenario=app.scenario, policies=policies, run=app.run), app.output


def compose(overrides: list[str] | None = None, config_name: str = "config") -> SimConfig:
    """The default job's SimConfig with Hydra-style overrides, for use from Python."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        cfg = hydra_compose(config_name=config_name, overrides=overrides or [])
    return to_sim_config(cfg)[0]


def run_job(cfg: DictConfig, outdir: Path) -> int:
    """Validate, simulate, write tables and plots into ``outdir``; return an exit code."""
    from escalationsim.output import write_outputs
    from escalationsim.runner import simulate
    from escalationsim.tables import headline_table, render

    try:
        sim, output = to_sim_config(cfg)
        validate(sim)
    except ConfigError as err:
        log.debug("invalid configuration: %s", err)
        print(f"escalationsim: invalid configuration: {err}", file=sys.stderr)
        return 2
    n = sim.run.replications
    log.info(
        "policies %s x %d replications, %g days (%g warm-up), %g complaints/day",
        ", ".join(sim.run.policies),
        n,
        sim.run.horizon_days,
        sim.run.warmup_days,
        sim.scenario.volume_per_day,
    )
    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        log.info("replication %d/%d done (%.1f s)", done, total, time.perf_counter() - t0)

    results = simulate(sim, progress=progress)
    written = write_outputs(outdir, sim, results, plots=output.plots, complaints=output.complaints)
    table = headline_table(results.summary, sim.run.policies)
    print()
    print(render(table))
    print()
    print(f"{len(written)} files written to {outdir.resolve()}")
    log.info("done in %.1f s; outputs in %s", time.perf_counter() - t0, outdir.resolve())
    return 0


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def _app(cfg: DictConfig) -> None:
    outdir = Path(HydraConfig.get().runtime.output_dir)
    code = run_job(cfg, outdir)
    if code:
        sys.exit(code)


def main() -> None:
    """Console-script entry point."""
    _app()


if __name__ == "__main__":
    main()
