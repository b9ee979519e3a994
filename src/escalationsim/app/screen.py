"""The one-at-a-time screen on the command line (``experiment=tornado``): each uncertainty
of ``uncertainty=...`` at its low and high end, all else default, and how the cost
difference between the two cheapest policies moves (:func:`escalationsim.experiment.
studies.screen`). Writes tornado.csv, tornado.md and tornado.png into the job's folder."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from escalationsim.app.files import save_figure, write_csv, write_text  # noqa: E402
from escalationsim.app.schema import AppConfig  # noqa: E402
from escalationsim.app.tables import to_markdown  # noqa: E402
from escalationsim.experiment.job import SimConfig  # noqa: E402
from escalationsim.experiment.studies import Screen, screen  # noqa: E402

log = logging.getLogger(__name__)


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.4g}"


def plot_tornado(s: Screen) -> Figure:
    """One bar per uncertainty, from the difference at its low end to that at its high
    end, around the default's difference (the vertical line); the largest swing on top."""
    t = s.table
    names = list(dict.fromkeys(t["uncertainty"]))[::-1]  # largest swing at the top
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(names) + 1.6))
    base = s.base[0]
    for i, name in enumerate(names):
        rows = t[t["uncertainty"] == name].set_index("end")
        for end, colour in (("low", "#4C72B0"), ("high", "#DD8452")):
            d = rows.loc[end, "difference"]
            ax.barh(i, d - base, left=base, color=colour, height=0.6)
    ax.axvline(base, color="black", lw=1)
    ax.axvline(0.0, color="grey", lw=1, ls="--")
    labels = []
    for name in names:
        rows = t[t["uncertainty"] == name].set_index("end")
        unit = f" {rows.loc['low', 'unit']}" if rows.loc["low", "unit"] else ""
        span = f"{_fmt(rows.loc['low', 'value'])}-{_fmt(rows.loc['high', 'value'])}{unit}"
        idle = " [cannot act on these two]" if rows.loc["low", "idle"] else ""
        labels.append(f"{rows.loc['low', 'label']} ({span}){idle}")
    ax.set_yticks(range(len(names)), labels, fontsize=8)
    ax.set_xlabel(
        f"{s.cost_kpi}: {s.policy_a} minus {s.policy_b} "
        "(blue: the uncertainty at its low end, orange: high; dashed: equal cost)"
    )
    ax.set_title("One at a time: what moves the cost difference between the two cheapest")
    fig.tight_layout()
    return fig


def summary(s: Screen) -> str:
    """tornado.md: the pair, the default's difference, and each uncertainty's ends."""
    lo, hi = s.base[1], s.base[2]
    flips = s.table[s.table["flips"]]
    lines = [
        "# One-at-a-time screen",
        "",
        f"The two cheapest policies on the default world: **{s.policy_a}** and "
        f"**{s.policy_b}**; {s.policy_a}'s {s.cost_kpi} is {_fmt(-s.base[0])} lower "
        f"(95% CI {_fmt(-hi)} to {_fmt(-lo)}), paired over the replications.",
        "",
    ]
    if len(flips):
        said = [
            f"{r.label} at its {r.end} end ({_fmt(r.value)}{' ' + r.unit if r.unit else ''})"
            for r in flips.itertuples()
        ]
        lines.append(f"The order of the two flips alone with: {'; '.join(said)}.")
    else:
        lines.append("No uncertainty alone, at either end of its range, flips their order.")
    shown = s.table.assign(
        difference=s.table["difference"].map(_fmt),
        ci=[
            f"{_fmt(a)} to {_fmt(b)}" for a, b in zip(s.table.ci_low, s.table.ci_high, strict=True)
        ],
        value=s.table["value"].map(_fmt),
    )[["rank", "label", "end", "value", "unit", "difference", "ci", "flips", "idle"]]
    lines += ["", to_markdown(shown), ""]
    return "\n".join(lines)


def screen_job(sim: SimConfig, app: AppConfig, outdir: Path) -> int:
    """Run the screen and write its files."""
    t0 = time.perf_counter()

    def progress(name: str, end: str) -> None:
        log.info("%s at its %s end done (%.1f s)", name, end, time.perf_counter() - t0)

    s = screen(sim, app.uncertainty, app.robustness.cost_kpi, progress)
    table = s.table.assign(policy_a=s.policy_a, policy_b=s.policy_b, base=s.base[0])
    write_csv(table, outdir / "tornado.csv")
    text = summary(s)
    write_text(text, outdir / "tornado.md")
    if app.output.plots:
        fig = plot_tornado(s)
        save_figure(fig, outdir / "tornado.png")
        plt.close(fig)
    print(text)
    log.info("done in %.1f s; outputs in %s", time.perf_counter() - t0, outdir.resolve())
    return 0


__all__ = ["plot_tornado", "screen_job", "summary"]
