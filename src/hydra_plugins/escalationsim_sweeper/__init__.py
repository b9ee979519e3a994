"""Hydra sweeper plugin: the basic sweeper, validating a covering subset of each batch.

Selected in ``escalationsim/conf/config.yaml`` (``override hydra/sweeper: covering``);
``hydra/sweeper=basic`` on the command line restores Hydra's own. Hydra only instantiates
plugins defined under the ``hydra_plugins`` package, hence this thin module; the choice of
jobs is :func:`escalationsim.app.sweeps.covering_subset`.

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
    batch is launched only a covering subset of its jobs is composed as a check."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        super().validate_batch_is_legal(covering_subset(batch))
