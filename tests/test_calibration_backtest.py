"""The backtest (escalationsim.calibration.backtest and the calibration job's
``calibrate.backtest_days``): one measurement for observed and simulated logs, a verdict
that tells a biased model from a right one, and a replay that reproduces the observed
complaints exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import escalationsim as es
from escalationsim.calibration.backtest import COLUMNS, compare, period_kpis, summarise
from escalationsim.calibration.export import to_contact_log
from tests.cli import run_cli

T0 = pd.Timestamp("2026-01-05", tz="UTC")


def _at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def test_period_measurements_of_a_small_log_by_hand():
    """Three phone calls in hour 0 (one answered at once, one after 30 s, one abandoned),
    an email in hour 1 of a complaint resolved after the log's end (so not resolved in
    it), and a contact of a complaint opened before the window (left out)."""
    nat = pd.NaT
    log = pd.DataFrame(
        {
            "ticket_id": [1, 2, 3, 4, 0],
            "channel": ["phone", "phone", "phone", "email", "phone"],
            "arrived_at": [_at(1), _at(2), _at(3), _at(70), _at(10)],
            "answered_at": [_at(1), _at(2.5), nat, _at(80), _at(11)],
            "abandoned_at": [nat, nat, _at(4), nat, nat],
            "ended_at": [_at(5), _at(9), nat, _at(85), _at(12)],
            "resolved_at": [_at(5), nat, nat, T0 + pd.Timedelta(days=3), nat],
            "outcome": ["resolved", "pending", "abandoned", "resolved", "pending"],
        }
    )
    first = log["ticket_id"] == 0
    log.loc[first, "arrived_at"] = T0 - pd.Timedelta(hours=1)  # opened before the window
    k = period_kpis(log, T0, T0 + pd.Timedelta(days=2))

    def value(kpi: str, period: str, hour: int = 0, channel: str = "") -> float:
        rows = k[(k["kpi"] == kpi) & (k["period"] == period) & (k["channel"] == channel)]
        return float(rows["value"].iloc[hour])

    assert value("volume", "hour", 0, "phone") == 3
    assert value("volume", "hour", 1, "email") == 1
    assert value("volume", "day", 0, "phone") == 3  # ticket 0 is not in the window
    assert value("complaints", "day") == 4
    assert value("abandon_rate", "hour") == pytest.approx(1 / 3)
    assert value("service_level_20s", "hour") == pytest.approx(1 / 3)  # 0 s only
    assert value("answer_time_mean_s", "hour") == pytest.approx(15.0)
    assert value("resolution_rate", "day") == pytest.approx(1 / 4)  # ticket 4: after the end
    assert value("backlog", "day") == 3


def _kpis(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": "volume",
            "channel": "phone",
            "period": "day",
            "at": pd.date_range(T0, periods=len(values), freq="D"),
            "value": values,
        }
    )


@pytest.mark.parametrize(("scale", "verdict"), [(1.0, "PASS"), (1.3, "FAIL")])
def test_a_right_model_passes_and_a_biased_one_fails(scale, verdict):
    """Observed days and 20 replications drawn from Poisson(1000) (scaled 1.3: a model
    30% too busy): the right one's intervals cover about 95% of the days with no bias;
    the biased one's bias is 0.3 and it fails."""
    rng = np.random.default_rng(4)
    observed = _kpis(rng.poisson(1000, 60).astype(float))
    sims = [_kpis(rng.poisson(1000 * scale, 60).astype(float)) for _ in range(20)]
    row = compare(observed, sims, "forecast", {"day": {"volume": 0.1}}).iloc[0]
    assert list(compare(observed, sims, "forecast", {}).columns[: len(COLUMNS)]) == list(COLUMNS)
    assert row["verdict"] == verdict
    assert row["bias"] == pytest.approx(scale - 1.0, abs=0.02)
    if verdict == "PASS":
        assert row["coverage"] >= 0.85
    else:
        assert row["coverage"] < 0.1


@pytest.mark.integration
def test_the_backtest_replays_the_observed_complaints_exactly(tmp_path):
    """A simulated log of 24 days; the calibration fits its first 17 and backtests the
    last 7: backtest.csv has the contract's columns, both modes, day and hour, and the
    replay's complaints per hour are the log's exactly."""
    sim = es.compose(
        [
            "run.policies=[rigid_script]",
            "run.horizon_days=24",
            "run.warmup_days=3",
            "run.replications=1",
            "run.workers=1",
            "scenario.volume_per_day=400",
        ]
    )
    log = tmp_path / "contacts.parquet"
    to_contact_log(es.simulate(sim, contacts=True).contacts).to_parquet(log, index=False)
    out = tmp_path / "cal"
    proc = run_cli(
        [
            "experiment=calibrate",
            f"calibrate.log={log}",
            "calibrate.backtest_days=7",
            "calibrate.replications=3",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "backtest.csv", keep_default_na=False)
    assert list(table.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert set(table["mode"]) == {"replay", "forecast"}
    assert set(table["period"]) == {"day", "hour"}
    judged = table["verdict"] != ""
    assert set(table.loc[judged, "verdict"]) <= {"PASS", "FAIL"} and judged.mean() > 0.8
    # no verdict only where nothing was observed to compare (a total of 0)
    assert (table.loc[~judged, "bias"] == "").all() or table.loc[~judged].empty
    replayed = table[(table["mode"] == "replay") & (table["kpi"] == "complaints")]
    assert len(replayed) == 2
    assert (replayed["wape"].astype(float) == 0).all()
    assert (replayed["observed"] == replayed["simulated_mean"]).all()
    assert "checks FAIL" in proc.stdout
    # the periods behind the table: summed up again they give backtest.csv's rows
    periods = pd.read_csv(out / "backtest_periods.csv", keep_default_na=False, na_values=[""])
    periods["channel"] = periods["channel"].fillna("")
    for mode in ("replay", "forecast"):
        again = summarise(
            periods[periods["mode"] == mode].drop(columns="mode"),
            mode,
            {"day": {}, "hour": {}},
            0.8,
            3,
        )
        mine = table[table["mode"] == mode]
        assert len(again) == len(mine)
        assert np.allclose(again["simulated_mean"], mine["simulated_mean"].astype(float))
        assert np.allclose(again["coverage"], mine["coverage"].astype(float))
    # calibration.html quotes the verdicts and shows both modes' bands
    html = (out / "calibration.html").read_text()
    passed, judged_n = int((table["verdict"] == "PASS").sum()), int(judged.sum())
    assert f"Backtest: {passed} of {judged_n} checks pass" in html
    assert html.count("<svg") == 7 and "Backtest, replay" in html and "Backtest, forecast" in html
