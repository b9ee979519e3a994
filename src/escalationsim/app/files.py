"""Writing results: every file goes to a temporary name in the same folder first and is
then renamed, so a reader never sees a half-written file and an interrupted run leaves
the previous version intact."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

TMP_SUFFIX = ".escalationsim.tmp"
"""The end of this program's temporary files' names: a run folder's leftovers that a
rerun may remove (a user's own ``*.tmp`` files are never touched)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class NoSpaceError(OSError):
    """The device filled up (or the user's quota ran out) while a result was written:
    the message names the file; nothing half-written is left."""


def _no_space(err: BaseException) -> bool:
    """Whether ``err`` says the device or the quota is full (pyarrow's own errors carry
    the C library's text, not an errno)."""
    if not isinstance(err, OSError):
        return False
    return err.errno in (errno.ENOSPC, errno.EDQUOT) or any(
        text in str(err) for text in ("No space left on device", "Disk quota exceeded")
    )


def _full(path: Path, err: OSError) -> NoSpaceError:
    return NoSpaceError(
        errno.ENOSPC,
        f"no space left on the device to write {path} ({err.strerror or err}): free some "
        "space or write elsewhere (hydra.run.dir=..., --out); nothing half-written was "
        "left, and the folder's manifest stays unfinished, so the next run redoes the job",
    )


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path next to ``path``, then rename it; a full
    device raises :class:`NoSpaceError` naming ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    except OSError as err:
        if _no_space(err):
            raise _full(path, err) from err
        raise
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0o600; give what open() would
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if _no_space(err) and not isinstance(err, NoSpaceError):
            raise _full(path, err) from err  # type: ignore[arg-type]
        raise
    return path


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda p: df.to_csv(p, index=False))


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda p: df.to_parquet(p, index=False))


def write_text(text: str, path: Path) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def save_figure(fig: Figure, path: Path, dpi: int = 120) -> Path:
    return atomic_write(path, lambda p: fig.savefig(p, dpi=dpi, format="png", bbox_inches="tight"))
