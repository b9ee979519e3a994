"""The calibration job (``experiment=calibrate``): a contact log in, a scenario out.

Checks the ``calibrate`` section before anything is read (the log exists, the mapping
is readable, the names are usable), then fits the log
(:func:`escalationsim.calibration.calibrate.calibrate`) and writes ``fits.csv``,
``quality.csv``, ``conf/scenario/<name>.yaml`` and ``conf/uncertainty/<name>.yaml`` into
the run's folder, so that ``escalationsim --config-dir <folder>/conf scenario=<name>``
runs on the calibrated company. A log that cannot be used stops with the file and the column or row
named, before anything is written.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import sys
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import yaml

from escalationsim.app.calibration_report import write_calibration_report
from escalationsim.app.files import write_csv, write_text
from escalationsim.app.schema import CalibrateConfig
from escalationsim.calibration.backtest import KPIS
from escalationsim.calibration.calibrate import (
    Calibration,
    Setting,
    fit,
    scenario_yaml,
    uncertainty_yaml,
)
from escalationsim.calibration.log import DataError, load_mapping, read_log
from escalationsim.calibration.open_work import open_work, queued
from escalationsim.config.fields import ConfigError
from escalationsim.experiment.job import SimConfig, validate

logger = logging.getLogger("escalationsim")

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def _packaged(group: str, name: str) -> Path:
    return Path(str(resources.files("escalationsim") / "conf" / group / f"{name}.yaml"))


def check(cfg: CalibrateConfig, sim: SimConfig) -> None:
    """A ConfigError naming the key for a calibration that cannot start."""
    if cfg.log and cfg.counts:
        raise ConfigError(
            "calibrate.log and calibrate.counts: give one (a contact log shows all that "
            "interval counts do)"
        )
    if not cfg.log and not cfg.counts:
        raise ConfigError(
            "calibrate.log is empty: give the contact log to fit "
            "(calibrate.log=path/to/contacts.csv; docs/data.md has the schema), or "
            "interval counts (calibrate.counts=...)"
        )
    for key, path in (("log", cfg.log), ("counts", cfg.counts)):
        if path and not Path(path).is_file():
            raise ConfigError(f"calibrate.{key} = {path!r}: no such file")
    if cfg.counts and cfg.simfit.trials:
        raise ConfigError(
            "calibrate.simfit.trials: the simulation-based fit compares journeys, which "
            "interval counts do not show; it needs calibrate.log"
        )
    if cfg.roster and not Path(cfg.roster).is_file():
        raise ConfigError(f"calibrate.roster = {cfg.roster!r}: no such file")
    if cfg.mapping:
        if not Path(cfg.mapping).is_file():
            raise ConfigError(f"calibrate.mapping = {cfg.mapping!r}: no such file")
        load_mapping(cfg.mapping)
    try:
        ZoneInfo(cfg.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"calibrate.tz = {cfg.tz!r} is not a time zone (e.g. UTC, Europe/London)"
        ) from None
    if not NAME.match(cfg.name):
        raise ConfigError(
            f"calibrate.name = {cfg.name!r} is not allowed: letters, digits, _ and - only "
            "(it names scenario/<name>.yaml)"
        )
    if cfg.seed < 0:
        raise ConfigError(f"calibrate.seed = {cfg.seed} is not allowed: must be >= 0")
    if cfg.backtest_days < 0:
        raise ConfigError(
            f"calibrate.backtest_days = {cfg.backtest_days} is not allowed: must be >= 0"
        )
    if not 0.0 <= cfg.min_coverage <= 1.0:
        raise ConfigError(
            f"calibrate.min_coverage = {cfg.min_coverage} is not allowed: must be in [0, 1]"
        )
    if cfg.replications < 2:
        raise ConfigError(
            f"calibrate.replications = {cfg.replications} is not allowed: must be >= 2 "
            "(a prediction interval needs a spread)"
        )
    if cfg.policy not in sim.policies:
        raise ConfigError(
            f"calibrate.policy = {cfg.policy!r} is not a policy of the job: {sorted(sim.policies)}"
        )
    fit = cfg.simfit
    for key, value, ok, allowed in (
        ("trials", fit.trials, fit.trials >= 0, ">= 0 (0: off)"),
        ("timeout_s", fit.timeout_s, fit.timeout_s >= 0, ">= 0 (0: no limit)"),
        ("replications", fit.replications, fit.replications >= 1, ">= 1"),
        ("startup_trials", fit.startup_trials, fit.startup_trials >= 1, ">= 1"),
        ("warmup_days", fit.warmup_days, fit.warmup_days >= 0, ">= 0"),
    ):
        if not ok:
            raise ConfigError(f"calibrate.simfit.{key} = {value} is not allowed: must be {allowed}")
    if fit.trials and not fit.unknowns():
        raise ConfigError("calibrate.simfit.ranges is empty: name the unknowns to fit")
    for key, bounds in fit.unknowns().items():
        where = f"calibrate.simfit.ranges.{key}"
        ok = len(bounds) == 2 and all(isinstance(b, int | float) for b in bounds)
        if not (ok and bounds[0] < bounds[1]):
            raise ConfigError(f"{where} = {list(bounds)}: give [low, high] with low < high")
        for bound in bounds:  # each end must be a value the scenario accepts
            try:
                with_settings(sim, unknown(sim, key, float(bound)))
            except (ConfigError, AttributeError, TypeError, ValueError) as err:
                raise ConfigError(f"{where} = {list(bounds)}: {bound} is refused: {err}") from None
    for period, kpis in cfg.tolerance.items():
        if period not in ("day", "hour"):
            raise ConfigError(f"calibrate.tolerance.{period}: periods are day and hour")
        for kpi, tol in kpis.items():
            if kpi not in KPIS:
                raise ConfigError(
                    f"calibrate.tolerance.{period}.{kpi}: not a backtest KPI ({list(KPIS)})"
                )
            if not tol > 0:
                raise ConfigError(f"calibrate.tolerance.{period}.{kpi} = {tol}: must be > 0")


def quality_table(cal: Calibration) -> pd.DataFrame:
    """``quality.csv``: what reading did to the log's rows, then to the roster's (with
    the file each row is about)."""
    parts = [cal.quality.table().assign(file=cal.quality.file)]
    if cal.roster is not None:
        parts.append(cal.roster.table().assign(file=cal.roster.file))
    return pd.concat(parts, ignore_index=True)


def given(overrides: list[str]) -> dict[str, Any]:
    """The job's scenario settings from its command line (``scenario.staff.reps.count=9``,
    as typed): the scenario it writes keeps them, as the backtest used them."""
    out = {}
    for o in overrides:
        key, sep, value = o.lstrip("+").partition("=")
        key = key.removeprefix("scenario.") if key.startswith("scenario.") else ""
        if sep and key and key not in ("name", "kind", "calibration"):
            out[key] = yaml.safe_load(value)
    return out


def calibrate_job(
    sim: SimConfig, cfg: CalibrateConfig, outdir: Path, overrides: list[str] | None = None
) -> int:
    """Fit the log and write what it gives (see the module doc); exit code 2 for a log
    that cannot be used, with nothing written. ``overrides``: the job's command line,
    whose scenario settings the written scenario keeps (each said so) where the log does
    not fit them."""
    select = {k: v for k, v in cfg.select.items() if v is not None}
    backtest = periods = found = None
    try:
        if cfg.counts:
            return counts_job(sim, cfg, outdir, overrides)
        log, quality = read_log(cfg.log, cfg.mapping or None, cfg.tz, select)
        train, test_start, end = hold_out(log, cfg.backtest_days, Path(cfg.log))
        cal = fit(train, quality, Path(cfg.log), cfg.seed)
        if cfg.roster:
            staffed(cal, cfg)
        usable(sim, cal)
        if cfg.simfit.trials:
            found = simulation_fit(sim, cfg, cal, train, outdir / "simfit.db")
        if cfg.backtest_days:
            backtest, periods = run_backtest(sim, cfg, cal, log, test_start, end)
    except DataError as err:
        print(f"escalationsim: unusable contact log: {err}", file=sys.stderr)
        return 2
    work = open_work(log)  # at the log's end: where a run starting "today" starts
    log = train
    return _write(sim, cfg, outdir, overrides, cal, train, work, found, backtest, periods)


def _write(
    sim: SimConfig,
    cfg: CalibrateConfig,
    outdir: Path,
    overrides: list[str] | None,
    cal: Calibration,
    log: pd.DataFrame | None,
    work: pd.DataFrame | None,
    found: Any = None,
    backtest: pd.DataFrame | None = None,
    periods: pd.DataFrame | None = None,
) -> int:
    """Write and print what a calibration gave (``log``: the rows fitted, None for
    interval counts; ``work``: the open work at the log's end, None for counts)."""
    fitted = {st.key for st in cal.settings}
    kept = [
        Setting(key, value, f"given to the calibration job (scenario.{key})", fitted=False)
        for key, value in given(overrides or []).items()
        if key not in fitted
    ]
    cal.settings = kept + cal.settings
    base = yaml.safe_load(_packaged("uncertainty", "default").read_text())
    conf = outdir / "conf"  # a config folder of its own (the run's .hydra/ is no config)
    written = [
        write_csv(cal.fits, outdir / "fits.csv"),
        write_csv(quality_table(cal), outdir / "quality.csv"),
        write_text(
            scenario_yaml(cal, cfg.name, sim.scenario.name, str(outdir.resolve())),
            conf / "scenario" / f"{cfg.name}.yaml",
        ),
        write_text(uncertainty_yaml(cal, base), conf / "uncertainty" / f"{cfg.name}.yaml"),
    ]
    if work is not None:
        written.append(write_csv(work, outdir / "open_work.csv"))
    if found is not None:
        written.append(write_csv(found.trials, outdir / "simfit.csv"))
    if backtest is not None:
        written.append(write_csv(backtest, outdir / "backtest.csv"))
        written.append(write_csv(periods, outdir / "backtest_periods.csv"))
    command = f"escalationsim --config-dir {conf.resolve()} scenario={cfg.name}"
    written.append(
        write_calibration_report(
            outdir,
            cal,
            log,
            command,
            sim.scenario.name,
            backtest,
            periods,
            cfg.backtest_days,
            found,
        )
    )
    for q in (cal.quality, cal.roster):
        if q is None:
            continue
        print(
            f"{q.file}: {q.read} rows read, {q.kept} kept"
            + "".join(f"; {n} dropped: {r}" for r, n in q.dropped.items())
        )
        for w in q.warnings:
            print(f"warning: {w}")
    table = pd.DataFrame(
        [(s.key, s.value, s.note) for s in cal.settings], columns=["setting", "value", "from"]
    )
    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(table.to_string(index=False))
    if backtest is not None:
        shown = backtest[["kpi", "channel", "mode", "period", "observed", "simulated_mean"]]
        shown = shown.assign(
            coverage=backtest["coverage"].map("{:.0%}".format),
            wape=backtest["wape"].map("{:.1%}".format),
            verdict=backtest["verdict"],
        )
        runs = f"{cfg.replications} simulations a mode"
        print(f"backtest on the last {cfg.backtest_days} days ({runs}):")
        with pd.option_context("display.width", 200, "display.max_rows", 200):
            print(shown.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        fails = backtest[backtest["verdict"] == "FAIL"]
        print(f"{len(fails)} of {int((backtest['verdict'] != '').sum())} checks FAIL")
    kept = ", ".join(cal.kept)
    print(f"kept from scenario {sim.scenario.name} (the log cannot identify them): {kept}")
    print(f"{len(written)} files written to {outdir.resolve()}")
    print(f"run on it: {command}")
    if work is not None:
        waiting = ", ".join(f"{n} on {ch}" for ch, n in queued(work).items()) or "none"
        promised = int((work["kind"] == "backoffice").sum())
        print(
            f"open at the log's end: {waiting} waiting, {promised} with back-office work "
            f"promised; start from it: {command} run.initial_state={outdir.resolve()} "
            "run.warmup_days=0"
        )
    fitted = sum(s.fitted for s in cal.settings)
    logger.info("calibrated %s: %d settings fitted", cfg.log or cfg.counts, fitted)
    return 0


def counts_job(
    sim: SimConfig, cfg: CalibrateConfig, outdir: Path, overrides: list[str] | None
) -> int:
    """The calibration from interval counts (``calibrate.counts``): fit what counts show
    (on all but the last ``backtest_days`` days), and backtest the forecast of what
    counts can show (volume per channel, the phone's abandonment: no replay without the
    complaints themselves)."""
    from escalationsim.calibration.calibrate import from_counts
    from escalationsim.calibration.counts import period_kpis, read_counts

    df, quality = read_counts(cfg.counts, cfg.mapping or None, cfg.tz)
    first, last = df["interval_start"].min(), df["interval_start"].max()
    end = last.normalize() + pd.Timedelta(days=1)
    test_start = end - pd.Timedelta(days=cfg.backtest_days)
    if cfg.backtest_days and test_start <= first.normalize() + pd.Timedelta(days=6):
        raise DataError(
            f"{cfg.counts}: calibrate.backtest_days = {cfg.backtest_days} leaves fewer than 7 "
            f"days to fit (the counts cover {first.date()} to {last.date()})"
        )
    train = df[df["interval_start"] < test_start]
    cal = from_counts(train, quality, cfg.counts)
    if cfg.roster:
        staffed(cal, cfg)
    usable(sim, cal)
    backtest = periods = None
    if cfg.backtest_days:
        observed = period_kpis(df, test_start, end)
        backtest, periods = forecast(sim, cfg, cal, monday_before(first), test_start, end, observed)
    return _write(sim, cfg, outdir, overrides, cal, None, None, None, backtest, periods)


__all__ = ["calibrate_job", "check", "hold_out", "run_backtest", "simulation_fit"]


def with_settings(sim: SimConfig, settings: dict[str, Any]) -> SimConfig:
    """A copy of ``sim`` whose scenario has each dotted key set (an enum's value given as
    its name, a list as a list), checked as any job is."""
    out = copy.deepcopy(sim)
    for key, value in settings.items():
        *parents, leaf = key.split(".")
        node = out.scenario
        for p in parents:
            node = getattr(node, p)
        current = getattr(node, leaf)
        if isinstance(current, Enum):
            value = type(current)(value)
        setattr(node, leaf, value)
    validate(out)
    return out


def usable(sim: SimConfig, cal: Calibration) -> None:
    """Keep in ``cal.settings`` only what the scenario accepts: a fitted value outside a
    setting's allowed range (a handle time's cv above 10, say) is moved to ``cal.kept``
    with the reason, and the base's value stays. Settings checked together are set
    together (the first-channel shares, which must sum to 1; a pool's shifts and hours)."""
    groups: dict[str, list[Setting]] = {}
    for s in cal.settings:
        if s.key.startswith("population.first_channel_"):
            group = "population.first_channel_*"
        elif ".schedule." in s.key:  # shifts and hours: one or the other, set together
            group = s.key.rsplit(".", 1)[0]
        else:
            group = s.key
        groups.setdefault(group, []).append(s)
    ok = []
    for settings in groups.values():
        try:
            with_settings(sim, {s.key: s.value for s in settings})
        except ConfigError as err:
            for s in settings:
                cal.kept[s.key] = f"fitted {s.value!r}, which the scenario refuses ({err})"
            continue
        ok += settings
    cal.settings = ok


def monday_before(t: pd.Timestamp) -> pd.Timestamp:
    """Midnight of the Monday on or before ``t`` (day 0 of a run is a Monday)."""
    day = t.normalize()
    return day - pd.Timedelta(days=day.weekday())


def staffed(cal: Calibration, cfg: CalibrateConfig) -> None:
    """Add the roster's schedules to ``cal`` (``calibrate.roster``): each pool's 168
    hourly head counts (its shifts emptied: a schedule is one or the other), scaling
    with volume off (the roster is the staff), the ``staff_on_duty`` fits, and what
    reading the roster did to its rows beside the log's."""
    from escalationsim.calibration.fits import table
    from escalationsim.calibration.roster import fit_roster, read_roster

    roster, q = read_roster(cfg.roster, cfg.mapping or None, cfg.tz)
    tables, rows = fit_roster(roster)
    weeks = (roster["interval_start"].max() - roster["interval_start"].min()).days / 7
    for pool, hourly in tables.items():
        note = f"from the roster: mean agents on duty per hour of the week over {weeks:.1f} weeks"
        cal.settings.append(Setting(f"staff.{pool}.schedule.hourly", hourly, note))
        cal.settings.append(
            Setting(f"staff.{pool}.schedule.shifts", [], "the roster's hours instead of shifts")
        )
    cal.settings.append(
        Setting("staff.scale_with_volume", False, "the roster gives the staff, whatever the volume")
    )
    cal.fits = table([*cal.fits.to_dict("records"), *rows.to_dict("records")])
    cal.roster = q


def hold_out(
    log: pd.DataFrame, days: int, path: Path
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """The rows to fit (all but the contacts of the log's last ``days`` days), the start
    of the held-out days and the end of the log's last day; a DataError if fewer than
    7 days would be left to fit."""
    first, last = log["arrived_at"].min(), log["arrived_at"].max()
    end = last.normalize() + pd.Timedelta(days=1)
    test_start = end - pd.Timedelta(days=days)
    if days and test_start <= first.normalize() + pd.Timedelta(days=6):
        raise DataError(
            f"{path}: calibrate.backtest_days = {days} leaves fewer than 7 days "
            f"to fit (the log covers {first.date()} to {last.date()})"
        )
    return log[log["arrived_at"] < test_start], test_start, end


def run_backtest(
    sim: SimConfig,
    cfg: CalibrateConfig,
    cal: Calibration,
    log: pd.DataFrame,
    test_start: pd.Timestamp,
    end: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the held-out days from ``test_start`` to ``end`` ``cfg.replications``
    times in each mode with the calibration ``cal`` (fitted on the days before them) and
    compare (docs/data.md): ``replay`` drives the log's own complaints (arrival times and
    first channels) through the model, with customers who remember and publicity off
    (the log already holds what they did); ``forecast`` runs the fitted scenario. The
    simulations start at the Monday before the log's first day, so the days before the
    test are their warm-up. Returns the ``backtest.csv`` rows and the periods behind
    them (``backtest_periods.csv``)."""
    from escalationsim.calibration.backtest import period_kpis
    from escalationsim.engine import channels
    from escalationsim.engine.population import Replay

    day0 = monday_before(log["arrived_at"].min())
    tickets = log.drop_duplicates("ticket_id")
    hours = (tickets["arrived_at"] - day0) / pd.Timedelta(hours=1)
    replay = Replay(
        hours.to_numpy(dtype=float),
        np.array([channels.code(str(c)) for c in tickets["channel"]], dtype=np.int8),
    )
    observed = period_kpis(log, test_start, end)
    return forecast(sim, cfg, cal, day0, test_start, end, observed, replay)


def forecast(
    sim: SimConfig,
    cfg: CalibrateConfig,
    cal: Calibration,
    day0: pd.Timestamp,
    test_start: pd.Timestamp,
    end: pd.Timestamp,
    observed: pd.DataFrame,
    replay: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate from ``day0`` (a Monday) to ``end``, measuring ``[test_start, end)``,
    ``cfg.replications`` times per mode with ``cal``'s settings, and compare with
    ``observed`` (:func:`~escalationsim.calibration.backtest.period_kpis`' layout): the
    ``replay`` mode only with a ``replay`` of observed complaints, then ``forecast``."""
    from dataclasses import replace

    from escalationsim.calibration.backtest import bands, period_kpis, summarise
    from escalationsim.calibration.export import to_contact_log
    from escalationsim.experiment.runner import run_one

    hours = lambda t: (t - day0) / pd.Timedelta(hours=1)  # noqa: E731
    run = replace(
        sim.run,
        policies=[cfg.policy],
        replications=cfg.replications,
        horizon_days=hours(end) / 24.0,
        warmup_days=hours(test_start) / 24.0,
        drain_days=0.0,
        seed=cfg.seed,
        workers=1,
    )
    sim = with_settings(replace(sim, run=run), {s.key: s.value for s in cal.settings})
    policy = replace(sim.policies[cfg.policy], name=cfg.policy)
    modes = [("forecast", sim, None)]
    if replay is not None:
        replayed = with_settings(sim, {"customers.enabled": False, "publicity.enabled": False})
        modes.insert(0, ("replay", replayed, replay))
    tables, periods = [], []
    for mode, config, drive in modes:
        simulated = []
        for r in range(cfg.replications):
            part = run_one(config, policy, r, True, None, contacts=True, replay=drive)
            simulated.append(period_kpis(to_contact_log(part[3], day0), test_start, end))
        band = bands(observed, simulated)
        tables.append(summarise(band, mode, cfg.tolerance, cfg.min_coverage, len(simulated)))
        periods.append(band.assign(mode=mode))
    return pd.concat(tables, ignore_index=True), pd.concat(periods, ignore_index=True)


SOCIAL_FIRST = "population.first_channel_social"


def unknown(sim: SimConfig, key: str, value: float) -> dict[str, float]:
    """The scenario settings a trial's value of unknown ``key`` sets: itself, and for the
    first-channel share of social media the phone and email shares too, in ``sim``'s
    ratio, so that the three still sum to 1."""
    if key != SOCIAL_FIRST:
        return {key: value}
    pop = sim.scenario.population
    ratio = pop.first_channel_phone / (pop.first_channel_phone + pop.first_channel_email)
    phone = round(ratio * (1.0 - value), 6)
    return {
        SOCIAL_FIRST: value,
        "population.first_channel_phone": phone,
        "population.first_channel_email": round(1.0 - value - phone, 6),
    }


def simulation_fit(
    sim: SimConfig, cfg: CalibrateConfig, cal: Calibration, log: pd.DataFrame, storage: Path
) -> Any:
    """Fit ``cfg.simfit.ranges``' unknowns by simulation (:mod:`escalationsim.calibration
    .simfit`): each trial simulates the log's period (after ``warmup_days`` more) with the
    company's policy and the fitted scenario, and its contact log's journey shares are
    compared with ``log``'s. An identified unknown becomes a setting of ``cal`` with its
    plausible range; one that is not is kept, with that range said; every unknown gets a
    ``fits.csv`` row. The first-channel share of social media, when fitted, keeps the
    fitted ratio of phone to email. Resumes from ``storage``."""
    from dataclasses import replace

    from escalationsim.calibration import simfit
    from escalationsim.calibration.export import to_contact_log
    from escalationsim.calibration.fits import table
    from escalationsim.experiment.runner import run_one

    fit_cfg = cfg.simfit
    first = log["arrived_at"].min().normalize()
    end = log["arrived_at"].max().normalize() + pd.Timedelta(days=1)
    day0 = monday_before(first - pd.Timedelta(days=fit_cfg.warmup_days))
    days = lambda t: (t - day0) / pd.Timedelta(days=1)  # noqa: E731
    run = replace(
        sim.run,
        policies=[cfg.policy],
        replications=fit_cfg.replications,
        horizon_days=days(end),
        warmup_days=days(first),
        drain_days=0.0,
        seed=cfg.seed,
        workers=1,
    )
    base = with_settings(replace(sim, run=run), {s.key: s.value for s in cal.settings})
    policy = replace(base.policies[cfg.policy], name=cfg.policy)

    def evaluate(values: dict[str, float]) -> pd.DataFrame | None:
        settings: dict[str, float] = {}
        for key, value in values.items():
            settings.update(unknown(base, key, value))
        try:
            config = with_settings(base, settings)
        except ConfigError:
            return None
        logs = []
        for r in range(fit_cfg.replications):
            part = run_one(config, policy, r, True, None, contacts=True)
            one = to_contact_log(part[3], day0).sort_values("arrived_at", kind="stable")
            logs.append(one.assign(ticket_id=one["ticket_id"].astype(str) + f"/{r}"))
        return simfit.statistics(pd.concat(logs, ignore_index=True))

    ranges = {k: (float(v[0]), float(v[1])) for k, v in fit_cfg.unknowns().items()}
    observed = simfit.statistics(log)
    # what the trials depend on (not how many are run, nor the time allowed)
    same = replace(fit_cfg, trials=1, timeout_s=0.0)
    digest = hashlib.sha256(
        repr((base, cfg.policy, cfg.seed, same, observed.to_dict("list"))).encode()
    ).hexdigest()
    found = simfit.run(
        ranges,
        evaluate,
        observed,
        fit_cfg.trials,
        cfg.seed,
        storage,
        fit_cfg.timeout_s,
        fit_cfg.startup_trials,
        digest,
    )
    n = len(found.trials)
    how = (
        f"simulation-based: {n} trials (Optuna TPE and Gauss-Newton steps) of the log's "
        "period compared on its journey shares; interval: simulated moments, (J'WJ)^-1"
    )
    rows = []
    for _, u in found.unknowns.iterrows():
        key, ok = str(u["setting"]), bool(u["identified"])
        rows.append(
            {
                "quantity": "simulated_fit",
                "estimate": u["best"],
                "ci_low": u["low"],
                "ci_high": u["high"],
                "method": how,
                "n": n,
                "setting": key,
                "identified": ok,
            }
        )
        plausible = (
            f"95% interval {u['low']:.3g}-{u['high']:.3g} of the allowed "
            f"{u['allowed_low']:g}-{u['allowed_high']:g}, {n} trials"
        )
        if not ok:
            cal.kept[key] = f"not identified by the simulation-based fit ({plausible})"
            continue
        value = round(float(u["best"]), 4)
        new = unknown(base, key, value)
        cal.settings = [st for st in cal.settings if st.key not in new]
        for k, v in new.items():
            exact = k == key
            cal.settings.append(
                Setting(
                    k,
                    v,
                    f"fitted by simulation ({plausible})"
                    if exact
                    else "so that the first-channel shares sum to 1 (phone to email as fitted)",
                    float(u["low"]) if exact else None,
                    float(u["high"]) if exact else None,
                )
            )
        cal.kept.pop(key, None)
    cal.fits = table([*cal.fits.to_dict("records"), *rows])
    return found
