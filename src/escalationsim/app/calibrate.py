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

import logging
import re
import sys
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from escalationsim.app.files import write_csv, write_text
from escalationsim.app.schema import CalibrateConfig
from escalationsim.calibration.calibrate import calibrate, scenario_yaml, uncertainty_yaml
from escalationsim.calibration.log import DataError, load_mapping
from escalationsim.config.fields import ConfigError

log = logging.getLogger("escalationsim")

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def _packaged(group: str, name: str) -> Path:
    return Path(str(resources.files("escalationsim") / "conf" / group / f"{name}.yaml"))


def check(cfg: CalibrateConfig) -> None:
    """A ConfigError naming the key for a calibration that cannot start."""
    if not cfg.log:
        raise ConfigError(
            "calibrate.log is empty: give the contact log to fit "
            "(calibrate.log=path/to/contacts.csv; docs/data.md has the schema)"
        )
    if not Path(cfg.log).is_file():
        raise ConfigError(f"calibrate.log = {cfg.log!r}: no such file")
    if cfg.mapping:
        if not Path(cfg.mapping).is_file():
            raise ConfigError(f"calibrate.mapping = {cfg.mapping!r}: no such file")
        load_mapping(cfg.mapping)
    if not NAME.match(cfg.name):
        raise ConfigError(
            f"calibrate.name = {cfg.name!r} is not allowed: letters, digits, _ and - only "
            "(it names scenario/<name>.yaml)"
        )
    if not _packaged("scenario", cfg.base).is_file():
        raise ConfigError(
            f"calibrate.base = {cfg.base!r} is not a packaged scenario (conf/scenario/)"
        )
    if cfg.seed < 0:
        raise ConfigError(f"calibrate.seed = {cfg.seed} is not allowed: must be >= 0")


def calibrate_job(cfg: CalibrateConfig, outdir: Path) -> int:
    """Fit the log and write what it gives (see the module doc); exit code 2 for a log
    that cannot be used, with nothing written."""
    try:
        select = {k: v for k, v in cfg.select.items() if v is not None}
        cal = calibrate(cfg.log, cfg.mapping or None, cfg.tz, select, cfg.seed)
    except DataError as err:
        print(f"escalationsim: unusable contact log: {err}", file=sys.stderr)
        return 2
    base = yaml.safe_load(_packaged("uncertainty", "default").read_text())
    conf = outdir / "conf"  # a config folder of its own (the run's .hydra/ is no config)
    written = [
        write_csv(cal.fits, outdir / "fits.csv"),
        write_csv(cal.quality.table(), outdir / "quality.csv"),
        write_text(scenario_yaml(cal, cfg.name, cfg.base), conf / "scenario" / f"{cfg.name}.yaml"),
        write_text(uncertainty_yaml(cal, base), conf / "uncertainty" / f"{cfg.name}.yaml"),
    ]
    q = cal.quality
    print(
        f"{q.read} rows read, {q.kept} kept"
        + "".join(f"; {n} dropped: {r}" for r, n in q.dropped.items())
    )
    for w in q.warnings:
        print(f"warning: {w}")
    table = pd.DataFrame(
        [(s.key, s.value, s.note) for s in cal.settings], columns=["setting", "value", "from"]
    )
    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(table.to_string(index=False))
    print(f"kept from scenario {cfg.base} (the log cannot identify them): {', '.join(cal.kept)}")
    print(f"{len(written)} files written to {outdir.resolve()}")
    print(f"run on it: escalationsim --config-dir {conf.resolve()} scenario={cfg.name}")
    log.info("calibrated %s: %d settings fitted", cfg.log, len(cal.settings))
    return 0


__all__ = ["calibrate_job", "check"]
