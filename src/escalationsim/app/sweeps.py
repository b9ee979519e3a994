"""Sweeps: which jobs to check before launching them (without composing every job), and
how many jobs a sweep has (for its progress bar).

Hydra's basic sweeper composes the configuration of every job of a batch in the launching
process before it launches any, so that a bad override fails at once rather than halfway
through; each composition takes about 0.15 s here, all of it serial work that no launcher
can spread over workers. :func:`covering_subset` picks jobs of the batch such that every
override that occurs in it occurs in at least one picked job: for a grid of values that is
as many jobs as the longest list of values (6 instead of 24 for a 6 x 4 grid). Every
override is still composed once, so a misspelt key, a value of the wrong type or an
unknown config option still fails before any job runs; what is not checked up front is
a combination of overrides that only fails together, which then fails when its job runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from omegaconf import DictConfig


def covering_subset(batch: Sequence[Sequence[str]]) -> list[Sequence[str]]:
    """Jobs of ``batch`` (each a list of overrides) in which every override of the batch
    occurs at least once, in batch order. Greedy passes: first the jobs that bring the
    most overrides not yet covered, so a grid needs as many jobs as its longest axis."""
    seen: set[str] = set()
    chosen: set[int] = set()
    widest = max((len(job) for job in batch), default=0)
    for need in range(widest, 0, -1):
        for i, job in enumerate(batch):
            if i in chosen:
                continue
            new = [o for o in job if o not in seen]
            if len(new) >= need:
                chosen.add(i)
                seen.update(new)
    return [batch[i] for i in sorted(chosen)]


def count_jobs(config: DictConfig) -> int | None:
    """How many jobs the sweep will run: the product of the sizes of its sweep overrides
    (from the sweeper's params and the command line), or None if it cannot be told."""
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
        params += list(config.hydra.overrides.task)
        total = 1
        for o in OverridesParser.create().parse_overrides(params):
            if o.is_sweep_override():
                total *= len(list(o.sweep_string_iterator()))
        return total
    except Exception:  # a sweeper with other semantics: no bar rather than a wrong one
        return None


def grid_jobs(config: DictConfig) -> list[list[str]] | None:
    """Each job's overrides, in job-number order, as Hydra's basic sweeper (and this
    project's, which keeps its order) expands the sweep recorded in ``config`` (a
    sweep's multirun.yaml); None if it cannot be told."""
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
        params += list(config.hydra.overrides.task)
        parsed = OverridesParser.create().parse_overrides(params)
        batches = BasicSweeper.split_arguments(parsed, None)
        return [list(job) for batch in batches for job in batch]
    except Exception:  # a sweeper with other semantics: no grid to check against
        return None


def job_of_grid(recorded: Sequence[str], expected: Sequence[str]) -> bool:
    """Whether a job folder's recorded overrides are those of the grid's job there
    (settings that do not change results aside)."""
    return _identity(recorded) == _identity(expected)


def _identity(overrides: Sequence[str]) -> list[str]:
    """A job's overrides without those that do not change its results (hydra.*, and the
    settings of :data:`escalationsim.app.manifest.NOT_IN_HASH`), sorted."""
    from escalationsim.app.manifest import NOT_IN_HASH

    skip = {f"{a}.{b}" for a, b in NOT_IN_HASH}
    out = []
    for o in overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        if key.startswith("hydra.") or key in skip:
            continue
        out.append(o)
    return sorted(out)


def check_sweep_folder(
    sweep_dir: Path,
    jobs: Sequence[Sequence[str]],
    overwrite: bool,
    job_hash: Callable[[list[str]], str] | None = None,
    log: str = "cli.log",
) -> None:
    """Raise a ConfigError if job folders of ``sweep_dir`` (``<dir>/<job number>``) hold
    the results of jobs other than this sweep's ``jobs`` (by their recorded overrides,
    then, with ``job_hash``, by the configuration hash each job would record), unless
    ``overwrite`` (each job then replaces its folder's results); and if a symbolic link is
    planted where the sweep or a job writes (``log``: the jobs' log file name)."""
    from escalationsim.app import manifest
    from escalationsim.config.fields import ConfigError

    if not sweep_dir.exists():
        return
    if (sweep_dir / "multirun.yaml").is_symlink():  # Hydra's record, written through
        raise ConfigError(
            f"{sweep_dir} has a symbolic link where the sweep writes (multirun.yaml); this "
            "program never makes one and will not write through it: remove it, or choose "
            "another hydra.sweep.dir"
        )
    if (sweep_dir / manifest.MANIFEST).exists():  # whatever output.overwrite says
        raise ConfigError(
            f"{sweep_dir} is a run's folder (it has a {manifest.MANIFEST}): a sweep would "
            "mix its jobs and report with that run's files; choose another hydra.sweep.dir"
        )
    for i in range(len(jobs)):  # before Hydra opens a job's cli.log through a planted link
        try:
            manifest.check_no_links(sweep_dir / str(i), log)
        except manifest.FolderError as err:
            raise ConfigError(str(err)) from None
    if overwrite:
        return
    for i, job in enumerate(jobs):
        folder = sweep_dir / str(i)
        try:
            m = manifest.read(folder)
        except manifest.FolderError as err:
            raise ConfigError(str(err)) from None
        present = [n for n in manifest.results_present(folder) if n != "FAILED"]
        if m is None and not present:
            continue
        differs = m is None or _identity(m.overrides) != _identity(job)
        if not differs and job_hash is not None and m.config_hash != job_hash(list(job)):
            differs = True  # same overrides, another base configuration (edited files, env)
        if differs:
            ran = " ".join(m.overrides) if m is not None else "results without a manifest"
            raise ConfigError(
                f"{sweep_dir} holds another sweep's results (job {i} ran with: {ran}; this "
                f"sweep's job {i} is: {' '.join(job)}); set output.overwrite=true to replace "
                "them, or choose another hydra.sweep.dir"
            )


def parallel_jobs(config: DictConfig, n_jobs: int) -> int | None:
    """How many of the sweep's ``n_jobs`` jobs run at once on this machine: one under
    Hydra's basic launcher, joblib's ``n_jobs`` (negative: all cores but ``-n_jobs - 1``)
    under the joblib launcher; None under a launcher that runs them elsewhere (Ray,
    Slurm), whose machines this one cannot measure."""
    import os

    from omegaconf import OmegaConf

    target = str(OmegaConf.select(config, "hydra.launcher._target_", default="") or "")
    if target.endswith("BasicLauncher"):
        return 1
    if not target.endswith("JoblibLauncher"):
        return None
    n = OmegaConf.select(config, "hydra.launcher.n_jobs", default=-1)
    if not isinstance(n, int) or isinstance(n, bool):
        return None
    if n < 0:
        n = max(1, (os.cpu_count() or 1) + 1 + n)
    return max(1, min(n, n_jobs))


def check_sweep_memory(config: DictConfig, per_job_gib: float, n_jobs: int) -> None:
    """Raise ConfigError if the jobs the launcher runs at once would together need more
    memory than ``run.limits.max_memory_gib`` (or this machine has): ``per_job_gib`` is
    the largest estimate of the jobs checked (escalationsim.experiment.job.memory_estimate_gib)."""
    from omegaconf import OmegaConf

    from escalationsim.config.fields import ConfigError
    from escalationsim.experiment.job import machine_memory_gib

    at_once = parallel_jobs(config, n_jobs)
    if at_once is None or at_once == 1:
        return  # one job at a time: each job checked its own estimate
    limit = OmegaConf.select(config, "run.limits.max_memory_gib", default=None)
    source = "run.limits.max_memory_gib"
    if limit is None:
        limit, source = machine_memory_gib(), "this machine's memory"
    if limit is None or at_once * per_job_gib <= limit:
        return
    raise ConfigError(
        f"hydra.launcher.n_jobs: {at_once} jobs at once x about {per_job_gib:.1f} GiB each "
        f"(the largest job checked, run.workers and run.records included) = "
        f"{at_once * per_job_gib:.1f} GiB, more than {source} ({limit:.1f} GiB): set "
        f"hydra.launcher.n_jobs={max(1, int(limit // per_job_gib))} or fewer, run.records="
        "false, or raise run.limits.max_memory_gib"
    )
