"""Tests for escalationsim.engine.channels.email: an unanswered email stays in the
backlog (``channels.email.keep_unanswered``), so stability comes from capacity."""

from __future__ import annotations

import pandas as pd
import pytest

from escalationsim import compose, simulate

OFF = "scenario.channels.email.keep_unanswered=false"


def _run(*overrides: str, days: int = 20, volume: int = 1300) -> pd.Series:
    cfg = compose(
        [
            "run.policies=[rigid_script]",
            "run.replications=1",
            f"run.horizon_days={days}",
            "run.warmup_days=2",
            "run.workers=1",
            "run.records=false",
            f"scenario.volume_per_day={volume}",
            *overrides,
        ]
    )
    return simulate(cfg).kpis.iloc[0]


@pytest.fixture(scope="module")
def overloaded() -> tuple[pd.Series, pd.Series]:
    """1,300 complaints a day, callers who never hang up: the reps cannot answer every
    email; kept, and withdrawn when their writers stop waiting."""
    patient = "scenario.channels.phone.patience_mean_s=null"
    return _run(patient), _run(patient, OFF)


def test_an_overloaded_email_backlog_grows_when_emails_are_kept(overloaded) -> None:
    """Kept, the backlog grows by over a thousand a week and the reps' queue is reported
    unstable; withdrawing the emails whose writers stopped waiting hid it (stable, growth
    under a tenth of that): the first version's stability came from emails vanishing."""
    kept, dropped = overloaded
    assert not kept["stable"] and "reps" in kept["unstable_queues"]
    assert kept["backlog_growth_per_week_reps"] > 1000
    assert dropped["stable"]
    assert dropped["backlog_growth_per_week_reps"] < kept["backlog_growth_per_week_reps"] / 10


def test_kept_emails_are_answered_late_or_withdrawn(overloaded) -> None:
    """Kept, emails are answered after their writer moved on, some with the writer's
    chaser, some withdrawn because the complaint was resolved meanwhile; withdrawn when
    the writer stops waiting, none is answered late."""
    kept, dropped = overloaded
    assert kept["emails_answered_late_share"] > 0.05
    assert kept["emails_merged_share"] > 0 and kept["emails_withdrawn_share"] > 0
    assert dropped["emails_answered_late_share"] == 0 == dropped["emails_merged_share"]
    assert dropped["emails_withdrawn_share"] > 0.1


def test_late_answers_take_the_reps_time() -> None:
    """Writers who wait four hours on average at the default volume: kept, the emails they
    leave are still answered, so the reps are busier than when the emails vanish (the same
    customers, the same seed)."""
    short = "scenario.channels.email.patience_mean_h=4"
    kept, dropped = _run(short, days=10, volume=1000), _run(short, OFF, days=10, volume=1000)
    assert kept["emails_answered_late_share"] > 0.2
    assert kept["util_reps"] > dropped["util_reps"] + 0.02


def test_the_default_centre_is_stable_with_kept_emails() -> None:
    """At the default volume the reps answer the emails kept after their writers stopped
    waiting: the queues stay stable, capacity (not vanishing emails) keeps them so."""
    kpis = _run(days=20, volume=1000)
    assert kpis["stable"]
    assert 0 < kpis["emails_answered_late_share"] < 0.1
