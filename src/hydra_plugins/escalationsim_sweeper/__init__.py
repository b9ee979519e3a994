"""Hydra sweeper plugin: the basic sweeper, checking its jobs and its folder first.

Selected in ``escalationsim/conf/config.yaml`` (``override hydra/sweeper: covering``);
``hydra/sweeper=basic`` on the command line restores Hydra's own. Hydra only instantiates
plugins defined under the ``hydra_plugins`` package, hence this thin module; the logic is
in :mod:`escalationsim.app.sweeps`.

No ``from __future__ import annotations`` here: Hydra's plugin scan executes this module
without registering it in ``sys.modules``, where ``dataclass`` would look string
annotations up.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins import basic_sweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import CompactHydraException, ConfigCompositionException
from omegaconf import OmegaConf


class LauncherError(CompactHydraException):
    """The launcher could not start the jobs (printed by Hydra as a message)."""


def _unreachable(launcher: Any, err: Exception) -> str:
    name = type(launcher).__name__
    if name.startswith("Ray"):
        return (
            f"the Ray launcher found no Ray cluster ({err}): start one first (`ray start "
            "--head`, or set hydra.launcher.ray.init.address to a running cluster's "
            "address), or leave out hydra.launcher.ray.init.address=auto to start a local "
            "one for this sweep; jobs that finished are kept and the rerun resumes"
        )
    return f"{name} could not reach the machines it runs jobs on: {err}"


@dataclass
class CoveringSweeperConf:
    _target_: str = "hydra_plugins.escalationsim_sweeper.CoveringSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = None


ConfigStore.instance().store(
    group="hydra/sweeper", name="covering", node=CoveringSweeperConf, provider="escalationsim"
)


class CoveringSweeper(basic_sweeper.BasicSweeper):
    """Hydra's basic sweeper (same grid, same order, same batches), except that before
    anything is written or launched (1) a covering subset of all its jobs is composed and
    checked as each job would check itself (``escalationsim.app.cli.check_config``), and
    (2) its folder is checked: job folders that hold another sweep's results stop it
    unless ``output.overwrite=true`` (``escalationsim.app.sweeps.check_sweep_folder``)."""

    def sweep(self, arguments: list[str]) -> Any:
        from escalationsim.app.sweeps import check_sweep_folder
        from escalationsim.config.fields import ConfigError

        params_conf = self._parse_config()
        params_conf.extend(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        self.overrides = self.split_arguments(
            parser.parse_overrides(params_conf), self.max_batch_size
        )
        jobs = [list(job) for batch in self.overrides for job in batch]
        self._check_jobs(jobs)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        subdir = OmegaConf.to_container(self.config.hydra.sweep, resolve=False).get("subdir")
        if subdir != "${hydra.job.num}":
            raise ConfigCompositionException(
                f"hydra.sweep.subdir = {subdir!r} is not allowed: must be ${{hydra.job.num}} "
                "(escalationsim finds, checks and resumes a sweep's jobs by their number)"
            )
        overwrite = bool(OmegaConf.select(self.config, "output.overwrite", default=False))
        try:
            log = f"{OmegaConf.select(self.config, 'hydra.job.name', default='cli')}.log"
            check_sweep_folder(sweep_dir, jobs, overwrite, self._job_hash, log)
        except ConfigError as err:
            raise ConfigCompositionException(str(err)) from None
        sweep_dir.mkdir(parents=True, exist_ok=True)
        record = OmegaConf.to_container(self.config, resolve=False)
        record.get("hydra", {}).get("runtime", {}).pop("cwd", None)  # this machine's path
        OmegaConf.save(OmegaConf.create(record), sweep_dir / "multirun.yaml")
        returns = []
        initial_job_idx = 0
        while not self.is_done():
            batch = self.get_job_batch()
            try:
                results = self.launcher.launch(batch, initial_job_idx=initial_job_idx)
            except ConnectionError as err:  # Ray with no cluster at the address given
                raise LauncherError(_unreachable(self.launcher, err)) from None
            for r in results:
                _ = r.return_value  # raises if the job failed in a way Hydra reports
            initial_job_idx += len(batch)
            returns.append(results)
        return returns

    def _job_hash(self, overrides: list[str]) -> str:
        """The configuration hash a job would record (composing it)."""
        from omegaconf import open_dict

        from escalationsim.app.manifest import config_hash
        from escalationsim.app.study import apply_scenario
        from escalationsim.config.fields import ConfigError

        loader = self.hydra_context.config_loader if self.hydra_context else self.config_loader
        cfg = loader.load_sweep_config(master_config=self.config, sweep_overrides=overrides)
        with open_dict(cfg):
            cfg.pop("hydra", None)
        try:
            apply_scenario(cfg)  # as the job will: a study's job gets its world's values
        except ConfigError as err:
            raise ConfigCompositionException(
                f"invalid configuration in sweep job {' '.join(overrides)}: {err}"
            ) from None
        return config_hash(cfg)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        self._check_jobs([list(job) for job in batch])

    def _check_jobs(self, jobs: list[list[str]]) -> None:
        from omegaconf import open_dict

        from escalationsim.app.cli import check_config, job_inert, refuse_varied
        from escalationsim.app.inert import refuse_in_sweep
        from escalationsim.app.sweeps import check_sweep_memory, covering_subset
        from escalationsim.config.fields import ConfigError
        from escalationsim.experiment.job import memory_estimate_gib

        loader = self.hydra_context.config_loader if self.hydra_context else self.config_loader
        checked = []
        largest = 0.0  # GiB: the largest memory estimate of the jobs checked
        for overrides in covering_subset(jobs):
            cfg = loader.load_sweep_config(master_config=self.config, sweep_overrides=overrides)
            with open_dict(cfg):  # the job's own config, as its task function gets it
                cfg.pop("hydra", None)
            try:
                sim, app = check_config(cfg)
                refuse_varied(sim, app, overrides)  # a lever or uncertainty the user gave
            except ConfigError as err:
                raise ConfigCompositionException(
                    f"invalid configuration in sweep job {' '.join(overrides)}: {err}"
                ) from None
            checked.append((overrides, job_inert(sim, app)))
            largest = max(largest, memory_estimate_gib(sim))
        try:  # a setting that cannot act in any job of the sweep
            refuse_in_sweep(checked)
            check_sweep_memory(self.config, largest, len(jobs))  # the jobs run at once
        except ConfigError as err:
            raise ConfigCompositionException(f"invalid configuration: {err}") from None
