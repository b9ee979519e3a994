"""Write a job's results into its output folder: tables, complaint rows and plots."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from escalationsim.analysis.breakeven import breakeven_table
from escalationsim.analysis.fairness import outcomes_by_group
from escalationsim.analysis.ranking import best_policy
from escalationsim.app.files import write_csv, write_parquet, write_text
from escalationsim.app.tables import headline_table, to_markdown
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.experiment.job import SimConfig
from escalationsim.experiment.runner import Results


def write_outputs(
    outdir: Path,
    sim: SimConfig,
    results: Results,
    plots: bool = True,
    complaints: bool = True,
    best_on: tuple[str, ...] | list[str] = ("cost_per_complaint", "churn_rate"),
    contact_log_start: str = "2026-01-05",
) -> list[Path]:
    """complaints.parquet, contacts.parquet (if the results have contacts), kpis.csv,
    summary.csv, paired.csv, best_policy.csv, daily.csv, breakeven.csv (two policies or
    more), groups.csv, headline.md and the PNG plots."""
    outdir = Path(outdir)
    written = []
    if complaints and results.complaints is not None:
        written.append(write_parquet(results.complaints, outdir / "complaints.parquet"))
    if results.contacts is not None:  # output.contact_log: the runs' contacts, as a log
        from escalationsim.calibration.export import to_contact_log

        log = to_contact_log(results.contacts, contact_log_start)
        written.append(write_parquet(log, outdir / "contacts.parquet"))
    written.append(write_csv(results.kpis, outdir / "kpis.csv"))
    written.append(write_csv(results.summary, outdir / "summary.csv"))
    written.append(write_csv(results.paired, outdir / "paired.csv"))
    best = [best_policy(results.kpis, k) for k in best_on]
    best = [b.table for b in best if b is not None]
    if best:
        written.append(write_csv(pd.concat(best, ignore_index=True), outdir / "best_policy.csv"))
    written.append(write_csv(results.daily, outdir / "daily.csv"))
    if results.kpis["policy"].nunique() > 1 and not isinstance(sim.scenario, QueueOnlyScenario):
        # each pricing parameter's break-even value, from this run's totals
        table = breakeven_table(results.kpis, sim.scenario)
        written.append(write_csv(table, outdir / "breakeven.csv"))
    if results.complaints is not None:
        groups = outcomes_by_group(results.complaints)
        written.append(write_csv(groups, outdir / "groups.csv"))
    table = headline_table(results.summary, sim.run.policies)
    written.append(write_text(to_markdown(table), outdir / "headline.md"))
    if plots:
        from escalationsim.app.plots import write_plots

        written += write_plots(outdir, results.kpis, results.complaints, sim.run.policies)
    return written
