"""Interval counts (escalationsim.calibration.counts): a company with only aggregates
calibrates what counts show; the weak patience estimate recovers a queue's exponential
patience; bad rows are counted; the backtest forecasts what counts can show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalationsim.calibration.counts import fit_counts, read_counts
from escalationsim.calibration.log import DataError
from tests.test_calibration_patience import queue_log

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "contact_log"


def aggregate(log: pd.DataFrame, minutes: int = 30) -> pd.DataFrame:
    """Interval counts of a log in the schema: per interval and channel, contacts offered,
    answered and abandoned, the answered ones' mean handle time and the mean wait of the
    answered and abandoned (as a contact centre's reporting tool gives them)."""
    t = log["arrived_at"].dt.floor(f"{minutes}min")
    answered = log["answered_at"].notna()
    gone = log["abandoned_at"].notna() if "abandoned_at" in log else False
    end = log["answered_at"].where(answered, log.get("abandoned_at"))
    frame = pd.DataFrame(
        {
            "interval_start": t,
            "channel": log["channel"],
            "offered": 1,
            "answered": answered.astype(int),
            "abandoned": pd.Series(gone, index=log.index).astype(int),
            "handle": ((log["ended_at"] - log["answered_at"]).dt.total_seconds()).where(answered),
            "wait": (end - log["arrived_at"]).dt.total_seconds(),
        }
    )
    g = frame.groupby(["interval_start", "channel"], sort=True)
    out = g[["offered", "answered", "abandoned"]].sum()
    out["mean_handle_s"] = g["handle"].mean()
    out["mean_wait_s"] = g["wait"].mean()
    out = out.reset_index()
    out["interval_start"] = out["interval_start"].map(lambda x: x.isoformat())
    return out


def test_the_weak_patience_estimate_recovers_an_exponential_patience(tmp_path):
    """20,000 callers of the tests' own M/M/10+M queue (exponential patience, mean 2
    min), reported only as half-hourly counts: mean wait over the abandonment share is
    within 10% of the truth, flagged weak; the handle time's mean is the queue's 3
    minutes within 5%; the abandonment share is the callers'."""
    rng = np.random.default_rng(3)
    n = 20_000
    log = queue_log(n, rng.exponential(2.0, n), seed=4)
    path = tmp_path / "counts.csv"
    aggregate(log).to_csv(path, index=False)
    df, q = read_counts(path)
    assert q.kept == q.read
    fits = fit_counts(df).set_index("quantity")
    assert abs(fits.at["patience_mean_min", "estimate"] - 2.0) < 0.2
    assert fits.at["patience_mean_min", "method"].startswith("weak")
    assert abs(fits.at["handle_time_mean_min", "estimate"] - 3.0) < 0.15
    gone = log["abandoned_at"].notna().mean()
    assert fits.at["abandon_rate", "estimate"] == pytest.approx(gone)


def test_bad_count_rows_are_counted_and_a_file_without_offered_is_refused(tmp_path):
    rows = pd.DataFrame(
        {
            "interval_start": ["2026-01-05T09:00", "2026-01-05T09:00", "nope",
                               "2026-01-05T09:30", "2026-01-05T10:00", "2026-01-05T10:30"],
            "channel": ["phone", "phone", "phone", "fax", "phone", "phone"],
            "offered": [10, 12, 5, 3, -1, 4],
            "answered": [8, 9, 4, 3, 0, 5],
            "abandoned": [2, 1, 1, 0, 0, 1],
        }
    )  # fmt: skip
    path = tmp_path / "c.csv"
    rows.to_csv(path, index=False)
    df, q = read_counts(path)
    assert q.read == 6 and q.kept == 1 and sum(q.dropped.values()) == 5
    assert q.dropped["answered and abandoned above offered"] == 1
    rows.drop(columns="offered").to_csv(path, index=False)
    with pytest.raises(DataError, match="no column 'offered'"):
        read_counts(path)


@pytest.mark.integration
def test_the_calibration_from_counts_writes_a_scenario_and_backtests_the_volume(tmp_path):
    """The demo's log reported as half-hourly counts: experiment=calibrate with
    calibrate.counts writes a scenario with the contacts' profiles and the channels' mean
    handle times, keeps the volume (counts cannot tell complaints from further contacts)
    and backtests the forecast of volume per channel and abandonment (no replay)."""
    import escalationsim as es
    from escalationsim.app.calibrate import calibrate_job
    from escalationsim.calibration.log import read_log

    log, _ = read_log(
        EXAMPLE / "acme_contacts.csv.gz", EXAMPLE / "acme_mapping.yaml", "Europe/London"
    )
    path = tmp_path / "counts.csv"
    aggregate(log).to_csv(path, index=False)
    sim, app = es.compose_job(
        [
            "experiment=calibrate",
            f"calibrate.counts={path}",
            "calibrate.name=agg",
            "calibrate.backtest_days=7",
            "calibrate.replications=3",
            "scenario.staff.scale_with_volume=true",
        ]
    )
    out = tmp_path / "out"
    assert calibrate_job(sim, app.calibrate, out, ["scenario.staff.scale_with_volume=true"]) == 0
    written = (out / "conf" / "scenario" / "agg.yaml").read_text()
    assert "hourly_profile" in written and "contacts offered" in written
    assert "volume_per_day: interval counts do not tell complaints" in written
    assert "patience_mean_s" in written and "weak" in written
    table = pd.read_csv(out / "backtest.csv", keep_default_na=False)
    assert set(table["mode"]) == {"forecast"}
    assert {"volume", "abandon_rate"} <= set(table["kpi"])
    assert "interval counts of" in (out / "calibration.html").read_text()
