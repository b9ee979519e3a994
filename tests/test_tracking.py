"""Tracking that matters: promises made without a ticket can be lost
(``scenario.follow_ups``, engine/journey.py, engine/backoffice.py), and root-cause
detection sees ticketed complaints on every channel (policy/root_cause.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from escalationsim import compose, simulate
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.policy.root_cause import RootCause, TopCause
from tests.codes import CEO, EMAIL, PHONE, SOCIAL

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check


def _complaints(*overrides: str, policies: str = "[rigid_script]") -> pd.DataFrame:
    base = [
        f"run.policies={policies}",
        "run.replications=1",
        "run.horizon_days=30",
        "run.warmup_days=3",
        "run.drain_days=15",
        "run.workers=1",
        "run.seed=2026",
    ]
    return simulate(compose(base + list(overrides))).complaints


@pytest.fixture(scope="module")
def always_lost() -> pd.DataFrame:
    return _complaints("scenario.follow_ups.lost_prob_untracked=1")


@pytest.fixture(scope="module")
def never_lost() -> pd.DataFrame:
    return _complaints("scenario.follow_ups.lost_prob_untracked=0")


def test_only_promises_made_without_a_ticket_are_lost(always_lost):
    lost = always_lost[always_lost.lost_follow_up]
    assert len(lost) > 30
    # a lost promise was made on social or at the CEO's inbox (no tickets under the
    # status quo), after back-office work was needed
    assert (lost.reached_social | lost.reached_ceo).all()
    assert not lost.backoffice[lost.status == "gave_up"].any()


def test_a_lost_promise_is_undone_and_the_customer_starts_over(always_lost, never_lost):
    lost = always_lost[always_lost.lost_follow_up]
    # resolved only by starting over: at least one more contact after the promise
    assert (lost.contacts[lost.status == "resolved"] >= 2).all()
    # nothing is paid to those who gave up (a complaint still open at the end may hold a
    # new promise, made after starting over, with its back-office work under way)
    assert (lost.compensation[lost.status == "gave_up"] == 0).all()
    assert (lost.backoffice[(lost.status == "open") & (lost.compensation > 0)]).all()
    # the same complaints, with their promises kept (those made in both runs: with
    # customers who remember, a lost promise can change whether a later one is made):
    # more resolved, and sooner
    both = never_lost.set_index("complaint_id")
    lost = lost[lost.complaint_id.isin(both.index)]
    assert len(lost) > 30
    kept = both.loc[lost.complaint_id]
    assert (kept.status == "resolved").mean() > (lost.status == "resolved").mean() + 0.2
    assert not never_lost.lost_follow_up.any()


def test_no_promise_is_lost_when_every_channel_keeps_tickets():
    df = _complaints("scenario.follow_ups.lost_prob_untracked=1", policies="[omnichannel]")
    assert not df.lost_follow_up.any()


def _root_cause(every_channel: bool) -> RootCause:
    rc = RootCause(
        TopCause(enabled=True, detect_after=2, every_channel=every_channel, evidence="started"), S
    )
    tracked = [False] * 4
    tracked[PHONE] = tracked[EMAIL] = True
    rc.bind(SimpleNamespace(tracked=tracked))
    return rc


S = ScenarioConfig.first_version()


@pytest.mark.parametrize("every_channel", [True, False])
def test_root_cause_detection_sees_ticketed_complaints_on_every_channel(every_channel):
    """A complaint that starts on social (no ticket) and reaches the phone is seen when it
    closes with ``every_channel``; one that never reaches a ticketed channel is not."""
    rc = _root_cause(every_channel)
    posted_then_called = SimpleNamespace(first_channel=SOCIAL, tried=(1 << SOCIAL) | (1 << PHONE))
    posted_then_wrote_ceo = SimpleNamespace(first_channel=SOCIAL, tried=(1 << SOCIAL) | (1 << CEO))
    for c in (posted_then_called, posted_then_wrote_ceo):
        c.cause = 0
        rc.closed(c, 10.0)
    assert rc.seen == (1 if every_channel else 0)
    started_on_phone = SimpleNamespace(first_channel=PHONE, tried=1 << PHONE, cause=0)
    rc.closed(started_on_phone, 11.0)  # counted when it started (observe), not again
    assert rc.seen == (1 if every_channel else 0)
