"""``calibration.html`` (escalationsim.app.calibration_report): one self-contained page
with the data's quality, every fit beside its plot, the scenario written, what the log
cannot identify and, when run, the backtest."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import escalationsim as es
from escalationsim.app.calibration_report import write_calibration_report
from escalationsim.calibration.calibrate import fit
from escalationsim.calibration.export import to_contact_log
from escalationsim.calibration.log import read_log


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    sim = es.compose(
        [
            "run.policies=[rigid_script]",
            "run.horizon_days=17",
            "run.warmup_days=3",
            "run.replications=1",
            "run.workers=1",
            "scenario.volume_per_day=400",
        ]
    )
    path = tmp_path_factory.mktemp("log") / "contacts.parquet"
    to_contact_log(es.simulate(sim, contacts=True).contacts).to_parquet(path, index=False)
    log, quality = read_log(path)
    return fit(log, quality, path), log


def test_the_page_is_self_contained_and_shows_every_fit_and_setting(calibrated, tmp_path):
    """No resource from the network; one plot each for arrivals, handle times (QQ),
    patience (survival), journeys and the back office's lead time (survival); every
    fitted setting and every kept one named; the rows read and kept as reading counted
    them; without a backtest, how to run one."""
    cal, log = calibrated
    page = write_calibration_report(tmp_path, cal, log, "escalationsim ...", "default")
    html = page.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script src" not in html
    assert html.count("<svg") == 5
    for section in (
        "quality", "arrivals", "handle-times", "patience", "journeys", "backoffice", "kept"
    ):  # fmt: skip
        assert f'id="{section}"' in html
    for s in cal.settings:
        assert f"<code>{s.key}</code>" in html
    for key in cal.kept:
        assert f"<code>{key}</code>" in html
    assert f'<td class="num">{cal.quality.read}</td>' in html
    assert f"{len(cal.settings)} scenario settings were fitted" in html
    assert "calibrate.backtest_days=14" in html
    # the handle times' QQ plots include the follow-ups (channel chase) the scenario uses
    assert re.search(r"chase: \w+ \(KS", html)


def test_a_run_on_a_calibrated_scenario_quotes_its_backtest(tmp_path):
    """report.html's answer (html_report.calibration_sentences) for a scenario whose
    ``calibration`` folder holds a backtest: the checks passed and those failing; a
    folder without a backtest: that nothing shows it reproduces held-out days; a folder
    not found: said; a scenario not calibrated: nothing."""
    from escalationsim.app.html_report import calibration_sentences

    folder = tmp_path / "cal"
    folder.mkdir()
    assert calibration_sentences({"scenario": {"calibration": ""}}) == []
    (said,) = calibration_sentences({"scenario": {"calibration": str(folder)}})
    assert "not backtested" in said
    pd.DataFrame(
        {
            "kpi": ["volume", "volume", "backlog", "complaints"],
            "mode": ["replay", "forecast", "forecast", "forecast"],
            "verdict": ["PASS", "FAIL", "PASS", ""],
            "channel": ["social", "social", "", ""],
        }
    ).to_csv(folder / "backtest.csv", index=False)
    (said,) = calibration_sentences({"scenario": {"calibration": str(folder)}})
    assert "2 of 3 checks pass; failing: volume social (forecast)" in said
    assert str(folder / "calibration.html") in said
    (said,) = calibration_sentences({"scenario": {"calibration": str(tmp_path / "gone")}})
    assert "not found here" in said
