"""Shared fixtures: small jobs composed from the packaged configs."""

from __future__ import annotations

import functools
import os

# make test runs a worker process per core (pytest-xdist): BLAS threads of their own on
# top (numpy's OpenBLAS starts one per core and spins while waiting) oversubscribe the
# cores and made SALib's sensitivity tests ten times slower. Set before numpy is loaded,
# so that the command's subprocesses inherit it too.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from escalationsim import SimConfig, compose, simulate  # noqa: E402
from escalationsim.experiment.runner import Results  # noqa: E402

threadpool_limits(1)  # in case a plugin loaded numpy before this file

PRESETS = ["rigid_script", "empowered_rep", "ceo_responds", "ceo_redirects", "omnichannel"]


NO_TRIAGE = (
    "policies.ceo_responds.ceo.handover_after_h=0",
    "scenario.channels.ceo.writer_patience_days=0",
)
"""A responding CEO who answers every letter, however long the inbox, and writers who
wait for ever: the policy before the CEO triaged (tests of a saturated CEO)."""


def small_config(*overrides: str, policies: list[str] | None = None) -> SimConfig:
    """A short, single-process job; overrides in Hydra syntax."""
    pols = policies or PRESETS
    base = [
        f"run.policies=[{','.join(pols)}]",
        "run.replications=1",
        "run.horizon_days=6",
        "run.warmup_days=1",
        "run.workers=1",
        "scenario.volume_per_day=300",
    ]
    return compose(base + list(overrides))


@functools.cache
def _cached_run(overrides: tuple[str, ...]) -> Results:
    return simulate(small_config(*overrides))


@pytest.fixture(scope="session")
def all_presets() -> Results:
    """Every preset, one short replication, complaint rows kept."""
    return _cached_run(())


# Property-based tests draw the same examples on every run and machine, so they never flake.
hypothesis_settings.register_profile("escalationsim", derandomize=True, database=None)
hypothesis_settings.load_profile("escalationsim")


def _shared_state() -> tuple:
    """What a test could leave behind for the next one in the same process: the channel,
    lever-mode and KPI registries, loaded plugins, Hydra's global state, the garbage
    collector's thresholds, numpy's global generator, the signal handlers and the
    loggers' levels (a run that installs a handler or silences a logger must undo it)."""
    import gc
    import logging
    import signal

    import numpy as np
    from hydra.core.global_hydra import GlobalHydra

    from escalationsim.analysis import kpis
    from escalationsim.engine import channels
    from escalationsim.experiment import plugins
    from escalationsim.policy import registry

    state = np.random.get_state()
    return (
        channels.names(),
        {slot: sorted(modes) for slot, modes in registry._MODES.items()},
        [getattr(k, "name", None) or repr(k) for k in kpis.REGISTRY],
        sorted(plugins._loaded),
        GlobalHydra.instance().is_initialized(),
        gc.get_threshold(),
        (state[1][:4].tobytes(), int(state[2])),
        tuple(signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)),
        logging.root.level,
        logging.root.manager.disable,
        sorted(
            (name, lg.level, lg.disabled, lg.propagate)
            for name, lg in list(logging.root.manager.loggerDict.items())
            if isinstance(lg, logging.Logger) and name.startswith("escalationsim")
        ),
    )


@pytest.fixture(autouse=True)
def _no_state_leaks(request):
    """Every test leaves the process as it found it (a test that passed alone and failed
    in a full run was reported; none of these leaks was found, and this keeps it so)."""
    before = _shared_state()
    yield
    after = _shared_state()
    assert after == before, f"{request.node.nodeid} changed shared state"
