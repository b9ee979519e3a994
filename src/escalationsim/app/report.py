"""``escalationsim-report DIR``: gather the results of a run or a sweep folder.

Every job folder under DIR whose manifest says it is complete, and whose ``kpis.csv`` still
matches the manifest, is read (in a sweep folder, only the jobs of its grid); the
overrides recorded for it (``.hydra/overrides.yaml``) that differ between jobs become
columns, so swept parameters appear next to the KPIs. Jobs that failed, did not finish,
never started or hold results that cannot be trusted are listed with the reason, the
others are aggregated anyway, and the command exits 1. Writes into DIR (or ``--out``):
``all_kpis.csv``, ``summary.csv`` (mean and 95% CI per swept setting and policy),
``paired.csv`` (differences against a baseline policy, paired and unpaired intervals),
``report.md``, PNG plots, and ``report.html`` (one self-contained page for a leadership
reader: :mod:`escalationsim.app.html_report`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from escalationsim.analysis import kpis as kpi_registry
from escalationsim.analysis.aggregate import paired_differences, summarise
from escalationsim.analysis.outcomes.daily import measure as daily_measure
from escalationsim.analysis.outcomes.groups import GROUP_MEASURES
from escalationsim.app import manifest
from escalationsim.app.files import write_csv, write_text
from escalationsim.app.study import is_study, study_report
from escalationsim.app.tables import fmt_value, headline_table, to_markdown
from escalationsim.experiment.plugins import load_plugins


@dataclass
class Gathered:
    """Everything read from a run or sweep folder."""

    kpis: pd.DataFrame
    daily: pd.DataFrame
    swept: list[str]
    done: list[Path]
    failed: dict[Path, str] = field(default_factory=dict)


def _overrides(job: Path, quiet: bool = False) -> dict[str, str]:
    """The key=value overrides recorded for a job (hydra.* left out); a ValueError if the
    record is damaged (an empty dict with ``quiet``)."""
    path = job / ".hydra" / "overrides.yaml"
    if not path.exists():
        return {}
    try:
        items = yaml.safe_load(path.read_text()) or []
        if not isinstance(items, list):
            raise yaml.YAMLError("not a list")
    except yaml.YAMLError as err:
        if quiet:
            return {}
        raise ValueError(f"{path} is damaged ({str(err).splitlines()[0]})") from None
    out = {}
    for item in items:
        key, _, value = str(item).partition("=")
        if key.startswith("hydra."):
            continue
        out[key.lstrip("+~")] = value
    return out


def find_jobs(root: Path, current: Path | None = None) -> tuple[list[Path], dict[Path, str]]:
    """Job folders whose results may be read, and job folders that failed, left no
    results or hold results that cannot be trusted (with the reason).

    Results are read only from a folder whose manifest says the run is complete and
    whose ``kpis.csv`` (and ``daily.csv``) still match the manifest's record; the
    folder ``current`` (the run now writing its own report) is read as it is. In a sweep
    folder only the jobs of its grid (``multirun.yaml``) count."""
    root = Path(root)
    if current is not None:  # a run reporting on itself reads its own folder only
        why = _untrusted(Path(current), current)
        return ([Path(current)], {}) if why is None else ([], {Path(current): why or "no results"})
    total = _grid_size(root)
    expected = _grid(root) if total is not None else None
    markers = ("kpis.csv", manifest.MANIFEST, "FAILED", ".hydra/config.yaml")
    found = {p.parent for m in markers for p in root.rglob(m)}
    found = {j.parent if j.name == ".hydra" else j for j in found}
    grid: set[Path] = set()
    if total is not None:
        grid = {root / str(i) for i in range(total)}
        found = {j for j in found if j in grid}
    done: list[Path] = []
    failed: dict[Path, str] = {}
    for job in sorted(found):
        why = _untrusted(job, current)
        if why is None and expected is not None:
            why = _not_of_grid(job, expected)
        if why is None:
            done.append(job)
        elif why:
            failed[job] = why
    for job in sorted(grid - found, key=lambda j: int(j.name)):
        failed[job] = "never started (the sweep was stopped before it)"
    return done, failed


def _untrusted(job: Path, current: Path | None) -> str | None:
    """Why the job's results cannot be read (None: they can; "": not a job of ours)."""
    marker = job / "FAILED"
    if marker.exists():
        lines = marker.read_text().strip().splitlines()
        return lines[-1] if lines else "failed"
    if current is not None and job.resolve() == Path(current).resolve():
        return None if (job / "kpis.csv").exists() else "no results"
    try:
        m = manifest.read(job)
    except manifest.FolderError as err:
        return str(err)
    if m is None:
        if (job / "kpis.csv").exists():
            return (
                "kpis.csv has no manifest (not written by this version of escalationsim, "
                "or copied in): not read"
            )
        return "no results (still running, killed, or crashed)"
    if not m.complete:
        return "no results: the run did not finish (killed or crashed, or still running)"
    if "kpis.csv" not in m.files:
        return "" if "validation.csv" in m.files else "no kpis.csv among its results"
    for name, rec in m.files.items():  # every file it lists, not only those read here
        path = job / name
        if not path.is_file():
            return f"{name} is missing (its manifest lists it)"
        if not isinstance(rec, dict) or manifest.record(path)["sha256"] != rec.get("sha256"):
            return f"{name} does not match its manifest (damaged or replaced): not read"
    return None


def _grid(root: Path) -> list[list[str]] | None:
    """The overrides of each job of the sweep recorded in ``root/multirun.yaml``."""
    from omegaconf import OmegaConf

    from escalationsim.app.sweeps import grid_jobs

    try:
        return grid_jobs(OmegaConf.load(root / "multirun.yaml"))
    except Exception:  # an unreadable record: no grid to check against
        return None


def _not_of_grid(job: Path, expected: list[list[str]]) -> str | None:
    """Why the results in a sweep's job folder are not that job's (another sweep's, run
    into the same folder), or None."""
    from escalationsim.app.sweeps import job_of_grid

    try:
        i = int(job.name)
        m = manifest.read(job)
    except (ValueError, manifest.FolderError):
        return None
    if m is None or i >= len(expected) or job_of_grid(m.overrides, expected[i]):
        return None
    return (
        f"holds another sweep's results (ran with: {' '.join(m.overrides)}; this sweep's "
        f"job {i} is: {' '.join(expected[i])}): not read"
    )


def _grid_size(root: Path) -> int | None:
    """How many jobs a sweep's grid (its multirun.yaml) has; None for a run folder."""
    path = root / "multirun.yaml"
    if not path.exists():
        return None
    from omegaconf import OmegaConf

    from escalationsim.app.sweeps import count_jobs

    try:
        total = count_jobs(OmegaConf.load(path))
    except Exception:  # an unreadable record: treat the folder as a plain tree
        return None
    if total is not None and total > MAX_GRID:
        raise ValueError(f"{path} promises {total:,} jobs: damaged (at most {MAX_GRID:,})")
    return total


KPI_ID_COLUMNS = ("policy", "replication")
READ_FILES = ("kpis.csv", "daily.csv", "groups.csv", "uncertain.csv")
"""The files of a job the report reads, each checked against the job's manifest."""
MAX_GRID = 1_000_000
"""A sweep record promising more jobs than this is taken as damaged."""


def _read_table(path: Path, need: tuple[str, ...] = ()) -> pd.DataFrame:
    """A CSV table, with the columns ``need``; a ValueError naming it otherwise. Policy
    names are read as written (``NA`` is a name, not a missing value)."""
    try:
        df = pd.read_csv(path, dtype={"policy": str}, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} cannot be read as a table ({err})") from None
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"{path} has no {missing} column")
    return df


def _read_kpis(job: Path) -> pd.DataFrame:
    """A job's kpis.csv, checked: readable, with the id columns and at least one row."""
    path = job / "kpis.csv"
    df = _read_table(path)
    missing = [c for c in KPI_ID_COLUMNS if c not in df.columns]
    if missing or df.empty:
        raise ValueError(f"{path} is not a kpis.csv of escalationsim (no {missing or 'rows'})")
    return df


def _numeric(series: pd.Series) -> pd.Series:
    """Numbers where every value given is a number (missing values stay missing)."""
    conv = pd.to_numeric(series, errors="coerce")
    return conv if conv.notna().sum() == series.notna().sum() else series


def gather(root: Path, current: Path | None = None) -> Gathered:
    """All KPI rows (and daily series) under ``root`` with swept parameters as columns:
    only the jobs whose results can be trusted (:func:`find_jobs`)."""
    done, failed = find_jobs(root, current)
    frames, dailies, overrides = [], [], []
    readable = []
    for job in done:
        try:
            df = _read_kpis(job)
            daily_path = job / "daily.csv"
            daily = _read_table(daily_path) if daily_path.exists() else pd.DataFrame()
            job_overrides = _overrides(job)
        except ValueError as err:
            failed[job] = str(err)
            continue
        readable.append(job)
        name = str(job.relative_to(root)) if job != root else "."
        frames.append(pd.concat([pd.Series(name, index=df.index, name="job"), df], axis=1))
        if not daily.empty:
            daily.insert(0, "job", name)
        dailies.append(daily)
        overrides.append(job_overrides)
    done = readable
    # failed jobs that recorded their overrides show the grid too; jobs that never
    # started recorded none and say nothing about which parameters vary
    every = [o for o in overrides + [_overrides(job, quiet=True) for job in failed] if o]
    keys = sorted({k for o in every for k in o})
    # which policies a job ran is the policy column itself: jobs that ran different
    # policies on one configuration are compared as one (run.policies=[a],[b])
    swept = [k for k in keys if len({o.get(k) for o in every}) > 1 and k != POLICIES_KEY]
    for i, (df, daily, o) in enumerate(zip(frames, dailies, overrides, strict=True)):
        if swept:  # the swept parameters as columns, added at once
            frames[i] = pd.concat(
                [df, pd.DataFrame({k: o.get(k) for k in swept}, df.index)], axis=1
            )
            if not daily.empty:
                extra = pd.DataFrame({k: o.get(k) for k in swept}, daily.index)
                dailies[i] = pd.concat([daily, extra], axis=1)
    # copy: one block per dtype (the jobs' frames were put together column-wise)
    kpis = pd.concat(frames, ignore_index=True).copy() if frames else pd.DataFrame()
    daily_all = (
        pd.concat([d for d in dailies if not d.empty], ignore_index=True)
        if any(not d.empty for d in dailies)
        else pd.DataFrame()
    )
    for k in swept if frames else ():  # no job with results: nothing to convert
        kpis[k] = _numeric(kpis[k])
        if not daily_all.empty:
            daily_all[k] = _numeric(daily_all[k])
    if frames:
        _check_poolable(done, overrides, swept, root)
        kpis = _one_row_per_replication(kpis, swept)
    return Gathered(kpis, daily_all, swept, done, failed)


def _job_config(job: Path) -> dict[str, Any] | None:
    """The configuration a job recorded (``.hydra/config.yaml``), flattened to dotted
    keys, without what may differ between jobs pooled as one configuration (the
    policies run, workers, progress, resume, overwrite); None if it recorded none."""
    from escalationsim.app.manifest import NOT_IN_HASH

    path = job / ".hydra" / "config.yaml"
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"{path} is damaged ({str(err).splitlines()[0]})") from None
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for k, v in node.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        else:
            flat[prefix] = node

    walk(data if isinstance(data, dict) else {}, "")
    for section, key in (*NOT_IN_HASH, ("run", "policies")):
        flat.pop(f"{section}.{key}", None)
    return {k: v for k, v in flat.items() if not k.startswith("hydra.")}


def _check_poolable(done: list[Path], overrides: list[dict], swept: list[str], root: Path) -> None:
    """Jobs with the same swept values are pooled as one configuration: a ValueError if
    their recorded configurations say otherwise (runs of different configurations under
    one folder would read as replications of one), naming the jobs and a key that
    differs."""
    groups: dict[tuple, list[Path]] = {}
    for job, o in zip(done, overrides, strict=True):
        groups.setdefault(tuple(o.get(k) for k in swept), []).append(job)
    for jobs in groups.values():
        if len(jobs) < 2:
            continue
        configs = [(job, _job_config(job)) for job in jobs]
        configs = [(job, c) for job, c in configs if c is not None]
        if not configs:
            continue
        (first, ref), *rest = configs
        for job, c in rest:
            if c == ref:
                continue
            key = sorted(k for k in set(c) | set(ref) if c.get(k) != ref.get(k) and k not in swept)
            shown = key[0] if key else "?"
            raise ValueError(
                f"{first.relative_to(root) if first != root else '.'} and "
                f"{job.relative_to(root) if job != root else '.'} ran different "
                f"configurations ({shown}: {ref.get(shown)!r} against {c.get(shown)!r}"
                + (f", and {len(key) - 1} more" if len(key) > 1 else "")
                + "): they cannot be pooled as replications of one; report on each "
                "folder separately"
            )


POLICIES_KEY = "run.policies"


def _one_row_per_replication(kpis: pd.DataFrame, swept: list[str]) -> pd.DataFrame:
    """The KPI rows with each (swept values, policy, replication) once. Two jobs that ran
    the same policy in the same replication of the same configuration (a sweep over
    ``run.policies=[a,b],[a,c]``) give the same row, kept once; different rows there
    mean the jobs are not replications of one configuration: a ValueError names them."""
    ids = [*swept, *KPI_ID_COLUMNS]
    dup = kpis.duplicated(ids, keep=False)
    if not dup.any():
        return kpis
    values = [c for c in kpis.columns if c != "job"]
    rows = kpis[dup]
    for _, same in rows.groupby(ids, dropna=False, sort=False):
        if len(same[values].astype(str).drop_duplicates()) > 1:
            jobs = ", ".join(map(str, same["job"]))
            raise ValueError(
                f"jobs {jobs} ran policy {same['policy'].iloc[0]} in replication "
                f"{same['replication'].iloc[0]} with different results: they are not "
                "replications of one configuration, and cannot be pooled"
            )
    return kpis.drop_duplicates(ids, keep="first").reset_index(drop=True)


def _plots(g: Gathered, out: Path, svgs: dict[str, str]) -> list[Path]:
    """Draw the report's plots into ``out`` as PNG; put each one's SVG in ``svgs`` (by
    the PNG's file name) for report.html."""
    from escalationsim.app.files import save_figure
    from escalationsim.app.plots import (
        MAX_LEGEND,
        plot_cost_vs_fairness,
        plot_daily,
        plot_vs_param,
        plt,
        render_svg,
        sweep_kpis,
    )

    paths: list[Path] = []

    def save(fig, path: Path) -> None:
        svgs[path.name] = render_svg(fig)
        paths.append(save_figure(fig, path))
        plt.close(fig)

    numeric = [k for k in g.swept if pd.api.types.is_numeric_dtype(g.kpis[k])]
    if g.swept:  # against the numeric parameter with most values, else any
        x = max(numeric or g.swept, key=lambda k: g.kpis[k].nunique())
        others = [k for k in g.swept if k != x]
        for kpi, label in sweep_kpis():
            if kpi not in g.kpis:
                continue
            fig = plot_vs_param(g.kpis, x, kpi, label, others)
            save(fig, out / f"{kpi}_vs_{x.split('.')[-1]}.png")
    else:
        fig = plot_cost_vs_fairness(g.kpis)
        save(fig, out / "cost_vs_fairness.png")
    if not g.daily.empty:
        daily, note = g.daily, ""
        if not g.swept:
            daily = daily.assign(run="all policies")
            by = ["run", "policy"]
        else:
            lines = g.swept
            combos = daily[g.swept].drop_duplicates()
            if numeric and len(combos) > MAX_LEGEND:
                # one line per value of the main parameter, the others at a middle value
                x = max(numeric, key=lambda k: g.kpis[k].nunique())
                fixed = []
                for k in g.swept:
                    if k != x:
                        values = sorted(daily[k].dropna().unique(), key=str)
                        mid = values[len(values) // 2]
                        daily = daily[daily[k] == mid]
                        fixed.append(f"{k.split('.')[-1].lstrip('+').replace('_', ' ')} = {mid}")
                lines = [x]
                note = f" ({', '.join(fixed)})"
            by = ["policy", *lines]
        for col in ("ceo_channel_share", "queue_ceo"):
            if not daily[col].any():  # nothing reached the CEO: nothing to show
                continue
            m = daily_measure(col)  # its declaration (analysis.outcomes.daily)
            fig = plot_daily(daily, col, m.label, by, note, m.unit)
            save(fig, out / f"daily_{col}.png")
    return paths


def _unstable_at(kpis: pd.DataFrame, x: str, value: float) -> str:
    """The queues unstable in any run of one policy at ``x = value`` (comma-separated),
    or a note that every queue was stable (the targets were missed on service)."""
    if "unstable_queues" not in kpis:
        return ""
    at = kpis.loc[kpis[x] == value, "unstable_queues"].fillna("").astype(str)
    queues = sorted({q for cell in at for q in cell.split(",") if q})
    return ", ".join(queues) if queues else "none (service targets missed)"


def _break_points(g: Gathered) -> list[str]:
    """For a sweep over a numeric parameter: per policy, the first value at which fewer
    than half the runs meet the service targets, the first at which the CEO is busy
    at least 95% of the complaint hours, and, for a CEO who answers in person, the first
    at which fewer than half the runs have the CEO answering enough letters in person
    (``ceo_answers_in_person``: does it scale?)."""
    numeric = [k for k in g.swept if pd.api.types.is_numeric_dtype(g.kpis[k])]
    if len(numeric) != 1 or "meets_targets" not in g.kpis:
        return []
    x = numeric[0]
    rows = []
    person = "ceo_answers_in_person" in g.kpis
    for policy, sub in g.kpis.groupby("policy", sort=False):
        in_person = sub["ceo_answers_in_person"] if person else float("nan")
        by_x = sub.assign(in_person=in_person).groupby(x)
        by_x = by_x.agg(
            meets=("meets_targets", "mean"), ceo=("util_ceo", "mean"), person=("in_person", "mean")
        )
        breaks = by_x.index[by_x["meets"] < 0.5]
        sat = by_x.index[by_x["ceo"] >= 0.95]
        fails = by_x.index[by_x["person"] < 0.5]
        row = {
            "policy": policy,
            f"first {x} missing the targets": f"{breaks.min():g}" if len(breaks) else "none",
            "why (unstable queues there)": _unstable_at(sub, x, breaks.min())
            if len(breaks)
            else "",
            f"first {x} with the CEO saturated": f"{sat.min():g}" if len(sat) else "none",
        }
        if person:  # a CEO who answers in person: does it scale? ("-": no such CEO)
            answers = by_x["person"].notna().any()
            row[f"first {x} the CEO answers too few in person"] = (
                (f"{fails.min():g}" if len(fails) else "none") if answers else "-"
            )
        rows.append(row)
    return ["", f"## Break points along `{x}`", "", to_markdown(pd.DataFrame(rows))]


def read_groups(g: Gathered) -> pd.DataFrame | None:
    """The outcomes by group of a run (its jobs' groups.csv, one row per policy,
    replication and group); None for a sweep or without groups.csv; a ValueError if one
    cannot be read."""
    if g.swept:
        return None
    need = ("policy", "grouping", "group", "resolution_rate", "ttr_median_resolved_h")
    frames = [_read_table(j / "groups.csv", need) for j in g.done if (j / "groups.csv").exists()]
    return pd.concat(frames, ignore_index=True) if frames else None


def _group_tables(groups: pd.DataFrame | None) -> list[str]:
    """Resolution and time to resolution by follower tier and by first channel, from the
    jobs' groups.csv (mean over replications)."""
    if groups is None:
        return []
    out = ["", "## Outcomes by group (mean over replications)"]
    shown = [m for m in GROUP_MEASURES.values() if m.name != "complaints"]
    for grouping, sub in groups.groupby("grouping", sort=False):
        for m in shown:  # the declared columns (analysis.outcomes.groups), in order
            col, label, fmt = m.name, m.label, m.fmt
            if col not in sub or sub[col].isna().all():
                continue
            table = sub.pivot_table(
                index="group", columns="policy", values=col, aggfunc="mean", dropna=False
            )
            table = table.reindex(columns=list(dict.fromkeys(sub["policy"])))
            table = table.map(lambda v, f=fmt: fmt_value(f, v, censored=True))
            out += ["", f"**{label}, by {grouping.replace('_', ' ')}**", ""]
            out.append(to_markdown(table.reset_index()))
    return out


def build_report(
    root: Path,
    out: Path | None = None,
    baseline: str | None = None,
    plots: bool = True,
    current: Path | None = None,
) -> tuple[Path, dict[Path, str]]:
    """Aggregate ``root`` and write the report files; return the report path and the
    failed or unfinished jobs with their reasons. Everything is read and checked before
    anything is written. ``current``: the run folder that is writing its own report."""
    root = Path(root)
    out = Path(out) if out else root
    g = gather(root, current)
    before = manifest.snapshot(out)  # a run's own folder: its manifest records them again
    if g.kpis.empty:
        reasons = "; ".join(f"{j}: {why}" for j, why in list(g.failed.items())[:3])
        raise FileNotFoundError(
            f"no results to report under {root}" + (f" ({reasons})" if reasons else "")
        )
    kpis = g.kpis
    policies = list(dict.fromkeys(kpis["policy"]))
    base = baseline or policies[0]
    if base not in policies:
        raise ValueError(f"--baseline {base!r} is not among the policies run: {policies}")
    tables: dict[str, pd.DataFrame] = {"all_kpis.csv": kpis}  # written once all is read
    keys = tuple(g.swept)
    study = None
    if current is None and len(g.done) > 1 and is_study(g.done):  # one job per sampled world
        study = study_report(kpis, root, g.done, plots)
        tables.update(study.tables)
    groups = kpis.groupby(list(keys), dropna=False, sort=True) if keys else [((), kpis)]
    summaries = []
    lines = [f"# Report: `{root.name or root}`", ""]
    lines.append(f"{len(g.done)} job(s) with results, {len(g.failed)} failed or unfinished.")
    if g.failed:
        lines += ["", "## Failed or unfinished jobs", ""]
        lines += [f"- `{j.relative_to(root)}`: {why}" for j, why in g.failed.items()]
    if keys:
        lines += ["", "Swept: " + ", ".join(f"`{k}`" for k in keys)]
    if study is not None:
        lines += study.lines
        lines += [
            "",
            "Per-scenario KPIs: `robustness.csv` (means and intervals, with the scenario's "
            "values), `summary.csv` and `paired.csv`; scenario discovery: `discovery.md`.",
        ]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        pols = list(dict.fromkeys(sub["policy"]))
        summary = summarise(sub.drop(columns=["job", *keys]), pols)
        for col, val in reversed(list(zip(keys, key, strict=True))):
            summary.insert(0, col, val)
        summaries.append(summary)
        if study is None:  # a study's worlds are summarised above, not one by one
            title = ", ".join(f"{c}={v}" for c, v in zip(keys, key, strict=True)) or "all jobs"
            lines += ["", f"## {title}", "", to_markdown(headline_table(summary, pols))]
    tables["summary.csv"] = pd.concat(summaries, ignore_index=True)
    paired = pd.DataFrame()
    if base in policies and len(policies) > 1:
        paired = paired_differences(kpis.drop(columns=["job"]), base, keys)
    if paired.empty and len(policies) > 1:
        lines += [
            "",
            f"No paired differences against `{base}`: no group of jobs ran it beside "
            "another policy on the same configuration.",
        ]
    elif not paired.empty:
        tables["paired.csv"] = paired
        shown = paired[paired["kpi"].isin([k.name for k in kpi_registry.view("paired")])].copy()
        for c in ("diff", "paired_ci_low", "paired_ci_high", "unpaired_ci_low", "unpaired_ci_high"):
            shown[c] = shown[c].map(lambda v: f"{v:.4g}")
        if study is None:
            lines += [
                "",
                f"## Differences against `{base}` (same customers in each replication)",
                "",
                "Paired intervals use the per-replication differences; unpaired ones treat "
                "the policies' runs as independent. The gap between them is what common "
                "random numbers buy.",
                "",
                to_markdown(shown.drop(columns=["baseline", "n"])),
            ]
    if study is None:
        lines += _break_points(g)
    groups = None
    try:
        groups = read_groups(g)
    except ValueError as err:
        lines += ["", f"(Outcomes by group left out: {err})"]
    lines += _group_tables(groups)
    if len(g.done) == 1 and not keys:
        from escalationsim.app.optimize import report_lines

        lines += report_lines(g.done[0])
    for name, table in tables.items():
        write_csv(table, out / name)
    if study is not None:
        write_text(study.discovery, out / "discovery.md")
    svgs: dict[str, str] = {}  # PNG file name -> the same plot as SVG, for report.html
    if plots:
        if study is not None:
            paths = _save_figures(study.figures, out, svgs)
        else:
            paths = _plots(g, out, svgs)
        local = sorted(p.name for p in out.glob("*.png") if p not in paths)
        _run_svgs(g, out, groups, local, svgs)
        if paths or local:
            lines += ["", "## Plots", ""]
            from escalationsim.app.plots import caption

            for name in [p.name for p in paths] + local:
                lines += [f"![{name[:-4]}]({name})", "", f"*{caption(name)}*", ""]
    report = write_text("\n".join(lines) + "\n", out / "report.md")
    from escalationsim.app.html_report import write_html_report

    write_html_report(
        root,
        out,
        kpis,
        tables["summary.csv"],
        list(keys),
        g.done,
        svgs=svgs,
        groups=groups,
        study=study,
    )
    if study is not None:  # what a run's report beside it may quote, checked against this
        manifest.write_report_manifest(
            out, [*tables, "discovery.md", "report.md", "report.html", "multirun.yaml"]
        )
    manifest.refresh(out, manifest.written_since(out, before))
    return report, g.failed


def _save_figures(figures: dict[str, Any], out: Path, svgs: dict[str, str]) -> list[Path]:
    """Save each figure (by PNG file name) into ``out``; its SVG into ``svgs``."""
    from escalationsim.app.files import save_figure
    from escalationsim.app.plots import plt, render_svg

    paths = []
    for name, fig in figures.items():
        svgs[name] = render_svg(fig)
        paths.append(save_figure(fig, out / name))
        plt.close(fig)
    return paths


def _run_svgs(
    g: Gathered, out: Path, groups: pd.DataFrame | None, local: list[str], svgs: dict[str, str]
) -> None:
    """The SVG of each plot the run drew into its own folder (``local``: cost breakdown,
    outcomes by group), drawn again from its kpis.csv and groups.csv by the same code
    (:func:`escalationsim.app.plots.run_figures`). Only for a report on one run written
    into that run's folder: elsewhere the PNGs found are not known to be that run's, and
    report.html embeds them as they are."""
    if g.swept or len(g.done) != 1 or g.done[0].resolve() != out.resolve() or not local:
        return
    from escalationsim.app.plots import plt, render_svg, run_figures

    kpis = g.kpis.drop(columns=["job"], errors="ignore")
    for name, fig in run_figures(kpis, groups, list(dict.fromkeys(kpis["policy"]))).items():
        if name in local:
            svgs[name] = render_svg(fig)
        plt.close(fig)


def redraw_run_plots(folder: Path) -> list[str]:
    """Draw again, from the run's own tables, the plots a run drew into its folder (the
    cost breakdown and outcomes by group from kpis.csv and groups.csv, an optimisation's
    history from trials.csv), e.g. after an upgrade changed how they look; the run's
    manifest records the new files. Only plots the run had drawn; the names redrawn."""
    from escalationsim.app.files import save_figure
    from escalationsim.app.plots import plot_optimisation_history, plt, run_figures

    folder = Path(folder)
    figs: dict[str, Any] = {}
    if (folder / "kpis.csv").exists() and (folder / manifest.MANIFEST).exists():
        kpis = pd.read_csv(folder / "kpis.csv")
        groups = pd.read_csv(folder / "groups.csv") if (folder / "groups.csv").exists() else None
        figs.update(run_figures(kpis, groups, list(dict.fromkeys(kpis["policy"]))))
    trials, config = folder / "trials.csv", folder / ".hydra" / "config.yaml"
    if trials.exists() and config.exists():
        objective = (yaml.safe_load(config.read_text()) or {}).get("optimize", {}).get("objective")
        if objective:
            figs["optimisation_history.png"] = plot_optimisation_history(
                pd.read_csv(trials), objective
            )
    redrawn = []
    for name, fig in figs.items():
        if (folder / name).exists():
            save_figure(fig, folder / name)
            redrawn.append(name)
        plt.close(fig)
    manifest.refresh(folder, redrawn)
    return redrawn


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    parser = argparse.ArgumentParser(
        prog="escalationsim-report", description="Aggregate a run or sweep folder."
    )
    parser.add_argument("dir", type=Path, help="a run folder or a multirun (sweep) folder")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: DIR)")
    parser.add_argument(
        "--baseline", default=None, help="policy to compare against (default: the first)"
    )
    parser.add_argument("--no-plots", action="store_true", help="tables and report.md only")
    parser.add_argument(
        "--redraw",
        action="store_true",
        help="first draw again the plots the run drew into DIR (cost breakdown, outcomes by "
        "group, optimisation history) from its own tables, e.g. after an upgrade",
    )
    args = parser.parse_args(argv)
    load_plugins()  # plugins' KPIs appear in the tables and bounds of the report
    if not args.dir.is_dir():
        print(f"escalationsim-report: {args.dir} is not a folder", file=sys.stderr)
        return 2
    out = args.out or args.dir
    if out.resolve() != args.dir.resolve() and (out / manifest.MANIFEST).exists():
        print(
            f"escalationsim-report: {out} is another run's folder (it has a "
            f"{manifest.MANIFEST}): its files are that run's; choose another --out",
            file=sys.stderr,
        )
        return 2
    try:
        with manifest.locked(out):  # not while a run writes into that folder
            if args.redraw:
                redraw_run_plots(args.dir)
            report, failed = build_report(args.dir, args.out, args.baseline, not args.no_plots)
    except (FileNotFoundError, ValueError, manifest.FolderError, OSError) as err:
        print(f"escalationsim-report: {err}", file=sys.stderr)
        return 1
    for job, why in failed.items():
        print(f"failed, unfinished or unreadable job: {job}: {why}", file=sys.stderr)
    print(f"report written to {report.resolve()}")
    if failed:
        print(
            f"escalationsim-report: {len(failed)} job(s) could not be read (see above); the "
            "report covers the others",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
