"""``calibration.html``: one self-contained page per calibration, for the analyst who must
decide whether to trust it.

In the reader's order: the answer (what was fitted, what the data could not say, and the
backtest's verdicts, in sentences made from the results), the data and what reading did
to its rows, each fit with its plot and table (arrivals, handle times with QQ plots,
patience with its survival curves and what ignoring censoring gives, journeys), the
scenario written with every value's source, what the log cannot identify, and the
backtest with observed-against-simulated bands. Plots are inline SVG and styles inline,
as in ``report.html`` (:mod:`.html_report`), so the file needs no network.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from escalationsim.app import calibration_plots as cp
from escalationsim.app.files import write_text
from escalationsim.app.html_report import inline_svg
from escalationsim.app.plots import render_svg
from escalationsim.calibration.backoffice import lead_survival
from escalationsim.calibration.calibrate import Calibration, handled
from escalationsim.calibration.handling import durations
from escalationsim.calibration.journeys import before_resolution
from escalationsim.calibration.patience import MIN_WAITS, survival, waits
from escalationsim.calibration.simfit import SimFit

FIT_COLUMNS = ["quantity", "channel", "estimate", "95% interval", "n", "method"]


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


COMPLAINT_LEVEL = ("volume_per_day", "busyness_cv", "weekly_weight", "hourly_weight")
"""Quantities fitted from the complaints' first contacts when their channel is empty."""


def _channel(r: pd.Series) -> str:
    if isinstance(r["channel"], str):
        return r["channel"]
    return "complaints" if r["quantity"] in COMPLAINT_LEVEL else ""


def _rows(fits: pd.DataFrame, quantities: list[str]) -> list[list[str]]:
    part = fits[fits["quantity"].isin(quantities)]
    order = {q: i for i, q in enumerate(quantities)}
    part = part.assign(_o=part["quantity"].map(order)).sort_values(["_o", "channel"])
    out = []
    for _, r in part.iterrows():
        ci = (
            f"{_num(r['ci_low'])} to {_num(r['ci_high'])}"
            if not (pd.isna(r["ci_low"]) and pd.isna(r["ci_high"]))
            else ""
        )
        horizon = r.get("horizon_h", math.nan)
        label = str(r["quantity"]) + (f" at {horizon:g} h" if pd.notna(horizon) else "")
        out.append(
            [
                label,
                _channel(r),
                _num(float(r["estimate"])),
                ci,
                _num(r["n"] if pd.isna(r["n"]) else int(r["n"])),
                str(r["method"]),
            ]
        )
    return out


def _table(fits: pd.DataFrame, quantities: list[str]) -> dict[str, Any]:
    return {"columns": FIT_COLUMNS, "rows": _rows(fits, quantities), "num": (2, 3, 4)}


def _candidates(fits: pd.DataFrame, quantity: str, extra: str) -> list[list[str]]:
    part = fits[fits["quantity"] == quantity]
    if part.empty:
        return []
    part = part.sort_values(["channel", "aic"])
    return [
        [str(r["channel"]), str(r["dist"]), _num(float(r["aic"])), _num(float(r[extra]))]
        for _, r in part.iterrows()
    ]


class _Figures:
    """Figures rendered inline, each with a unique id prefix."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig: Figure | None, caption: str) -> dict[str, Any] | None:
        if fig is None:
            return None
        self.count += 1
        return {
            "svg": inline_svg(render_svg(fig), f"cal{self.count}-", caption),
            "caption": caption,
        }


def _sections(cal: Calibration, log: pd.DataFrame | None, figure: _Figures) -> list[dict[str, Any]]:
    fits = cal.fits
    curves = (
        {
            ch: survival(t, e)
            for ch, (t, e) in waits(before_resolution(log)).items()
            if len(t) >= MIN_WAITS and e.any()
        }
        if log is not None
        else {}
    )
    return [
        {
            "id": "arrivals",
            "title": "Arrivals",
            "note": "Every contact counts as an arrival on its channel; the complaints' "
            "volume and busy days come from their first contacts. A dispersion above 1 "
            "(p small) means counts vary more than Poisson; busyness_cv is the spread of "
            "busy and quiet days the scenario reproduces.",
            "figure": figure(
                cp.plot_arrivals(fits),
                "Contacts per hour through the week, per channel: the mean over the log's "
                "weeks and its 95% interval.",
            ),
            "tables": [_table(fits, ["volume_per_day", "busyness_cv", "arrival_dispersion"])],
        },
        {
            "id": "handle-times",
            "title": "Handle times",
            "note": "Families ranked by AIC (lower is better), with the Kolmogorov-Smirnov "
            "distance (a guide: fitted on the same data). The scenario uses the engine "
            "family (lognormal or exponential) AIC prefers.",
            "figure": figure(
                cp.plot_handle_qq(durations(handled(log)) if log is not None else {}, fits),
                "Handle times' quantiles against the preferred family's: on the diagonal, "
                "the family fits.",
            ),
            "tables": [
                _table(fits, ["handle_time_mean_min", "handle_time_cv"]),
                {
                    "columns": ["channel", "family", "AIC", "KS distance"],
                    "rows": _candidates(fits, "handle_time_candidate", "ks"),
                    "num": (2, 3),
                },
            ],
        },
        {
            "id": "patience",
            "title": "Patience",
            "note": "An answered caller's patience is only known to exceed their wait: it "
            "is censored. The Kaplan-Meier curve and the censored fits use that; the "
            "abandoned callers' waits alone (the naive median) understate patience.",
            "figure": figure(
                cp.plot_patience(curves, fits),
                "Share of callers still willing to wait after each wait: Kaplan-Meier with "
                "its 95% band, the censored fit the scenario uses, and the naive curve.",
            ),
            "tables": [
                _table(
                    fits,
                    [
                        "abandon_rate",
                        "patience_mean_min",
                        "patience_median_min",
                        "patience_median_min_naive",
                    ],
                ),
                {
                    "columns": ["channel", "family", "AIC", "median (min)"],
                    "rows": _candidates(fits, "patience_candidate", "median_min"),
                    "num": (2, 3),
                },
            ],
        },
        {
            "id": "journeys",
            "title": "Journeys",
            "note": "Where complaints start and what they do after a failure, each share "
            "with its Wilson 95% interval; and, escalation and resolution competing, the "
            "share that escalates (or is resolved) first within a day, three days and a "
            "week of opening (Aalen-Johansen, censored at the log's end).",
            "figure": figure(cp.plot_journeys(fits), "Journey shares with their 95% intervals."),
            "tables": [
                _table(
                    fits,
                    [
                        "first_channel_share",
                        *(q for q, _ in cp.JOURNEY_SHARES if q != "abandon_rate"),
                        "escalation_cif",
                        "resolution_cif",
                    ],
                )
            ],
        },
        {
            "id": "backoffice",
            "title": "Back office",
            "note": "A resolution logged over an hour after its contact ended waited for "
            "back-office work (a refund, a replacement). Work not done by the log's end is "
            "censored there (or at the ticket's next contact); a share never done (a lost "
            "promise) is fitted per channel, so that it is not read as slow work.",
            "figure": figure(
                cp.plot_backoffice(lead_survival(log) if log is not None else None),
                "Share of promised work not yet done after each wait: Kaplan-Meier with its "
                "95% band, the fit the scenario uses, and the work done alone.",
            ),
            "tables": [
                _table(
                    fits,
                    [
                        "backoffice_share",
                        "backoffice_lead_time_median_h",
                        "backoffice_lead_time_mean_h",
                        "backoffice_lead_time_cv",
                        "backoffice_lost_share",
                    ],
                )
            ],
        },
    ]


def _simfit(found: SimFit, figure: _Figures) -> dict[str, Any]:
    rows = [
        [
            str(u["setting"]),
            _num(float(u["best"])),
            f"{_num(float(u['low']))} to {_num(float(u['high']))}",
            f"{u['allowed_low']:g} to {u['allowed_high']:g}",
            "yes" if u["identified"] else "no",
        ]
        for _, u in found.unknowns.iterrows()
    ]
    n = len(found.trials)
    return {
        "summary": f"{n} trials simulated the log's period with the fitted scenario; "
        f"{int(found.trials['plausible'].sum())} are plausible (distance within "
        f"{found.threshold:.2f} of the best's).",
        "columns": ["setting", "best", "95% interval", "allowed", "identified"],
        "rows": rows,
        "figure": figure(
            cp.plot_simfit(found),
            "Each trial's distance from the log's journey shares against each unknown's "
            "value: plausible trials (within the chi-square threshold of the best) filled, "
            "the 95% interval shaded; an unknown whose interval spans more than half its "
            "allowed range is not identified.",
        ),
    }


def _backtest(
    table: pd.DataFrame, periods: pd.DataFrame, days: int, figure: _Figures
) -> dict[str, Any]:
    judged = table[table["verdict"] != ""]
    fails = judged[judged["verdict"] == "FAIL"]
    reps = int(table["replications"].max())
    summary = (
        f"The log's last {days} days were held out, the rest fitted, and the held-out days "
        f"simulated {reps} times in each mode: {len(judged) - len(fails)} of {len(judged)} "
        "checks pass."
    )
    if len(fails):
        named = "; ".join(
            f"{r['kpi']}{' ' + r['channel'] if r['channel'] else ''} ({r['mode']}, per "
            f"{r['period']}: bias {r['bias']:+.0%}, coverage {r['coverage']:.0%})"
            for _, r in fails.iterrows()
        )
        summary += f" Failing: {named}."
    columns = ["KPI", "channel", "mode", "period", "observed", "simulated", "bias", "coverage",
               "WAPE", "tolerance", "verdict"]  # fmt: skip
    rows = [
        [
            r["kpi"],
            r["channel"],
            r["mode"],
            r["period"],
            _num(float(r["observed"])),
            _num(float(r["simulated_mean"])),
            f"{r['bias']:+.1%}" if not math.isnan(r["bias"]) else "",
            f"{r['coverage']:.0%}",
            f"{r['wape']:.1%}" if not math.isnan(r["wape"]) else "",
            f"{r['tolerance']:.0%}" if not math.isnan(r["tolerance"]) else "",
            r["verdict"],
        ]
        for _, r in table.iterrows()
    ]
    figs = [
        figure(
            cp.plot_backtest(periods, mode),
            f"Backtest, {mode}: each held-out day observed (points) against the simulations' "
            "mean (line) and 95% prediction interval (band).",
        )
        for mode in ("replay", "forecast")
    ]
    return {
        "summary": summary,
        "columns": columns,
        "rows": rows,
        "figures": [f for f in figs if f is not None],
        "note": "replay drives the log's own complaints (arrival times and first channels) "
        "through the model; forecast runs the fitted scenario. PASS: the relative bias "
        "within the tolerance declared before the run and the 95% prediction intervals "
        "covering enough of the observed periods; WAPE is reported only (noise alone makes "
        "it large for hourly counts).",
    }


def answer(cal: Calibration, backtest: pd.DataFrame | None, held_out: int = 0) -> list[str]:
    """The page's answer in sentences made from the calibration's results."""
    src = cal.source
    fitted = [s for s in cal.settings if s.fitted]
    what = (
        f"interval counts of {src['contacts']:,} contacts offered (no complaints, no "
        "journeys: what counts cannot show is kept)"
        if src.get("counts")
        else f"{src['contacts']:,} contacts of {src['complaints']:,} complaints"
    )
    held = f"; the last {held_out} days held out for the backtest" if held_out else ""
    out = [
        f"{len(fitted)} scenario settings were fitted from {what} over {src['days']} days "
        f"({src['first'][:10]} to {src['last'][:10]}{held}).",
    ]
    q = cal.quality
    dropped = sum(q.dropped.values())
    out.append(
        f"Of {q.read:,} rows read, {q.kept:,} were kept"
        + (
            f" and {dropped:,} dropped ({', '.join(f'{n} {r}' for r, n in q.dropped.items())})."
            if dropped
            else ", none dropped."
        )
    )
    given = [s.key for s in cal.settings if not s.fitted]
    if given:
        out.append(f"Given to the calibration job and kept: {', '.join(given)}.")
    out.append(
        f"{len(cal.kept)} settings the log cannot identify were kept from the base scenario: "
        f"{', '.join(cal.kept)}."
    )
    if backtest is not None:
        judged = backtest[backtest["verdict"] != ""]
        passed = int((judged["verdict"] == "PASS").sum())
        out.append(f"Backtest: {passed} of {len(judged)} checks pass (section 6).")
    return out


def write_calibration_report(
    outdir: Path,
    cal: Calibration,
    log: pd.DataFrame | None,
    command: str,
    base: str,
    backtest: pd.DataFrame | None = None,
    periods: pd.DataFrame | None = None,
    backtest_days: int = 0,
    simfit: SimFit | None = None,
) -> Path:
    """Write ``outdir/calibration.html`` for calibration ``cal`` of ``log`` (the rows it
    was fitted on) and, if run, its backtest (``backtest.csv`` rows and the periods
    behind them) and its simulation-based fit."""
    figure = _Figures()
    src = cal.source
    env = Environment(
        loader=PackageLoader("escalationsim.app", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    html = env.get_template("calibration.html.j2").render(
        title=f"Calibration from {src['file']}",
        subtitle=f"{src['first'][:10]} to {src['last'][:10]}; sha256 {src['sha256'][:16]}",
        answer=answer(cal, backtest, backtest_days if backtest is not None else 0),
        command=command,
        source=[
            f"file {src['file']} (sha256 {src['sha256']})",
            f"{src['contacts']:,} contacts of {src['complaints']:,} complaints, {src['first']} "
            f"to {src['last']} ({src['days']} days)",
        ],
        quality=[
            {
                "what": r["what"] if q is cal.quality else f"roster: {r['what']}",
                "reason": r["reason"],
                "rows": "" if pd.isna(r["rows"]) else r["rows"],
            }
            for q in (cal.quality, cal.roster)
            if q is not None
            for _, r in q.table().iterrows()
        ],
        sections=_sections(cal, log, figure),
        settings=[{"key": s.key, "value": s.value, "note": s.note} for s in cal.settings],
        kept=list(cal.kept.items()),
        simfit=_simfit(simfit, figure) if simfit is not None else None,
        base=base,
        backtest=(
            _backtest(backtest, periods, backtest_days, figure)
            if backtest is not None and periods is not None
            else None
        ),
    )
    return write_text(html, outdir / "calibration.html")


__all__ = ["answer", "write_calibration_report"]
