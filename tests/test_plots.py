"""Plots (app/plots.py): intervals within what a value can be, tick labels that do not
overlap, legends of at most eight lines, colour-blind-safe colours, captions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalationsim.app.plots import _bars_by_group
from escalationsim.app.screen import plot_tornado  # its logger exists before any test


def _per_rep() -> pd.DataFrame:
    """Shares near 100% with a wide spread over few replications: a t interval would
    reach past 100%, and times near 0 whose interval would reach below 0."""
    rows = []
    for rep, (share, wait) in enumerate([(1.0, 0.1), (0.7, 3.0), (1.0, 0.2)]):
        rows.append({"policy": "p", "replication": rep, "group": "g", "share": share,
                     "wait": wait})  # fmt: skip
    return pd.DataFrame(rows)


def test_share_and_time_bars_keep_their_intervals_within_bounds():
    panels = [("share", "share resolved (%)", False, (0.0, 1.0)), ("wait", "wait (h)", False, None)]
    fig = _bars_by_group(_per_rep(), "group", ["g"], ["p"], panels, "t", "x")
    spans = []
    for ax in fig.axes:
        for container in ax.containers:
            if getattr(container, "errorbar", None) is None:
                continue
            for seg in container.errorbar.lines[2][0].get_segments():
                spans.append((ax.get_ylabel(), seg[:, 1].min(), seg[:, 1].max()))
    share = next(s for s in spans if s[0].startswith("share"))
    wait = next(s for s in spans if s[0].startswith("wait"))
    assert share[2] <= 1.0 + 1e-12 and share[1] < 0.9  # clipped at 100%, still wide below
    assert wait[1] >= 0.0 and wait[2] > 3.0  # clipped at 0, still wide above
    values = np.array([1.0, 0.7, 1.0])
    assert values.mean() + 4.3 * values.std(ddof=1) / np.sqrt(3) > 1.0  # it would have passed


# --------------------------------------------------------------------------- readable plots

RESULTS = Path(__file__).resolve().parents[1] / "results"
PRESETS = ["rigid_script", "empowered_rep", "ceo_responds", "ceo_redirects", "omnichannel"]


def _kpis(policies: list[str]) -> pd.DataFrame:
    """KPI rows of two replications per policy, every cost part positive."""
    from escalationsim.app.plots import cost_parts

    rows = []
    for i, p in enumerate(policies):
        for r in range(2):
            row = {"policy": p, "replication": r, "complaints": 100.0}
            row.update({col: 100.0 * (1 + i + r) for col, _ in cost_parts()})
            row["cost_per_complaint"] = sum(row[c] for c, _ in cost_parts()) / 100.0
            rows.append(row)
    return pd.DataFrame(rows)


def test_the_overlap_check_finds_labels_drawn_over_each_other():
    import matplotlib.pyplot as plt

    from escalationsim.app.plots import overlapping_labels

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xticks(range(5), [f"a_long_policy_name_{i}" for i in range(5)])
    assert overlapping_labels(fig)  # crammed: found
    ax.set_xticks(range(2), ["a", "b"])
    assert overlapping_labels(fig) == []
    plt.close(fig)


def test_the_cost_breakdown_of_five_policies_has_no_overlapping_labels():
    """The shipped comparison's five presets: their names, drawn as they are, overlapped
    ("empowered_repceo_responds"); as wrapped words they do not."""
    import matplotlib.pyplot as plt

    from escalationsim.app.plots import overlapping_labels, plot_cost_breakdown

    fig = plot_cost_breakdown(_kpis(PRESETS), PRESETS)
    assert overlapping_labels(fig) == []
    texts = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert texts[1].replace("\n", " ") == "empowered rep" and "_" not in "".join(texts)
    for ax in fig.axes:  # the names as they were: overlapping, which the check sees
        ax.set_xticks(range(5), PRESETS)
    assert overlapping_labels(fig)
    plt.close(fig)


def test_stacked_parts_have_distinct_colour_blind_safe_colours():
    from escalationsim.app.plots import TOL_MUTED, cost_parts, part_style

    styles = [part_style(i) for i in range(len(cost_parts()))]
    first = styles[: len(TOL_MUTED)]
    assert len({s["color"] for s in first}) == len(first)  # no colour repeats
    assert all(s["hatch"] == "" for s in first)  # told apart by colour, not hatching
    assert {s["color"] for s in styles} <= set(TOL_MUTED)


def _screening() -> pd.DataFrame:
    """A screening sweep's KPI rows: 2 policies x 3 budgets x 2 x 2 x 3 other settings."""
    rows = []
    rng = np.random.default_rng(0)
    for p in ("rigid_script", "empowered_rep"):
        for b in (50, 200, 1000):
            for a in (0.1, 0.3):
                for c in (True, False):
                    for w in (0.05, 0.15, 0.3):
                        for r in range(2):
                            cost = 50 + b / 100 + rng.random()
                            keys = {"rep.budget_usd": b, "rep.audit_fraction": a,
                                    "rep.coaching": c, "claims.weak_share": w}  # fmt: skip
                            rows.append(
                                {"policy": p, "replication": r, **keys, "cost_per_complaint": cost}
                            )
    return pd.DataFrame(rows)


def test_a_sweep_with_many_settings_is_drawn_as_small_multiples_of_at_most_eight_lines():
    import matplotlib.pyplot as plt

    from escalationsim.app.plots import MAX_LEGEND, overlapping_labels, plot_vs_param

    others = ["rep.audit_fraction", "rep.coaching", "claims.weak_share"]
    fig = plot_vs_param(_screening(), "rep.budget_usd", "cost_per_complaint", "cost", others)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 3  # one panel per weak share (its most values)
    assert [ax.get_title() for ax in shown] == [f"weak share = {w}" for w in (0.05, 0.15, 0.3)]
    for ax in shown:
        lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        assert len(lines) == MAX_LEGEND  # 2 policies x 2 audit fractions x 2 coaching
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 1 and len(legends[0].get_texts()) <= MAX_LEGEND
    assert shown[0].get_xlabel() == "budget (USD)" and overlapping_labels(fig) == []
    plt.close(fig)


def test_every_plot_has_a_caption_saying_what_it_shows():
    from escalationsim.app.plots import caption

    assert caption("cost_breakdown.png").startswith("Cost per complaint by policy")
    sweep = caption("cost_per_complaint_vs_volume_per_day.png")
    assert sweep.startswith("Cost per complaint (USD) against volume per day")
    for png in RESULTS.glob("*/*.png"):
        text = caption(png.name)
        assert len(text.split()) >= 8 and text != png.stem.replace("_", " "), png


@pytest.mark.slow
@pytest.mark.parametrize(
    "folder", sorted(p.name for p in RESULTS.iterdir() if p.is_dir() and any(p.glob("*.png")))
)
def test_every_plot_of_the_results_is_readable(folder, tmp_path, monkeypatch):
    """Every plot of results/<folder>, drawn again from its tables as
    ``escalationsim-report --redraw`` draws them: no two tick labels overlap (by
    matplotlib's renderer) and no panel's legend has more than MAX_LEGEND entries."""
    import shutil

    from escalationsim.app import files, plots
    from escalationsim.app.report import build_report, redraw_run_plots

    checked: list[str] = []

    def check(fig, name: str) -> None:
        assert plots.overlapping_labels(fig) == [], name
        for ax in fig.axes:
            legend = ax.get_legend()
            assert legend is None or len(legend.get_texts()) <= plots.MAX_LEGEND, name
        checked.append(name)

    save, render = files.save_figure, plots.render_svg

    def checked_save(fig, path):
        check(fig, path.name)
        return save(fig, path)

    def checked_render(fig):
        check(fig, "an SVG")
        return render(fig)

    monkeypatch.setattr(files, "save_figure", checked_save)
    monkeypatch.setattr(plots, "render_svg", checked_render)
    if (RESULTS / folder / "tornado.csv").exists():  # a screen's job: its own plot
        _check_tornado(RESULTS / folder / "tornado.csv", check)
        assert checked, f"no plot drawn for results/{folder}"
        return
    dst = tmp_path / folder
    shutil.copytree(RESULTS / folder, dst, ignore=shutil.ignore_patterns("*.lock"))
    redraw_run_plots(dst)
    build_report(dst)
    assert checked, f"no plot drawn for results/{folder}"


def _check_tornado(path, check) -> None:
    """The tornado plot drawn again from tornado.csv, as the screen's job draws it."""
    from escalationsim.experiment.studies import Screen

    t = pd.read_csv(path, keep_default_na=False, na_values=[""])
    t["idle"] = t["idle"].fillna("")
    first = t.iloc[0]
    s = Screen(
        "cost_per_complaint",
        first["policy_a"],
        first["policy_b"],
        (float(first["base"]), float("nan"), float("nan")),
        t,
        pd.Series(dtype=float),
    )
    check(plot_tornado(s), path.name)
