"""Starting from today (escalationsim.calibration.open_work and ``run.initial_state``):
the open work at a log's end, by hand; a run that starts from it has those complaints
waiting at time 0 on their channels; bad inputs refused naming the key and the file."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import escalationsim as es
from escalationsim.calibration.open_work import COLUMNS, open_work, queued, read_open_work
from escalationsim.config.fields import ConfigError

T0 = pd.Timestamp("2026-01-05", tz="UTC")
NAT = pd.NaT


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


def _log() -> pd.DataFrame:
    """Eight complaints, one or two contacts each; the log ends at hour 10."""
    rows = [
        # ticket, channel, arrived, answered, abandoned, ended, resolved, outcome
        ("email-waiting", "email", 2, NAT, NAT, NAT, NAT, "pending"),
        ("ceo-inbox", "ceo", 1, NAT, NAT, NAT, NAT, "pending"),
        ("fix-promised", "phone", 3, 3.1, NAT, 3.2, 30, "resolved"),
        ("fixed", "phone", 4, 4.1, NAT, 4.2, 4.2, "resolved"),
        ("refused", "email", 5, 6, NAT, 6.1, NAT, "refused"),
        ("hung-up", "phone", 6, NAT, 6.05, NAT, NAT, "abandoned"),
        ("post-ignored", "social", 7, NAT, NAT, NAT, NAT, "unanswered"),
        ("answered-late", "email", 8, 9.5, NAT, 9.6, 9.6, "resolved"),
        ("fixed", "email", 10, 10, NAT, 10, NAT, "pending"),  # a follow-up of a fixed one
    ]
    t = lambda h: _at(h) if isinstance(h, int | float) else NAT  # noqa: E731
    return pd.DataFrame(
        [
            {
                "ticket_id": r[0],
                "channel": r[1],
                "arrived_at": t(r[2]),
                "answered_at": t(r[3]),
                "abandoned_at": t(r[4]),
                "ended_at": t(r[5]),
                "resolved_at": t(r[6]),
                "outcome": r[7],
            }
            for r in rows
        ]
    ).sort_values("arrived_at", kind="stable")


def test_the_open_work_at_the_end_and_at_an_earlier_moment_by_hand():
    """At the end: the email and the CEO letter wait in their queues, the promised fix is
    back-office work; the refused, abandoned, fixed, ignored and answered ones are not
    open. At hour 9 the late-answered email was still waiting."""
    work = open_work(_log())
    assert list(work.columns) == list(COLUMNS)
    kinds = dict(zip(work["ticket_id"], work["kind"], strict=True))
    assert kinds == {"ceo-inbox": "queue", "email-waiting": "queue", "fix-promised": "backoffice"}
    assert queued(work) == {"ceo": 1, "email": 1}
    earlier = open_work(_log(), at=_at(9))
    assert dict(zip(earlier["ticket_id"], earlier["kind"], strict=True))["answered-late"] == "queue"


def test_a_run_starts_from_the_open_work_of_a_calibration_folder(tmp_path):
    """run.initial_state=<folder> reads its open_work.csv into
    scenario.arrivals.initial_open (the queued) and initial_promised (the back-office
    work, with its age); the run's first complaints are those, at time 0, on their
    channels (the customer table's first rows)."""
    from escalationsim.engine import channels
    from escalationsim.engine.population import population_blocks

    work = pd.DataFrame(
        {
            "ticket_id": ["a", "b", "c"],
            "channel": ["email", "ceo", "email"],
            "kind": ["queue", "queue", "backoffice"],
            "opened_at": "",
            "waiting_since": "",
            "age_h": [0.5, 30.0, 12.0],
        }
    )
    work.to_csv(tmp_path / "open_work.csv", index=False)
    sim = es.compose(["run.policies=[rigid_script]", f"run.initial_state={tmp_path}"])
    assert sim.scenario.arrivals.initial_open.counts() == {"email": 1, "ceo": 1}
    assert sim.scenario.arrivals.initial_promised.ages() == [("email", 12.0)]
    rng = np.random.default_rng
    first = next(population_blocks(sim.scenario, 240.0, rng(1), rng(2)))
    assert list(first.arrival_h[:3]) == [0.0, 0.0, 0.0] and first.arrival_h[3] > 0
    assert sorted(first.first_channel[:2].tolist()) == sorted(
        [channels.code("ceo"), channels.code("email")]
    )
    assert first.first_channel[2] == channels.code("email")
    assert len(read_open_work(tmp_path)) == 3


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (["run.initial_state=/no/such/folder"], "run.initial_state = '/no/such/folder'"),
        (["scenario=queue_only", "run.initial_state=x"], "queue-only scenario has no channels"),
    ],
)
def test_a_bad_initial_state_is_refused(overrides, match):
    with pytest.raises(ConfigError, match=match):
        es.compose(["run.policies=[rigid_script]", *overrides])


def test_open_work_and_initial_open_together_are_refused(tmp_path):
    pd.DataFrame(
        {"ticket_id": ["a"], "channel": ["email"], "kind": ["queue"], "opened_at": "",
         "waiting_since": ""}
    ).to_csv(tmp_path / "open_work.csv", index=False)  # fmt: skip
    with pytest.raises(ConfigError, match="give one"):
        es.compose(
            [
                "run.policies=[rigid_script]",
                f"run.initial_state={tmp_path}",
                "scenario.arrivals.initial_open.email=3",
            ]
        )
    bad = tmp_path / "other"
    bad.mkdir()
    pd.DataFrame(
        {"ticket_id": ["a"], "channel": ["fax"], "kind": ["queue"], "opened_at": "",
         "waiting_since": ""}
    ).to_csv(bad / "open_work.csv", index=False)  # fmt: skip
    with pytest.raises(ConfigError, match="row 2: channel 'fax'"):
        es.compose(["run.policies=[rigid_script]", f"run.initial_state={bad}"])


def test_a_backlog_of_emails_delays_the_first_days_new_emails():
    """The same week of 400 complaints a day, starting empty or with 1,500 emails
    waiting: the new emails of the first two days wait far longer for an answer behind
    the backlog (first come, first served), and the backlog's complaints are there."""

    def first_days(*more: str) -> tuple[float, int]:
        sim = es.compose(
            [
                "run.policies=[rigid_script]",
                "run.replications=1",
                "run.workers=1",
                "run.horizon_days=7",
                "run.warmup_days=0",
                "scenario.volume_per_day=400",
                "scenario.staff.scale_with_volume=true",
                *more,
            ]
        )
        log = es.simulate(sim, contacts=True).contacts
        email = log[(log["channel"] == "email") & log["arrived_h"].between(0.01, 48)]
        wait = (email["answered_h"] - email["arrived_h"]).dropna()
        at_zero = int((log["arrived_h"] == 0).sum())
        return float(wait.median()), at_zero

    empty, none = first_days()
    behind, backlog = first_days("scenario.arrivals.initial_open.email=1500")
    assert none == 0 and backlog >= 1500
    assert behind > 3 * empty + 1.0  # hours


def _residual_mean(age: float, mean: float = 72.0, cv: float = 1.0) -> float:
    """E[L - age | L > age] for a lognormal lead time L of ``mean`` and ``cv``."""
    s = math.sqrt(math.log1p(cv * cv))
    mu = math.log(mean) - s * s / 2
    z = (math.log(age) - mu) / s
    tail = stats.norm.sf(z)
    return mean * stats.norm.sf(z - s) / tail - age


def test_promised_work_waits_for_the_rest_of_its_lead_time_given_its_age():
    """1,500 fixes promised at the start and 1,500 promised 300 hours before it: each
    group's mean time to resolution is the lognormal lead time's mean (72 h), and its
    mean residual life beyond 300 h (122 h: a lead time that has lasted long is likely a
    long one), within 4 standard errors; every one is resolved, with no contact but the
    customer's chases."""
    n = 1500
    ages = [0.0] * n + [300.0] * n
    sim = es.compose(
        [
            "run.policies=[rigid_script]",
            "run.replications=1",
            "run.workers=1",
            "run.horizon_days=100",
            "run.warmup_days=0",
            "scenario.volume_per_day=20",
            "scenario.staff.scale_with_volume=true",
            "scenario.customers.enabled=false",
            "scenario.publicity.enabled=false",
            f"scenario.arrivals.initial_promised.email=[{','.join(map(str, ages))}]",
        ]
    )
    c = es.simulate(sim).complaints.sort_values("complaint_id")
    start = c[c["arrival_time"] == 0.0]
    assert len(start) == 2 * n and start["resolved"].all()
    assert (start["contacts"] == start["chases"]).all() and start["chases"].gt(0).any()
    for part, age in ((start.iloc[:n], 0.0), (start.iloc[n:], 300.0)):
        ttr = part["time_to_resolution_h"]
        truth = 72.0 if age == 0 else _residual_mean(age)
        assert abs(ttr.mean() - truth) < 4 * ttr.std() / math.sqrt(n), (age, ttr.mean(), truth)


def test_a_promise_older_than_nearly_every_lead_time_is_not_started(tmp_path, caplog):
    """Work under way for longer than the lead time's 99.9% quantile (about 500 h at the
    default mean of 72 h) is taken as lost: not started, and said."""
    pd.DataFrame(
        {"ticket_id": ["a", "b"], "channel": ["phone", "phone"],
         "kind": ["backoffice", "backoffice"], "opened_at": "", "waiting_since": "",
         "age_h": [40.0, 900.0]}
    ).to_csv(tmp_path / "open_work.csv", index=False)  # fmt: skip
    with caplog.at_level("WARNING", logger="escalationsim"):
        sim = es.compose(["run.policies=[rigid_script]", f"run.initial_state={tmp_path}"])
    assert sim.scenario.arrivals.initial_promised.ages() == [("phone", 40.0)]
    assert "1 promise(s) of back-office work older than" in caplog.text
