"""Round trip: a run writes its own contact log (``output.contact_log``), the calibration
fits it, and every parameter the log identifies comes back within its interval; the
calibrated scenario runs. The scenario's truth is known: customers who remember and
publicity are off (they move complaints between channels and days), and patience has no
spread between customers (so the callers' patience is the configured exponential)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import escalationsim as es
from escalationsim.calibration.calibrate import calibrate, scenario_yaml
from escalationsim.calibration.export import start_time, to_contact_log
from escalationsim.calibration.log import DataError
from escalationsim.config.fields import ConfigError
from tests.cli import run_cli

KNOWN = [
    "scenario.customers.enabled=false",
    "scenario.publicity.enabled=false",
    "scenario.population.patience_sigma=0",
]


def _sim(*more: str, seed: int = 12345):
    return es.compose(
        [
            "run.policies=[rigid_script]",
            "run.horizon_days=31",
            "run.warmup_days=3",
            "run.replications=1",
            "run.workers=1",
            f"run.seed={seed}",
            *KNOWN,
            *more,
        ]
    )


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory):
    sim = _sim()
    results = es.simulate(sim, contacts=True)
    path = tmp_path_factory.mktemp("log") / "contacts.parquet"
    to_contact_log(results.contacts).to_parquet(path, index=False)
    return sim, results, calibrate(path, select={"policy": "rigid_script"})


def _fit(cal, quantity: str, channel: str | None = None, method: str = "") -> pd.Series:
    f = cal.fits
    rows = f[(f["quantity"] == quantity) & f["method"].str.contains(method)]
    if channel is not None:
        rows = rows[rows["channel"] == channel]
    assert len(rows) == 1, (quantity, channel, method)
    return rows.iloc[0]


def _covers(row: pd.Series, truth: float, widen: float = 1.5) -> bool:
    """Whether ``truth`` lies in the row's 95% interval widened ``widen`` times about the
    estimate (1.5: about a 99.7% interval, so that a dozen checks on one seed fail by
    chance rarely; the 95% intervals' coverage is tested over many seeds, slow)."""
    est = row["estimate"]
    lo = est - widen * (est - row["ci_low"])
    hi = est + widen * (row["ci_high"] - est)
    return bool(lo <= truth <= hi)


def test_the_contact_log_agrees_with_the_complaint_table_and_the_kpis(roundtrip):
    """Every contact of a measured complaint that arrived in the window is a row (its
    chases of back-office work too), its abandoned calls are the log's, and a contact's
    times are in order."""
    sim, results, _ = roundtrip
    log = results.contacts
    assert log["arrived_h"].between(3 * 24, 31 * 24, inclusive="left").all()
    answered = log.dropna(subset=["answered_h"])
    assert (answered["answered_h"] >= answered["arrived_h"]).all()
    ended = answered.dropna(subset=["ended_h"])
    assert (ended["ended_h"] >= ended["answered_h"]).all()
    rows = log.groupby("ticket_id").size()
    complaints = results.complaints.set_index("complaint_id")["contacts"]
    common = rows.index.intersection(complaints.index)
    assert len(common) > 0.9 * len(complaints)
    # a measured complaint's contacts (chases of back-office work included) all arrived
    # after the warm-up: as many rows as contacts, but for the contacts made after the
    # horizon, which a complaint made ten days before it rarely makes
    assert (rows[common] <= complaints[common]).all()
    arrived = results.complaints.set_index("complaint_id")["arrival_time"]
    early = common[arrived[common] < 21 * 24]
    assert len(early) > 15_000
    assert (rows[early] == complaints[early]).mean() > 0.998
    # and their abandoned calls are the log's abandoned phone contacts
    whole = early[(rows[early] == complaints[early]).to_numpy()]
    gone = log[(log["outcome"] == "abandoned") & log["ticket_id"].isin(whole)]
    assert (gone["channel"] == "phone").all()
    table = results.complaints.set_index("complaint_id")
    assert len(gone) == table.loc[whole, "abandoned_calls"].sum() > 500


def test_calibration_recovers_what_the_log_identifies(roundtrip):
    """Volume, the hourly and weekly profiles, the first channels, handle times of phone
    and email, the callers' patience (censored), the switch probability and the back
    office's shares and lead time: each interval covers the scenario's value; the naive
    patience does not."""
    sim, _, cal = roundtrip
    sc = sim.scenario
    assert _covers(_fit(cal, "volume_per_day"), sc.volume_per_day)
    for quantity, weights, by in (
        ("hourly_weight", sc.arrivals.hourly_profile, "hour"),
        ("weekly_weight", sc.arrivals.weekly_profile, "day"),
    ):
        w = np.asarray(weights, float)
        truth = w / w.mean()
        rows = cal.fits[cal.fits["quantity"] == quantity].sort_values(by)
        covered = [_covers(r, t, 1.0) for (_, r), t in zip(rows.iterrows(), truth, strict=True)]
        assert np.mean(covered) >= 0.85, (quantity, covered)
    pop = sc.population
    for ch in ("phone", "email", "social"):
        assert _covers(_fit(cal, "first_channel_share", ch), getattr(pop, f"first_channel_{ch}"))
    for ch in ("phone", "email"):
        ht = getattr(sc.handle_times, ch)
        assert _covers(_fit(cal, "handle_time_mean_min", ch), ht.mean_min)
        assert _covers(_fit(cal, "handle_time_cv", ch), ht.cv)
    phone = sc.channels.phone  # the callers' patience, of the scenario's own family
    mean_min = phone.patience_mean_s / 60.0
    median_min = (
        mean_min / math.sqrt(1.0 + phone.patience_cv**2)
        if phone.patience_dist == "lognormal"
        else mean_min * math.log(2)
    )
    own = cal.fits[
        (cal.fits["quantity"] == "patience_candidate")
        & (cal.fits["dist"] == str(phone.patience_dist.value))
    ]
    assert list(own["channel"]) == ["phone"]
    assert _covers(own.iloc[0], mean_min)
    km = _fit(cal, "patience_median_min", "phone", "Kaplan")
    assert _covers(km, median_min)
    assert _fit(cal, "patience_median_min_naive", "phone")["estimate"] < 0.5 * km["ci_low"]
    chase = sc.handle_times.chase  # follow-ups after the resolved contact, fitted apart
    assert _covers(_fit(cal, "handle_time_mean_min", "chase"), chase.mean_min)
    assert _covers(_fit(cal, "switch_prob"), sc.behaviour.switch_prob)
    bo = sc.backoffice  # promises: lost ones on untracked channels read as never done
    assert _covers(_fit(cal, "backoffice_share", "routine"), bo.share_routine)
    assert _covers(_fit(cal, "backoffice_share", "exception"), bo.share_exception)
    assert _covers(_fit(cal, "backoffice_lead_time_mean_h"), bo.lead_time_mean_h)
    assert _covers(_fit(cal, "backoffice_lead_time_cv"), bo.lead_time_cv)
    assert cal.setting("backoffice.lead_time_mean_h").value == pytest.approx(
        _fit(cal, "backoffice_lead_time_mean_h")["estimate"], abs=0.01
    )
    # what was fitted is what the scenario file says
    assert cal.setting("behaviour.switch_prob").value == pytest.approx(
        _fit(cal, "switch_prob")["estimate"], abs=1e-4
    )


def test_busy_days_are_detected_when_present_and_not_when_absent(roundtrip, tmp_path):
    """Poisson days (the round trip): the complaints' busyness interval reaches 0 and the
    phone's dispersion test does not reject Poisson. Busy days (a gamma day factor of cv
    0.3): the test rejects Poisson decisively, the interval excludes 0 and covers 0.3, and
    the scenario file sets ``arrivals.busyness_cv``."""
    *_, cal = roundtrip
    busy = cal.fits[(cal.fits["quantity"] == "busyness_cv") & cal.fits["channel"].isna()]
    assert busy.iloc[0]["ci_low"] == 0.0
    assert _fit(cal, "arrival_dispersion", "phone")["p_value"] > 0.01
    sim = _sim("scenario.arrivals.busyness_cv=0.3")
    path = tmp_path / "busy.parquet"
    to_contact_log(es.simulate(sim, contacts=True).contacts).to_parquet(path, index=False)
    busy_cal = calibrate(path)
    row = busy_cal.fits[
        (busy_cal.fits["quantity"] == "busyness_cv") & busy_cal.fits["channel"].isna()
    ].iloc[0]
    assert row["ci_low"] > 0.1 and row["ci_low"] <= 0.3 <= row["ci_high"]
    assert row["p_value"] < 1e-9
    assert _fit(busy_cal, "arrival_dispersion", "phone")["p_value"] < 1e-9
    assert busy_cal.setting("arrivals.busyness_cv").value == round(row["estimate"], 4)
    assert "busyness_cv: " in scenario_yaml(busy_cal, "busy")


def test_switching_off_is_recovered_as_no_switching(tmp_path):
    """A second scenario: sticky customers (switch_prob 0) give a switch share of 0, so the
    switch estimate follows the mechanism and is not a constant."""
    results = es.simulate(
        _sim("scenario.behaviour.switch_prob=0", "run.horizon_days=10"), contacts=True
    )
    path = tmp_path / "c.parquet"
    to_contact_log(results.contacts).to_parquet(path, index=False)
    cal = calibrate(path)
    row = _fit(cal, "switch_prob")
    assert row["estimate"] == 0.0 and row["n"] > 100


def test_a_log_of_several_runs_must_be_narrowed_to_one(roundtrip, tmp_path):
    results = es.simulate(_sim("run.replications=2", "run.horizon_days=5"), contacts=True)
    path = tmp_path / "two.parquet"
    to_contact_log(results.contacts).to_parquet(path, index=False)
    with pytest.raises(DataError, match="holds 2 runs"):
        calibrate(path)
    with pytest.raises(DataError, match="no row has replication = 7"):
        calibrate(path, select={"replication": 7})
    cal = calibrate(path, select={"replication": 1})
    q = cal.quality
    assert q.kept + sum(q.dropped.values()) == q.read
    assert list(q.dropped) == ["not selected (replication is not 1)"]


def test_day_zero_must_be_a_monday_at_midnight():
    assert start_time("2026-01-05").weekday() == 0
    for bad in ("2026-01-06", "2026-01-05T09:00", "not a date"):
        with pytest.raises(ConfigError, match="output.contact_log_start"):
            start_time(bad)
    with pytest.raises(ConfigError, match="output.contact_log_start"):
        es.compose(["output.contact_log=true", "output.contact_log_start=2026-01-07"])


def test_the_scenario_file_names_its_source_and_what_it_kept(roundtrip):
    _, _, cal = roundtrip
    text = scenario_yaml(cal, "acme")
    assert cal.source["sha256"] in text
    assert "  - default\n  - _self_\nname: acme\n" in text
    for key in cal.kept:
        assert key in text
    for s in cal.settings:  # every fitted line says how
        leaf = s.key.rsplit(".", 1)[-1]
        line = next(x for x in text.splitlines() if x.strip().startswith(f"{leaf}:"))
        assert "# " in line


@pytest.mark.integration
def test_simulate_export_calibrate_and_run_the_calibrated_company(tmp_path):
    """Through the command: a run writes contacts.parquet, experiment=calibrate fits it
    and writes a scenario, and a comparison runs on that scenario from the folder."""
    sim_dir, cal_dir, run_dir = tmp_path / "sim", tmp_path / "cal", tmp_path / "run"
    short = ["run.replications=1", "run.horizon_days=12", "run.warmup_days=2", "output.plots=false"]
    proc = run_cli(
        [
            *short,
            "run.policies=[rigid_script]",
            "output.contact_log=true",
            *KNOWN,
            f"hydra.run.dir={sim_dir}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(
        [
            "experiment=calibrate",
            f"calibrate.log={sim_dir / 'contacts.parquet'}",
            "calibrate.name=acme",
            "scenario.staff.scale_with_volume=true",
            f"hydra.run.dir={cal_dir}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    # the job's own scenario setting is kept in the scenario it writes, said so
    written = (cal_dir / "conf" / "scenario" / "acme.yaml").read_text()
    assert "scale_with_volume: true  # given to the calibration job" in written
    for name in (
        "fits.csv",
        "quality.csv",
        "conf/scenario/acme.yaml",
        "conf/uncertainty/acme.yaml",
        "calibration.html",
    ):
        assert (cal_dir / name).is_file(), name
    assert f"--config-dir {cal_dir.resolve() / 'conf'} scenario=acme" in proc.stdout
    proc = run_cli(
        [
            "--config-dir",
            str(cal_dir / "conf"),
            "scenario=acme",
            *short,
            f"hydra.run.dir={run_dir}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    kpis = pd.read_csv(run_dir / "kpis.csv")
    assert len(kpis) == 3 and kpis["cost_per_complaint"].notna().all()
    # the run's report says where its scenario came from, and that it was not backtested
    assert "fitted to a contact log" in (run_dir / "report.html").read_text()


@pytest.mark.integration
def test_the_calibration_job_refuses_a_missing_log_and_an_unusable_one(tmp_path):
    proc = run_cli(["experiment=calibrate", f"hydra.run.dir={tmp_path / 'a'}"], cwd=tmp_path)
    assert proc.returncode == 2 and "calibrate.log is empty" in proc.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("contact_id,ticket_id\n1,1\n")
    proc = run_cli(
        ["experiment=calibrate", f"calibrate.log={bad}", f"hydra.run.dir={tmp_path / 'b'}"],
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "no column 'channel'" in proc.stderr
    assert not (tmp_path / "b" / "fits.csv").exists()
    proc = run_cli(
        [
            "experiment=calibrate",
            f"calibrate.log={bad}",
            "calibrate.tz=Not/AZone",
            f"hydra.run.dir={tmp_path / 'd'}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "calibrate.tz = 'Not/AZone' is not a time zone" in proc.stderr
    proc = run_cli(["output.contact_log_start=2026-01-06", f"hydra.run.dir={tmp_path / 'c'}"])
    assert proc.returncode == 2 and "output.contact_log_start" in proc.stderr


@pytest.mark.slow
def test_the_intervals_cover_the_truth_at_their_level_over_many_seeds():
    """100 seeds of a 10-day month: the 95% intervals of the phone and email handle times,
    the callers' mean patience (censored, exponential) and the switch probability each
    cover the scenario's value in 88 seeds or more (about 95 expected; 80% intervals
    would cover in 88 or more with probability about 0.02)."""
    from escalationsim.calibration.calibrate import before_resolution, handled
    from escalationsim.calibration.handling import fit_handle_times
    from escalationsim.calibration.journeys import fit_journeys
    from escalationsim.calibration.patience import fit_patience

    hits: dict[str, int] = {}
    sim = _sim("run.horizon_days=12", "run.warmup_days=2")
    sc = sim.scenario
    truth = {
        ("handle_time_mean_min", "phone"): sc.handle_times.phone.mean_min,
        ("handle_time_mean_min", "email"): sc.handle_times.email.mean_min,
        ("patience_candidate", "phone"): sc.channels.phone.patience_mean_s / 60.0,
        ("switch_prob", None): sc.behaviour.switch_prob,
    }
    for seed in range(100):
        results = es.simulate(es.with_values(sim, {"run.seed": seed}), contacts=True)
        log = to_contact_log(results.contacts)
        fits = pd.concat(
            [
                fit_handle_times(handled(log)),
                fit_patience(before_resolution(log)),
                fit_journeys(log),
            ]
        )
        fits = fits[(fits["quantity"] != "patience_candidate") | (fits["dist"] == "exponential")]
        for (quantity, channel), value in truth.items():
            row = fits[fits["quantity"] == quantity]
            if channel is not None:
                row = row[row["channel"] == channel]
            key = f"{quantity} {channel}"
            hits[key] = hits.get(key, 0) + _covers(row.iloc[0], value, 1.0)
    assert all(n >= 88 for n in hits.values()), hits
