"""Failure injection for subprocess tests: with this folder on PYTHONPATH, Python imports
this module at start-up, and every replication of a job whose ``volume_per_day`` is
listed in ``ESCALATIONSIM_FAIL_VOLUMES`` (comma-separated) raises. Sweeps check every
job's configuration before any job runs, so a job that fails *while running* (a crash,
not a bad value) can only be made this way."""

import os

_VOLUMES = {float(v) for v in os.environ.get("ESCALATIONSIM_FAIL_VOLUMES", "").split(",") if v}

if _VOLUMES:
    from escalationsim.experiment import runner

    _run_pair = runner.run_pair

    def _failing(cfg, *args, **kwargs):
        volume = getattr(cfg.scenario, "volume_per_day", None)
        if volume in _VOLUMES:
            raise RuntimeError(f"injected failure at volume_per_day={volume:g}")
        return _run_pair(cfg, *args, **kwargs)

    runner.run_pair = _failing
