"""Calibrate: a contact log in; ``fits.csv``, a scenario file and an uncertainty file out.

:func:`calibrate` reads the log (:mod:`.log`), fits what it shows (arrivals, the
complaints' volume and profiles, handle times, patience from censored waits, journey
shares) and maps the fits the engine can use onto scenario settings, each with where it
came from. :func:`scenario_yaml` writes those settings as a scenario file over a base
scenario (``escalationsim --config-dir <dir> scenario=<name>``), every value commented
with the data file's hash, period, method and interval, and the settings it kept listed
with why; :func:`uncertainty_yaml` writes the robustness study's uncertainties with the
fitted intervals in place of the assumed ranges for what the log informs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from escalationsim.calibration.arrivals import fit_arrivals, fit_complaints
from escalationsim.calibration.backoffice import fit_backoffice
from escalationsim.calibration.fits import table
from escalationsim.calibration.handling import fit_handle_times
from escalationsim.calibration.journeys import before_resolution, fit_journeys, follow_ups
from escalationsim.calibration.log import Quality, flagged, read_log
from escalationsim.calibration.patience import fit_patience
from escalationsim.calibration.risks import fit_risks

HANDLED = ("phone", "email", "social", "chase")
"""Channels whose handle time is a scenario setting (``handle_times.<channel>``)."""

ENGINE_DISTS = ("lognormal", "exponential")
"""The handle-time and patience families the engine samples."""

NOT_IDENTIFIED: dict[str, str] = {
    "population.persistence_mean": "how often a customer tries again after a failure: the "
    "log shows the journeys (recontact_prob, escalation_prob_*), not the persistence, "
    "share of social users and CEO-address knowledge behind them apart",
    "population.knows_ceo_share": "as persistence: escalation_prob_ceo mixes it with "
    "persistence and failures",
    "population.uses_social_share": "as persistence: escalation_prob_social mixes it with "
    "persistence and failures",
    "population.exception_share": "needs_exception, if given, says it for contacts, not "
    "whether the policy could have fixed it",
    "population.clv_median_usd": "customer value is not in a contact log",
    "publicity": "word of mouth is not in a contact log",
    "follow_ups.lost_prob_untracked": "a promise lost and one whose customer chased or "
    "started over look alike in a log: backoffice_lost_share in fits.csv counts only the "
    "promises never done and never asked about again",
}
"""Settings a contact log cannot identify directly, and why: kept from the base scenario
unless the simulation-based fit (``calibrate.simfit``) identifies them."""


@dataclass
class Setting:
    """A scenario setting fitted from the log: its dotted key under ``scenario``, the
    value, the interval (for the uncertainty file) and where it came from; ``fitted``
    False for one given to the calibration rather than fitted."""

    key: str
    value: Any
    note: str
    low: float | None = None
    high: float | None = None
    fitted: bool = True


@dataclass
class Calibration:
    """What calibrating a log gave: every fit (``fits.csv``), what reading did to the
    rows, the log's identity, the scenario settings fitted and the notes on what was
    kept."""

    fits: pd.DataFrame
    quality: Quality
    source: dict[str, Any]
    settings: list[Setting] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)
    roster: Quality | None = None
    """What reading the roster did to its rows (None: no roster)."""

    def setting(self, key: str) -> Setting:
        for s in self.settings:
            if s.key == key:
                return s
        raise KeyError(f"no fitted setting {key!r}: fitted are {[s.key for s in self.settings]}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _source(path: Path, times: pd.Series, **facts: Any) -> dict[str, Any]:
    """Where the fits came from: the file's name and hash, the first and last times, the
    days between, and ``facts`` (counts, flags)."""
    first, last = times.min(), times.max()
    return {
        "file": path.name,
        "sha256": _sha256(path),
        "first": first.floor("s").isoformat(),
        "last": last.floor("s").isoformat(),
        "days": int((last.normalize() - first.normalize()).days) + 1,
        **facts,
    }


def calibrate(
    path: str | Path,
    mapping: Mapping[str, Any] | str | Path | None = None,
    tz: str = "UTC",
    select: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> Calibration:
    """Read the log at ``path`` and fit it (see the module doc); bad data is a
    :class:`~escalationsim.calibration.log.DataError` before anything is fitted."""
    path = Path(path)
    log, quality = read_log(path, mapping, tz, select)
    return fit(log, quality, path, seed)


def fit(log: pd.DataFrame, quality: Quality, path: Path, seed: int = 0) -> Calibration:
    """Fit a log already read (:func:`calibrate` reads it; a backtest fits its first
    part): ``path`` is the file it came from, named with its hash in the scenario."""
    parts = [
        fit_complaints(log),
        fit_arrivals(log),
        fit_handle_times(handled(log), seed),
        fit_patience(before_resolution(log)),
        fit_journeys(log),
        fit_risks(log, seed),
        fit_backoffice(log),
    ]
    fits = table([r for p in parts for r in p.to_dict("records")])
    source = _source(
        path,
        log["arrived_at"],
        contacts=int(len(log)),
        complaints=int(log["ticket_id"].nunique()),
        routine_only="needs_exception" in log,
    )
    cal = Calibration(fits, quality, source)
    cal.settings = _settings(fits, source)
    cal.kept = dict(NOT_IDENTIFIED)
    warn_trend(cal)
    if not any(st.key == "channels.phone.patience_mean_s" for st in cal.settings):
        rate = _rows(fits, "abandon_rate", "phone")
        cal.kept["channels.phone.patience_mean_s"] = (
            "no caller hung up: patience exceeds every wait and is not identified"
            if len(rate) and rate.iloc[0]["estimate"] == 0
            else "no phone waits with abandoned_at in the log"
        )
    return cal


COUNTS_KEPT: dict[str, str] = {
    "volume_per_day": "interval counts do not tell complaints from their further contacts "
    "(contacts_per_day in fits.csv is every contact)",
    "behaviour.switch_prob": "journeys are not in interval counts",
    "population.first_channel_*": "journeys are not in interval counts",
    "handle_times.*.cv": "aggregates hide the spread of handle times",
}
"""What interval counts cannot identify, besides what a log cannot."""


def from_counts(df: pd.DataFrame, quality: Quality, path: str | Path) -> Calibration:
    """Calibrate from interval counts already read (:mod:`.counts`: ``read_counts``):
    the arrivals and the contacts' profiles as from a log, each channel's mean handle
    time, and the phone's patience from its mean wait and abandonment (weak); the rest
    kept, said why. ``path``: the file they came from."""
    from escalationsim.calibration.counts import fit_counts

    path = Path(path)
    fits = fit_counts(df)
    source = _source(
        path,
        df["interval_start"],
        contacts=int(df["offered"].sum()),
        complaints=0,
        routine_only=False,
        counts=True,
    )
    cal = Calibration(fits, quality, source)
    cal.settings = _settings(fits, source)
    for _, r in _rows(fits, "handle_time_mean_min").iterrows():
        if r["channel"] in ("phone", "email", "social"):
            cal.settings.append(
                Setting(
                    f"handle_times.{r['channel']}.mean_min",
                    round(float(r["estimate"]), 3),
                    f"fitted from interval counts: mean handle time (n = {int(r['n'])}; no "
                    "interval, its cv and family kept)",
                )
            )
    weak = _rows(fits, "patience_mean_min", "phone")
    if len(weak):
        r = weak.iloc[0]
        cal.settings += [
            Setting(
                "channels.phone.patience_mean_s",
                round(float(r["estimate"]) * 60.0, 1),
                "weak: from interval counts' mean wait and abandonment (exponential patience "
                f"assumed; n = {int(r['n'])})",
            ),
            Setting("channels.phone.patience_dist", "exponential", "assumed with the weak fit"),
            Setting("population.patience_sigma", 0.0, "the fitted patience is across callers"),
        ]
    cal.kept = {**COUNTS_KEPT, **NOT_IDENTIFIED}
    warn_trend(cal)
    return cal


TREND_WARN = 0.02
"""A weekly trend beyond 2% a week (and significant at 1%) is warned of."""


def warn_trend(cal: Calibration) -> None:
    """Add a data-quality warning when the weeks' totals trend (``weekly_trend``)."""
    rows = _rows(cal.fits, "weekly_trend")
    if not len(rows):
        return
    r = rows.iloc[0]
    if r["p_value"] < 0.01 and abs(r["estimate"]) > TREND_WARN:
        cal.quality.warnings.append(
            f"the weeks' totals change by {r['estimate']:+.1%} a week (p = {r['p_value']:.2g}): "
            "the profiles and the volume pool weeks with different rates (Kim & Whitt "
            "2014); fit a shorter, recent period, or expect the forecast to drift"
        )


def handled(log: pd.DataFrame) -> pd.DataFrame:
    """The contacts whose handle times the scenario's ``handle_times`` describe: the
    follow-ups as channel ``chase`` (:func:`follow_ups`); with ``needs_exception`` given,
    the other contacts are those needing none (in the model a contact needing an
    exception may include a supervisor's or a manager's time)."""
    out = follow_ups(log)
    if "needs_exception" in log and log["needs_exception"].notna().any():
        flag = flagged(log["needs_exception"])
        out = out[~flag | out["channel"].eq("chase")]
    return out


def _rows(fits: pd.DataFrame, quantity: str, channel: str | None = None) -> pd.DataFrame:
    rows = fits[fits["quantity"] == quantity]
    if channel is not None:
        rows = rows[rows["channel"] == channel]
    return rows


def _ci(row: pd.Series) -> str:
    return f"95% CI {row['ci_low']:.4g}-{row['ci_high']:.4g}, n = {int(row['n'])}"


def counted_days(fits: pd.DataFrame) -> str:
    """What the day totals behind the profiles count: complaints, or (interval counts)
    contacts offered, a proxy."""
    if len(_rows(fits, "volume_per_day")):
        return "complaints"
    return "contacts offered (a proxy: counts do not tell complaints from further contacts)"


def _fitted(key: str, r: pd.Series, digits: int, note: str) -> Setting:
    """The setting ``key`` at fits row ``r``'s estimate (rounded to ``digits``), its 95%
    interval kept for the uncertainty file; ``note`` says where it came from, the interval
    and n at its ``{ci}`` (in brackets after it if it has none)."""
    return Setting(
        key,
        round(float(r["estimate"]), digits),
        note.format(ci=_ci(r)) if "{ci}" in note else f"{note} ({_ci(r)})",
        float(r["ci_low"]),
        float(r["ci_high"]),
    )


def _settings(fits: pd.DataFrame, source: dict[str, Any]) -> list[Setting]:
    """The scenario settings the fits give (only what the log identifies)."""
    out: list[Setting] = []
    vol = _rows(fits, "volume_per_day")
    if len(vol):
        note = f"fitted: complaints a day over {source['days']} days"
        out.append(_fitted("volume_per_day", vol.iloc[0], 2, note))
    busy = fits[(fits["quantity"] == "busyness_cv") & fits["channel"].isna()]
    if len(busy):
        note = (
            f"fitted: day-to-day variation of the {counted_days(fits)} beyond Poisson, a "
            "gamma day factor from the day totals by weekday (Pearson; {ci})"
        )
        out.append(_fitted("arrivals.busyness_cv", busy.iloc[0], 4, note))
    for key, quantity, by, n in (
        ("arrivals.hourly_profile", "hourly_weight", "hour", 24),
        ("arrivals.weekly_profile", "weekly_weight", "day", 7),
    ):
        rows = _rows(fits, quantity)
        if len(rows) == n:
            weights = [round(float(v), 3) for v in rows.sort_values(by)["estimate"]]
            counted = (
                str(rows.iloc[0]["method"]).split(" on the weekday")[0].split(" in the hour")[0]
            )
            out.append(Setting(key, weights, f"fitted: {counted} by {by} over the mean (mean 1)"))
    shares = _rows(fits, "first_channel_share").set_index("channel")
    if len(shares) and shares.index.isin(("phone", "email", "social")).any():
        mix = {ch: float(shares["estimate"].get(ch, 0.0)) for ch in ("phone", "email", "social")}
        total = sum(mix.values())
        phone = round(mix["phone"] / total, 4)
        email = round(mix["email"] / total, 4)
        social = round(1.0 - phone - email, 4)
        other = 1.0 - total
        note = "fitted: complaints starting on the channel" + (
            f" (among phone, email and social: {other:.1%} started elsewhere)"
            if other > 5e-4
            else ""
        )
        for ch, v in (("phone", phone), ("email", email), ("social", social)):
            row = shares.loc[ch] if ch in shares.index else None
            lo = None if row is None else float(row["ci_low"])
            hi = None if row is None else float(row["ci_high"])
            out.append(Setting(f"population.first_channel_{ch}", v, note, lo, hi))
    for ch in HANDLED:
        mean, cv = _rows(fits, "handle_time_mean_min", ch), _rows(fits, "handle_time_cv", ch)
        if not (len(mean) and len(cv)):
            continue
        m, c = mean.iloc[0], cv.iloc[0]
        ranked = _rows(fits, "handle_time_candidate", ch).sort_values("aic")
        best = str(ranked.iloc[0]["dist"])
        dist = next(d for d in ranked["dist"] if d in ENGINE_DISTS)
        said = (
            f"{dist} (AIC best)"
            if dist == best
            else f"{dist} (AIC best: {best}, not an engine family)"
        )
        what = "routine contacts' " if source.get("routine_only") and ch != "chase" else ""
        if ch == "chase":
            what = "follow-ups' (contacts after the resolved one) "
        out.append(_fitted(f"handle_times.{ch}.mean_min", m, 3, f"fitted: {what}mean handle time"))
        out.append(
            Setting(f"handle_times.{ch}.cv", round(float(c["estimate"]), 3), f"fitted ({_ci(c)})")
        )
        out.append(Setting(f"handle_times.{ch}.dist", dist, f"fitted: {said}"))
    cands = _rows(fits, "patience_candidate", "phone")
    if len(cands):
        engine = cands[cands["dist"].isin(("exponential", "lognormal"))].sort_values("aic")
        best = str(cands.sort_values("aic").iloc[0]["dist"])
        mean = engine.iloc[0]  # the engine family AIC prefers: its mean
        dist = str(mean["dist"])
        said = f"{dist} (AIC best)" if dist == best else f"{dist} (AIC best: {best})"
        out.append(
            Setting(
                "channels.phone.patience_mean_s",
                round(float(mean["estimate"]) * 60.0, 1),
                f"fitted: censored maximum likelihood, {said}; mean in seconds, "
                f"95% CI {60 * mean['ci_low']:.4g}-{60 * mean['ci_high']:.4g}, "
                f"n = {int(mean['n'])}",
                float(mean["ci_low"]) * 60.0,
                float(mean["ci_high"]) * 60.0,
            )
        )
        out.append(Setting("channels.phone.patience_dist", dist, f"fitted: {said}"))
        out.append(
            Setting(
                "population.patience_sigma",
                0.0,
                "the fitted patience is across callers, its spread between customers "
                "included: no second spread on top (email and social patience then vary "
                "only by their own draws)",
            )
        )
        if dist == "lognormal":  # cv from the mean and median: (mean / median)^2 = 1 + cv^2
            ratio = float(mean["estimate"]) / float(mean["median_min"])
            cv = math.sqrt(max(ratio * ratio - 1.0, 0.0))
            out.append(Setting("channels.phone.patience_cv", round(cv, 3), "fitted: lognormal"))
    out += _backoffice_settings(fits)
    sw = _rows(fits, "switch_prob")
    if len(sw) and sw.iloc[0]["n"] and not math.isnan(float(sw.iloc[0]["estimate"])):
        note = "fitted: after a first failed call or email, the other channel"
        out.append(_fitted("behaviour.switch_prob", sw.iloc[0], 4, note))
    return out


def _backoffice_settings(fits: pd.DataFrame) -> list[Setting]:
    """The back office's shares (by routine and exception, when the log tells them) and
    lead time (:mod:`.backoffice`)."""
    out: list[Setting] = []
    for kind in ("routine", "exception"):
        row = _rows(fits, "backoffice_share", kind)
        if len(row) and row.iloc[0]["n"]:
            note = f"fitted: {kind} resolutions that waited for back-office work"
            out.append(_fitted(f"backoffice.share_{kind}", row.iloc[0], 4, note))
    mean, cv = _rows(fits, "backoffice_lead_time_mean_h"), _rows(fits, "backoffice_lead_time_cv")
    if len(mean) and len(cv):
        note = (
            "fitted: hours from promise to done, censored lognormal with a share never done ({ci})"
        )
        out.append(_fitted("backoffice.lead_time_mean_h", mean.iloc[0], 2, note))
        out.append(_fitted("backoffice.lead_time_cv", cv.iloc[0], 3, "fitted: as the mean"))
    return out


def scenario_yaml(cal: Calibration, name: str, base: str = "default", folder: str = "") -> str:
    """The fitted settings as a scenario file over ``base`` (a Hydra scenario group file:
    ``escalationsim --config-dir <dir> scenario=<name>`` with it in ``<dir>/scenario/``);
    ``folder``: where the calibration wrote its files (``calibration``, which a run's
    report quotes)."""
    src = cal.source
    lines = [
        f"# scenario={name}: calibrated from the contact log {src['file']}",
        f"# (sha256 {src['sha256']}),",
        f"# {src['contacts']} contacts of {src['complaints']} complaints from {src['first']} "
        f"to {src['last']} ({src['days']} days).",
        "# Every value below is fitted (its comment says how, with its 95% interval);",
        f"# every other setting is the base scenario's ({base}); fits.csv has every fit. Kept",
        "# because a contact log cannot identify them (or the scenario refused the fit):",
    ]
    lines += [f"#   {key}: {why}" for key, why in cal.kept.items()]
    lines += ["defaults:", f"  - {base}", "  - _self_", f"name: {name}"]
    if folder:
        where = yaml.safe_dump(folder, default_style='"').strip()
        lines.append(f"calibration: {where}  # the calibration's folder: its backtest")
    tree: dict[str, Any] = {}
    for s in cal.settings:
        node = tree
        *parents, leaf = s.key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = s
    lines += _emit(tree, 0)
    return "\n".join(lines) + "\n"


def _emit(tree: dict[str, Any], depth: int) -> list[str]:
    pad = "  " * depth
    out = []
    for key, node in tree.items():
        if isinstance(node, dict):
            out.append(f"{pad}{key}:")
            out += _emit(node, depth + 1)
        else:
            value = yaml.safe_dump(node.value, default_flow_style=True, width=10_000).strip()
            value = value.removesuffix("\n...").strip()
            out.append(f"{pad}{key}: {value}  # {node.note}")
    return out


def uncertainty_yaml(cal: Calibration, base: Mapping[str, Any]) -> str:
    """The robustness study's uncertainties: ``base``'s (a loaded uncertainty file),
    those whose keys the log informs replaced by the fitted 95% intervals."""
    fitted = {f"scenario.{s.key}": s for s in cal.settings if s.low is not None}
    out: dict[str, Any] = {}
    for name, u in base.items():
        if any(k in fitted for k in u["keys"]):
            continue
        out[name] = dict(u)
    src = cal.source
    for key, s in fitted.items():
        if not (s.low is not None and s.high is not None and s.low < s.high):
            continue
        if key.startswith("scenario.population.first_channel_"):
            continue  # three shares that must sum to 1: not sampled one at a time
        out[key.removeprefix("scenario.").replace(".", "_")] = {
            "keys": [key],
            "low": float(f"{max(s.low, 0.0):.6g}"),
            "high": float(f"{s.high:.6g}"),
            "label": key.rsplit(".", 1)[-1].replace("_", " "),
            "source": f"fitted 95% interval from {src['file']} (sha256 {src['sha256'][:12]}, "
            f"{src['first'][:10]} to {src['last'][:10]})",
        }
    header = (
        "# Uncertainties for a robustness study of the calibrated scenario: the base file's,\n"
        "# with the 95% intervals of the fits in place of the assumed ranges for what the\n"
        "# contact log informs (input uncertainty: Barton, Nelson & Xie 2013).\n"
    )
    return header + yaml.safe_dump(out, sort_keys=False, width=100)


__all__ = [
    "Calibration",
    "NOT_IDENTIFIED",
    "Setting",
    "calibrate",
    "fit",
    "from_counts",
    "scenario_yaml",
    "uncertainty_yaml",
]
