"""``escalationsim-report DIR``: gather the results of a run or a sweep folder.

Every job folder under DIR that holds a ``kpis.csv`` is read; the overrides Hydra recorded
for it (``.hydra/overrides.yaml``) become columns, so swept parameters appear next to
the KPIs. Job folders with a ``.hydra`` record but no ``kpis.csv`` are reported as
failed or unfinished. Writes ``all_kpis.csv``, ``summary.csv`` (per job group and policy:
mean and 95% CI) and ``report.md`` into DIR (or ``--out``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from escalationsim.aggregate import summarise
from escalationsim.files import write_csv, write_text
from escalationsim.tables import headline_table, to_markdown


def _overrides(job: Path) -> dict[str, str]:
    """The key=value overrides Hydra recorded for a job (hydra.* and +/~ prefixes kept)."""
    path = job / ".hydra" / "overrides.yaml"
    if not path.exists():
        return {}
    items = yaml.safe_load(path.read_text()) or []
    out = {}
    for item in items:
        key, _, value = str(item).partition("=")
        if key.startswith("hydra."):
            continue
        out[key.lstrip("+~")] = value
    return out


def find_jobs(root: Path) -> tuple[list[Path], list[Path]]:
    """Job folders with results, and job folders that started but left no results."""
    done = sorted({p.parent for p in root.rglob("kpis.csv")})
    started = sorted({p.parent.parent for p in root.rglob(".hydra/config.yaml")})
    missing = [j for j in started if j not in done and j != root / "report"]
    return done, missing


def gather(root: Path) -> tuple[pd.DataFrame, list[str], list[Path]]:
    """All KPI rows under ``root`` with a ``job`` column and one column per override
    that differs between jobs (the swept parameters); also those column names and the
    job folders without results."""
    done, missing = find_jobs(root)
    frames, overrides = [], []
    for job in done:
        df = pd.read_csv(job / "kpis.csv")
        df.insert(0, "job", str(job.relative_to(root)) or ".")
        frames.append(df)
        overrides.append(_overrides(job))
    keys = sorted({k for o in overrides for k in o})
    swept = [k for k in keys if len({o.get(k) for o in overrides}) > 1]
    for df, o in zip(frames, overrides, strict=True):
        for k in swept:
            df[k] = o.get(k, "")
    kpis = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return kpis, swept, missing


def build_report(root: Path, out: Path | None = None) -> tuple[Path, list[Path]]:
    """Aggregate ``root`` and write the report files; return the report path and the
    job folders that produced no results."""
    root = Path(root)
    out = Path(out) if out else root
    kpis, group_cols, missing = gather(root)
    if kpis.empty:
        raise FileNotFoundError(f"no kpis.csv found under {root}")
    write_csv(kpis, out / "all_kpis.csv")
    parts = []
    groups = kpis.groupby(group_cols, dropna=False) if group_cols else [((), kpis)]
    lines = [f"# Report for `{root}`", ""]
    lines.append(f"{kpis['job'].nunique()} job(s) with results, {len(missing)} without.")
    if missing:
        lines += ["", "Jobs that failed or did not finish:", ""]
        lines += [f"- `{m.relative_to(root)}`" for m in missing]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        policies = list(dict.fromkeys(sub["policy"]))
        summary = summarise(sub.drop(columns=["job", *group_cols]), policies)
        for col, val in zip(group_cols, key, strict=True):
            summary.insert(0, col, val)
        parts.append(summary)
        title = ", ".join(f"{c}={v}" for c, v in zip(group_cols, key, strict=True)) or "all jobs"
        lines += ["", f"## {title}", "", to_markdown(headline_table(summary, policies))]
    write_csv(pd.concat(parts, ignore_index=True), out / "summary.csv")
    report = write_text("\n".join(lines) + "\n", out / "report.md")
    return report, missing


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    parser = argparse.ArgumentParser(
        prog="escalationsim-report", description="Aggregate a run or sweep folder."
    )
    parser.add_argument("dir", type=Path, help="a run folder or a multirun (sweep) folder")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: DIR)")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        print(f"escalationsim-report: {args.dir} is not a folder", file=sys.stderr)
        return 2
    try:
        report, missing = build_report(args.dir, args.out)
    except FileNotFoundError as err:
        print(f"escalationsim-report: {err}", file=sys.stderr)
        return 1
    for m in missing:
        print(f"failed or unfinished job: {m}", file=sys.stderr)
    print(f"report written to {report.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
