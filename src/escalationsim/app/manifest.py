"""What a run folder holds, and who may write to it: the manifest and the lock.

The rule (docs/reliability.md): a run writes ``manifest.json`` into its folder, naming
its run id, a hash of its configuration, its status (``running``, then ``complete``) and
every file it wrote with its size, SHA-256 and row count. A folder belongs to one run at
a time:

- a second writer is stopped by a lock (``.escalationsim.lock``, ``flock``);
- a folder holding another configuration's results (or results without a manifest) is
  refused unless ``output.overwrite=true``, which removes those results first;
- a folder holding this configuration's results is rerun in place, or, for a job of a
  sweep with ``output.resume=true`` (the default), skipped when its results are complete;
- an interrupted run (status ``running``) leaves its partial files listed, and the next
  run of the folder removes them before writing;
- readers (``escalationsim-report``) read only files listed in a complete manifest and
  check them against it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

from escalationsim.app.files import TMP_SUFFIX, write_text

MANIFEST = "manifest.json"
LOCK = ".escalationsim.lock"
VERSION = 1

RESULT_FILES = (
    "complaints.parquet",
    "kpis.csv",
    "summary.csv",
    "paired.csv",
    "best_policy.csv",
    "daily.csv",
    "groups.csv",
    "headline.md",
    "report.md",
    "report.html",
    "all_kpis.csv",
    "validation.csv",
    "uncertain.csv",
    "robustness.csv",
    "ranking.csv",
    "sensitivity.csv",
    "discovery.md",
    "trials.csv",
    "best.csv",
    "FAILED",
)
"""Files this program writes into a run folder (and PNG plots): what counts as results
when a folder has no manifest (such a folder is refused without ``output.overwrite``;
with it, nothing in it is removed: :func:`clear` removes only what a manifest lists).
Not ``optuna.db``, an optimisation's study: a rerun resumes it (app/optimize.py, which starts afresh
when the study is another configuration's)."""

NOT_IN_HASH = (
    ("run", "workers"),
    ("output", "progress"),
    ("output", "resume"),
    ("output", "overwrite"),
)
"""Settings that do not change a run's results, left out of its configuration hash (a
resumed sweep may use another number of workers)."""


class FolderError(RuntimeError):
    """A run folder cannot be used as asked: the message says why and what to do."""


class FolderBusy(FolderError):
    """Another run holds the folder's lock."""


def config_hash(cfg: DictConfig | dict[str, Any]) -> str:
    """SHA-256 of the resolved configuration, keys sorted, without the settings of
    :data:`NOT_IN_HASH`."""
    data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    data = json.loads(json.dumps(data, default=str))  # a deep copy of plain values
    data.pop("hydra", None)
    for section, key in NOT_IN_HASH:
        if isinstance(data.get(section), dict):
            data[section].pop(key, None)
    text = yaml.safe_dump(data, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Manifest:
    """The record of one run in its folder."""

    run_id: str
    config_hash: str
    status: str = "running"
    started: str = ""
    finished: str = ""
    overrides: list[str] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: int = VERSION

    @property
    def complete(self) -> bool:
        return self.status == "complete"


def now() -> str:
    """UTC now, to the microsecond: a sweep resumed within the second its interrupted
    run wrote its last results must still tell which jobs finished before it started."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def new_manifest(cfg_hash: str, overrides: list[str]) -> Manifest:
    return Manifest(uuid.uuid4().hex, cfg_hash, "running", now(), "", list(overrides))


def _plain(name: str) -> bool:
    """A file name directly inside a folder (no directory part, no way out of it)."""
    return bool(name) and name == Path(name).name and name not in (".", "..")


def read(folder: Path) -> Manifest | None:
    """The folder's manifest, None if it has none; a FolderError if it is damaged (not a
    manifest of this program, or a field of the wrong kind)."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return None
    if not path.is_file():
        raise FolderError(f"{path} is not a file; remove it, or use another folder")
    try:
        data = json.loads(path.read_text())
        m = Manifest(**data)
        ok = (
            isinstance(m.run_id, str)
            and isinstance(m.config_hash, str)
            and m.status in ("running", "complete")
            and isinstance(m.overrides, list)
            and isinstance(m.files, dict)
            and all(
                isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("sha256"), str)
                for k, v in m.files.items()
            )
        )
        if not ok:
            raise ValueError("a field of the wrong kind")
        return m
    except (ValueError, TypeError, OSError) as err:
        raise FolderError(f"{path} is damaged ({err}); remove it, or use another folder") from None


def write(folder: Path, manifest: Manifest) -> Path:
    return write_text(
        json.dumps(asdict(manifest), indent=1, sort_keys=True) + "\n", Path(folder) / MANIFEST
    )


def record(path: Path) -> dict[str, Any]:
    """Size, SHA-256 and (for tables) row count of a file."""
    data = Path(path).read_bytes()
    out: dict[str, Any] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if path.suffix == ".csv":
        import pandas as pd

        out["rows"] = len(pd.read_csv(io.BytesIO(data))) if data.strip() else 0
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        out["rows"] = pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    return out


def complete(folder: Path, manifest: Manifest, paths: list[Path]) -> Manifest:
    """Record the files written and mark the run complete."""
    folder = Path(folder)
    for p in paths:
        p = Path(p)
        name = str(p.relative_to(folder)) if p.is_absolute() or folder in p.parents else p.name
        manifest.files[name] = record(folder / name)
    manifest.status = "complete"
    manifest.finished = now()
    write(folder, manifest)
    return manifest


def refresh(folder: Path, names: list[str]) -> None:
    """Record again, in the folder's complete manifest, the files a report rewrote in it
    (``escalationsim-report`` on a run's own folder), so that every file it lists still
    matches; nothing if the folder has no complete manifest."""
    m = read(folder)
    if m is None or not m.complete:
        return
    for name in names:
        if _plain(name) and (Path(folder) / name).is_file():
            m.files[name] = record(Path(folder) / name)
    write(folder, m)


REPORT_MANIFEST = "report-manifest.json"
"""A sweep folder's record of the files its report wrote (name -> size and SHA-256): a
run's report quotes a study beside it only if the study's files match it."""


def write_report_manifest(folder: Path, names: list[str]) -> None:
    folder = Path(folder)
    files = {n: record(folder / n) for n in sorted(names) if (folder / n).is_file()}
    write_text(json.dumps(files, indent=1, sort_keys=True) + "\n", folder / REPORT_MANIFEST)


def report_files_intact(folder: Path, names: tuple[str, ...]) -> bool:
    """Each of ``names`` is listed in the folder's report manifest and matches it."""
    path = Path(folder) / REPORT_MANIFEST
    try:
        files = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(files, dict):
        return False
    for name in names:
        rec = files.get(name)
        p = Path(folder) / name
        if not isinstance(rec, dict) or not p.is_file() or record(p)["sha256"] != rec.get("sha256"):
            return False
    return True


def intact(folder: Path, manifest: Manifest) -> bool:
    """Every file the manifest lists is there, with its recorded SHA-256."""
    folder = Path(folder)
    for name, rec in manifest.files.items():
        path = folder / name
        if not _plain(name) or not path.is_file():
            return False
        if record(path)["sha256"] != rec.get("sha256"):
            return False
    return True


def results_present(folder: Path) -> list[str]:
    """Result files in ``folder`` (by name, or PNG plots)."""
    folder = Path(folder)
    found = [n for n in RESULT_FILES if (folder / n).exists()]
    found += sorted(p.name for p in folder.glob("*.png"))
    return found


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file of ``folder`` by name -> (inode, modification time): what was there
    before a run, so that its manifest lists only the files it wrote (a file this program
    writes is renamed into place, a new inode; a user's file left alone keeps its own)."""
    out = {}
    for p in Path(folder).iterdir() if Path(folder).is_dir() else ():
        with contextlib.suppress(OSError):
            st = p.lstat()
            out[p.name] = (st.st_ino, st.st_mtime_ns)
    return out


def written_since(folder: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """Result files of ``folder`` (:func:`results_present`) written since ``before``."""
    now = snapshot(folder)
    return [n for n in results_present(folder) if n in now and now[n] != before.get(n)]


def _written_after(folder: Path, started: str) -> list[str]:
    """Result files of ``folder`` (by name, or PNG plots) last written at or after
    ``started`` (an ISO time): an interrupted run's, not a user's file already there."""
    try:
        t0 = dt.datetime.fromisoformat(started).timestamp()
    except (TypeError, ValueError):
        return []
    out = []
    for name in results_present(folder):
        with contextlib.suppress(OSError):
            if (Path(folder) / name).lstat().st_mtime >= t0:
                out.append(name)
    return out


def clear(folder: Path, manifest: Manifest | None) -> list[str]:
    """Remove a previous run's results from ``folder``: only the files its manifest lists,
    the FAILED marker this program writes for a failed sweep job, this program's leftover
    temporary files (named ``*.escalationsim.tmp``), the manifest, and, for a run that was
    interrupted before it listed its files, the result files written since it started.
    Nothing else is ever removed, whatever its name: a user's file in the folder, or
    results of a run that left no manifest, stay (the new run's files replace those of
    the same name; its manifest lists only its own)."""
    folder = Path(folder)
    names = {p.name for p in folder.glob(f".*{TMP_SUFFIX}")} | {"FAILED"}
    if manifest is not None:
        names |= set(manifest.files)
        if not manifest.complete:  # interrupted before it listed its files: those it wrote
            names |= set(_written_after(folder, manifest.started))
    removed = []
    for name in sorted(names):
        if not _plain(name):  # never anything outside the folder, whatever a manifest says
            continue
        path = folder / name
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(name)
    (folder / MANIFEST).unlink(missing_ok=True)
    return removed


OWN_NAMES = (LOCK, MANIFEST, ".hydra", "cli.log", "FAILED")
"""Names in a run folder that this program (or Hydra for it) writes to or through."""


def planted_links(folder: Path, log: str = "cli.log") -> list[str]:
    """Names of :data:`OWN_NAMES`, result files and the job's log (``log``: Hydra's
    ``<hydra.job.name>.log``) in ``folder`` that are symbolic links: this program never
    makes one, so writing through it would write wherever it points."""
    folder = Path(folder)
    names = (*OWN_NAMES, log, *RESULT_FILES, ".hydra/config.yaml", ".hydra/overrides.yaml")
    return [n for n in dict.fromkeys(names) if (folder / n).is_symlink()]


def check_no_links(folder: Path, log: str = "cli.log") -> None:
    """A FolderError naming the symbolic links planted in ``folder``, if any."""
    links = planted_links(folder, log)
    if links:
        raise FolderError(
            f"{folder} has symbolic links where this program writes ({', '.join(links)}); "
            "it never makes them and will not write through them: remove them, or choose "
            "another folder"
        )


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the folder's lock for the block; a FolderError if another run holds it, or if
    the folder has links planted where the run writes (:func:`check_no_links`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    check_no_links(folder)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(
                f"{folder} is being written by another run (it holds {LOCK}); wait for it "
                "to finish, or choose another folder"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


SKIP, RUN = "skip", "run"


def prepare(
    folder: Path, cfg_hash: str, *, sweeping: bool, resume: bool, overwrite: bool
) -> tuple[str, list[str]]:
    """Decide what to do with ``folder`` before a run writes to it (hold its lock):
    ``(SKIP, [])`` for a sweep job whose results are complete for this configuration,
    else ``(RUN, removed)`` after removing a previous run's results that this run may
    replace. Raise FolderError for another configuration's results without
    ``overwrite``."""
    m = read(folder)
    same = m is not None and m.config_hash == cfg_hash
    if same and m.complete and sweeping and resume and intact(folder, m):
        (Path(folder) / "FAILED").unlink(missing_ok=True)  # a stale marker of a refused try
        return SKIP, []
    if not same and not overwrite:
        present = [n for n in results_present(folder) if n != "FAILED"]
        if m is not None or present:
            what = (
                f"the results of another configuration (run {m.run_id[:8]}, {m.status})"
                if m is not None
                else f"results without a manifest ({', '.join(present[:4])}"
                + (", ..." if len(present) > 4 else "")
                + ")"
            )
            raise FolderError(
                f"{folder} holds {what}; set output.overwrite=true to replace them, or "
                "choose another folder (hydra.run.dir / hydra.sweep.dir)"
            )
    return RUN, clear(folder, m)
