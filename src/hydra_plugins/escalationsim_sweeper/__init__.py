"""Hydra sweeper plugin: the basic sweeper, validating a covering subset of each batch.

Selected in ``escalationsim/conf/config.yaml`` (``override hydra/sweeper: covering``);
``hydra/sweeper=basic`` on the command line restores Hydra's own. Hydra only instantiates
plugins defined under the ``hydra_plugins`` package, hence this thin module; the choice of
jobs is :func:`escalationsim.app.sweeps.covering_subset`; each is checked by
:func:`escalationsim.app.cli.check_config`.

No ``from __future__ import annotations`` here: Hydra's plugin scan executes this module
without registering it in ``sys.modules``, where ``dataclass`` would look string
annotations up.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from hydra._internal.core_plugins import basic_sweeper
from hydra.core.config_store import ConfigStore

from escalationsim.app.sweeps import covering_subset


@dataclass
class CoveringSweeperConf:
    _target_: str = "hydra_plugins.escalationsim_sweeper.CoveringSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = None


ConfigStore.instance().store(
    group="hydra/sweeper", name="covering", node=CoveringSweeperConf, provider="escalationsim"
)


class CoveringSweeper(basic_sweeper.BasicSweeper):
    """Hydra's basic sweeper (same grid, same order, same batches), except that before a
    batch is launched a covering subset of its jobs is composed and checked as each job
    would check itself (types, ranges, names: ``escalationsim.app.cli.check_config``)."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        from hydra.errors import ConfigCompositionException
        from omegaconf import open_dict

        from escalationsim.app.cli import check_config
        from escalationsim.config.fields import ConfigError

        loader = self.hydra_context.config_loader if self.hydra_context else self.config_loader
        for overrides in covering_subset(batch):
            cfg = loader.load_sweep_config(
                master_config=self.config, sweep_overrides=list(overrides)
            )
            with open_dict(cfg):  # the job's own config, as its task function gets it
                cfg.pop("hydra", None)
            try:
                check_config(cfg)
            except ConfigError as err:
                raise ConfigCompositionException(
                    f"invalid configuration in sweep job {' '.join(overrides)}: {err}"
                ) from None
