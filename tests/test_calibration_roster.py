"""Rosters (escalationsim.calibration.roster): who was on duty when, read through a
mapping, averaged into each pool's 168 hourly head counts, bad rows counted; the
calibration sets the pools' schedules from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from escalationsim.calibration.log import DataError
from escalationsim.calibration.roster import fit_roster, read_roster

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "contact_log"


def _roster(tmp_path, rows: list[tuple[str, str, object]]) -> Path:
    path = tmp_path / "roster.csv"
    pd.DataFrame(rows, columns=["interval_start", "pool", "agents"]).to_csv(path, index=False)
    return path


def test_half_hours_are_averaged_into_hours_and_weeks_into_one(tmp_path):
    """Two Mondays: 4 then 6 agents 09:00-09:30 and 2 then 4 agents 09:30-10:00: the
    Monday 9 o'clock head count is the mean agents on duty in the hour over the Mondays,
    (4 + 2) / 2 and (6 + 4) / 2 averaged: 4; an hour with no interval is 0."""
    rows = []
    for day, (a, b) in (("2026-01-05", (4, 2)), ("2026-01-12", (6, 4))):
        rows += [(f"{day}T09:00", "reps", a), (f"{day}T09:30", "reps", b)]
    roster, q = read_roster(_roster(tmp_path, rows))
    assert q.kept == q.read == 4
    tables, fits = fit_roster(roster)
    assert tables["reps"][9] == 4 and tables["reps"][10] == 0 and len(tables["reps"]) == 168
    monday_9 = fits[(fits["channel"] == "reps") & (fits["day"] == 0) & (fits["hour"] == 9)]
    assert monday_9.iloc[0]["estimate"] == pytest.approx(4.0) and monday_9.iloc[0]["n"] == 2


def test_bad_rows_are_counted_and_a_roster_without_a_column_is_refused(tmp_path):
    rows = [
        ("2026-01-05T09:00", "reps", 3),
        ("2026-01-05T09:00", "reps", 5),  # the same interval and pool again
        ("not a time", "reps", 3),
        ("2026-01-05T09:00", "night shift", 2),
        ("2026-01-05T10:00", "reps", -1),
        ("2026-01-05T11:00", "reps", "many"),
    ]
    _, q = read_roster(_roster(tmp_path, rows))
    assert q.read == 6 and q.kept == 1
    assert sum(q.dropped.values()) == 5
    assert any("night shift" in r for r in q.dropped)
    path = tmp_path / "r.csv"
    pd.DataFrame({"interval_start": ["2026-01-05T09:00"], "pool": ["reps"]}).to_csv(path)
    with pytest.raises(DataError, match="no column 'agents'"):
        read_roster(path)


@pytest.mark.integration
def test_the_calibration_staffs_the_pools_from_the_roster():
    """The example roster, read through its mapping (the workforce tool's team names):
    the reps' schedule is the company's own staffing hour by hour, set with the shifts
    emptied and scaling with volume off."""
    import escalationsim as es
    from escalationsim.app.calibrate import staffed, usable
    from escalationsim.app.schema import CalibrateConfig
    from escalationsim.calibration.calibrate import fit
    from escalationsim.calibration.log import read_log
    from escalationsim.experiment.staffing import staffing

    spec = importlib.util.spec_from_file_location("make_example", EXAMPLE / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    truth = staffing(module.company().scenario)
    log, quality = read_log(
        EXAMPLE / "acme_contacts.csv.gz", EXAMPLE / "acme_mapping.yaml", "Europe/London"
    )
    cal = fit(log, quality, EXAMPLE / "acme_contacts.csv.gz")
    cfg = CalibrateConfig(
        roster=str(EXAMPLE / "acme_roster.csv"),
        mapping=str(EXAMPLE / "acme_mapping.yaml"),
        tz="Europe/London",
    )
    staffed(cal, cfg)
    sim = es.compose(["run.policies=[rigid_script]"])
    usable(sim, cal)
    reps = cal.setting("staff.reps.schedule.hourly").value
    assert reps == [truth["reps"].count_at(h + 0.5) for h in range(168)]
    assert cal.setting("staff.exec_office.schedule.shifts").value == []
    assert cal.setting("staff.scale_with_volume").value is False
    assert "staff.social.schedule.hourly" not in {s.key for s in cal.settings}
    assert cal.roster.kept == cal.roster.read
