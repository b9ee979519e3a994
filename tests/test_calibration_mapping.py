"""Mapping files (escalationsim.calibration.mapping): an export read as it is, through
the shipped example for the public "Anonymous Bank" call log, on calls of the tests' own
M/M/c+G queue written in that log's format; and bad mappings refused naming the key."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalationsim.calibration.log import DataError, read_log
from escalationsim.calibration.patience import fit_patience
from tests.test_calibration_patience import queue_log

ANONYMOUS_BANK = (
    Path(__file__).resolve().parents[1] / "examples" / "mappings" / "anonymous_bank.yaml"
)


def anonymous_bank(log: pd.DataFrame, tz: str) -> pd.DataFrame:
    """A log of the tests' queue in the Anonymous Bank's format: local date (YYMMDD) and
    time of day (H:MM:SS, whole seconds) of leaving the voice menu, seconds waited and
    served, AGENT or HANG."""
    local = log["arrived_at"].dt.tz_convert(tz).dt.floor("s")
    served = log["answered_at"].notna()
    wait_end = log["answered_at"].where(served, log["abandoned_at"])
    q_time = ((wait_end - log["arrived_at"]).dt.total_seconds()).round().astype(int)
    ser = (log["ended_at"] - log["answered_at"]).dt.total_seconds().round()
    return pd.DataFrame(
        {
            "vru.line": "AA0101",
            "call_id": 33116 + np.arange(len(log)),
            "customer_id": 0,
            "priority": 2,
            "type": "PS",
            "date": local.dt.strftime("%y%m%d"),
            "vru_exit": [f"{t.hour}:{t.minute:02d}:{t.second:02d}" for t in local],
            "q_time": q_time,
            "outcome": np.where(served, "AGENT", "HANG"),
            "ser_time": ser.fillna(0).astype(int),
            "server": np.where(served, "MICHAL", "NO_SERVER"),
        }
    )


def test_the_anonymous_bank_mapping_reads_its_format_and_counts_what_it_drops(tmp_path):
    """20,000 calls of exponential patience (mean 2 min) in the bank's format with 50
    PHANTOM calls and a wait that is not a number, tab-separated, in Israel's local time:
    the PHANTOM calls and the bad wait are dropped and counted, every other call kept;
    times are converted from local time (UTC+2 in January); the censored patience fit
    covers the truth and the handle times' mean is the queue's 3 minutes. The waits are
    whole seconds, so the fit reads them as intervals: taken as exact, the hang-ups
    rounded to 0 s bent the Weibull fit to a mean of 2.48 min (interval 2.30-2.68)."""
    rng = np.random.default_rng(3)
    n = 20_000
    queue = queue_log(n, rng.exponential(2.0, n), seed=4)
    bank = anonymous_bank(queue, "Asia/Jerusalem")
    phantom = bank.sample(50, random_state=1).assign(outcome="PHANTOM", q_time=0, ser_time=0)
    bad = bank.iloc[[10]].assign(call_id=1, q_time="n/a")
    rows = pd.concat([bank, phantom.assign(call_id=phantom["call_id"] + 10**6), bad])
    path = tmp_path / "january.txt"
    rows.to_csv(path, sep="\t", index=False)
    log, q = read_log(path, ANONYMOUS_BANK, tz="Asia/Jerusalem")
    assert q.read == n + 51 and q.kept == n
    assert sum(v for r, v in q.dropped.items() if r.startswith("outcome is not")) == 50
    assert q.dropped["q_time or ser_time is not a number of seconds"] == 1
    first = log.iloc[0]
    assert first["arrived_at"] == queue["arrived_at"].iloc[0].floor("s")  # UTC, not local
    assert first["channel"] == "phone" and first["ticket_id"] == first["contact_id"]
    fits = fit_patience(log)
    mean = fits[(fits["quantity"] == "patience_mean_min") & (fits["channel"] == "phone")]
    assert mean.iloc[0]["ci_low"] <= 2.0 <= mean.iloc[0]["ci_high"]
    served = log.dropna(subset=["ended_at"])
    minutes = (served["ended_at"] - served["answered_at"]).dt.total_seconds() / 60
    assert abs(minutes.mean() - 3.0) < 4 * 3.0 / math.sqrt(len(minutes))


def _bad(tmp_path, mapping: dict, match: str) -> None:
    path = tmp_path / "log.csv"
    pd.DataFrame(
        {"call_id": [1], "date": ["990101"], "vru_exit": ["7:00:00"], "outcome": ["AGENT"]}
    ).to_csv(path, index=False)
    with pytest.raises(DataError, match=match):
        read_log(path, mapping)


@pytest.mark.parametrize(
    ("mapping", "match"),
    [
        ({"colums": {}}, r"unknown keys \['colums'\]"),
        ({"outcomes": {"AGENT": "served"}}, r"outcomes maps onto \['served'\]"),
        ({"constants": {"queue": "x"}}, r"constants sets \['queue'\]"),
        ({"dates": {"arrived_at": {"date": "date"}}}, "dates.arrived_at needs date, time"),
        ({"dates": {"opened": {"date": "d", "time": "t", "format": "%y"}}}, "dates.opened"),
        ({"after": {"ended_at": {"from": "served_at", "seconds": "s"}}}, "after.ended_at.from"),
        ({"after": {"ended_at": {"from": "arrived_at"}}}, "after.ended_at needs from and seconds"),
        (
            {"after": {"ended_at": {"from": "arrived_at", "seconds": "s", "outcome": ["ok"]}}},
            r"after.ended_at.outcome lists \['ok'\]",
        ),
        (
            {
                "columns": {"call_id": ["contact_id", "ticket_id"]},
                "constants": {"channel": "phone"},
                "dates": {"arrived_at": {"date": "day", "time": "vru_exit", "format": "%y"}},
            },
            r"no column 'day' \(dates.arrived_at reads it\)",
        ),
        (
            {"columns": {"call_id": "contact_id"}, "constants": {"contact_id": "1"}},
            "sets 'contact_id', which the file has already",
        ),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(tmp_path, mapping, match):
    _bad(tmp_path, mapping, match)


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "contact_log"


@pytest.mark.integration
def test_the_shipped_example_log_is_remade_byte_for_byte_and_read_whole():
    """The example export and roster (make_example.py: a seeded simulation written as a
    ticketing tool and a workforce tool would) are the committed files to the byte, on
    this machine as on the one that made it; read through its mapping, every row is
    kept."""
    import gzip
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_example", EXAMPLE / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = gzip.decompress((EXAMPLE / "acme_contacts.csv.gz").read_bytes())
    assert module.export() == committed
    assert module.roster() == (EXAMPLE / "acme_roster.csv").read_bytes()
    log, q = read_log(
        EXAMPLE / "acme_contacts.csv.gz", EXAMPLE / "acme_mapping.yaml", tz="Europe/London"
    )
    assert q.kept == q.read == committed.count(b"\n") - 1 and not q.dropped
    assert set(log["channel"]) <= {"phone", "email", "social", "ceo"}
