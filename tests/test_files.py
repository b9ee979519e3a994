"""Tests for escalationsim.app.files (atomic writes of tables, text and figures)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from escalationsim.app.files import atomic_write, save_figure, write_csv, write_parquet, write_text

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _leftovers(folder: Path, target: Path) -> list[Path]:
    """Everything in ``folder`` except the target file itself."""
    return [p for p in folder.iterdir() if p != target]


def test_atomic_write_success_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    seen: list[Path] = []

    def writer(p: Path) -> None:
        seen.append(p)
        # The writer gets a different, temporary path in the same folder.
        assert p != target and p.parent == target.parent
        assert not target.exists()
        p.write_text("hello", encoding="utf-8")

    result = atomic_write(target, writer)
    assert result == target
    assert target.read_text(encoding="utf-8") == "hello"
    assert len(seen) == 1 and not seen[0].exists()
    assert _leftovers(tmp_path, target) == []


def test_atomic_write_creates_parent_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.txt"
    write_text("x", target)
    assert target.read_text(encoding="utf-8") == "x"


def test_atomic_write_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    write_text("new", target)
    assert target.read_text(encoding="utf-8") == "new"
    assert _leftovers(tmp_path, target) == []


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_atomic_write_failure_keeps_previous_content(tmp_path: Path, exc: BaseException) -> None:
    target = tmp_path / "out.txt"
    target.write_text("previous", encoding="utf-8")

    def writer(p: Path) -> None:
        p.write_text("half-writ", encoding="utf-8")
        raise exc

    with pytest.raises(type(exc)):
        atomic_write(target, writer)
    assert target.read_text(encoding="utf-8") == "previous"
    assert _leftovers(tmp_path, target) == []


def test_atomic_write_failure_without_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"

    def writer(p: Path) -> None:
        raise ValueError("nothing written")

    with pytest.raises(ValueError, match="nothing written"):
        atomic_write(target, writer)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_honours_umask_like_a_plain_write(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x", encoding="utf-8")
        atomic = write_text("x", tmp_path / "atomic.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(plain).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(atomic).st_mode) == 0o644


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "policy": ["a", "b", "c", "d"],
            "replication": np.arange(4, dtype=np.int64),
            "value": rng.normal(size=4),
            "flag": [True, False, True, False],
        }
    )


def test_write_csv_round_trip(tmp_path: Path) -> None:
    df = _frame()
    path = write_csv(df, tmp_path / "t.csv")
    back = pd.read_csv(path)
    pd.testing.assert_frame_equal(back, df, check_exact=False, rtol=1e-12)
    # No index column was written.
    assert list(back.columns) == list(df.columns)
    assert _leftovers(tmp_path, path) == []


def test_write_parquet_round_trip(tmp_path: Path) -> None:
    df = _frame()
    path = write_parquet(df, tmp_path / "t.parquet")
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back.reset_index(drop=True), df, check_dtype=False)
    assert back["value"].to_numpy().tolist() == df["value"].to_numpy().tolist()  # bit-exact
    assert _leftovers(tmp_path, path) == []


def test_save_figure_writes_png(tmp_path: Path) -> None:
    fig = Figure(figsize=(2, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1, 0, 1])
    path = save_figure(fig, tmp_path / "fig.png", dpi=50)
    data = path.read_bytes()
    assert len(data) > len(PNG_MAGIC)
    assert data[:8] == PNG_MAGIC
    assert _leftovers(tmp_path, path) == []
