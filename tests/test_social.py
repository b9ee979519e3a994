"""Social care (engine/channels/social.py, policy/social.py): the team reviews the
mentions every few hours, big accounts alerted at once under by-influence handling, so
replies take minutes for big accounts and about an hour for the rest (MISQ 2018: more
followers, answered more often and faster); under first come, first served nobody is
faster. Seeded and decisive."""

from __future__ import annotations

import dataclasses

import pytest

from escalationsim import compose, simulate
from escalationsim.policy.social import FcfsSocial

pytestmark = pytest.mark.integration  # whole jobs

REPLY = ["social_reply_median_min_top1", "social_reply_median_min_bottom50"]


def _replies(*overrides: str, fcfs: bool = False):
    """The status quo's replies to posts, 2 replications of 30 days; with ``fcfs`` its
    social team answers every post first come, first served (omnichannel's social care)."""
    cfg = compose(
        [
            "run.policies=[rigid_script]",
            "run.replications=2",
            "run.horizon_days=30",
            "run.workers=1",
            "run.seed=11",
            "run.records=false",
            *overrides,
        ]
    )
    if fcfs:
        script = dataclasses.replace(cfg.policies["rigid_script"], social=FcfsSocial())
        cfg = dataclasses.replace(cfg, policies={"rigid_script": script})
    return simulate(cfg).kpis


@pytest.fixture(scope="module")
def by_influence():
    return _replies()


@pytest.fixture(scope="module")
def fcfs():
    return _replies(fcfs=True)


def test_big_accounts_get_replies_in_minutes_under_by_influence_handling(by_influence):
    for _, k in by_influence.iterrows():
        top, bottom = k[REPLY]
        assert top < 15 and 45 < bottom < 180, (top, bottom)  # minutes; about an hour
        assert top < 0.2 * bottom


def test_nobody_is_faster_under_first_come_first_served(fcfs):
    for _, k in fcfs.iterrows():
        top, bottom = k[REPLY]
        assert 0.6 < top / bottom < 1.6, (top, bottom)
        assert 45 < bottom < 180


def test_without_reviews_posts_are_answered_as_the_team_gets_to_them():
    """review_interval_h=0, the first version's practice: every post joins the queue at
    once, and the blended reps answer within minutes, big accounts or not."""
    k = _replies("scenario.channels.social.review_interval_h=0")
    assert (k["social_reply_median_min_bottom50"] < 10).all()
    assert (k["social_reply_median_min_top1"] < 10).all()
