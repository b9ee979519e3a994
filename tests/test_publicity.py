"""Publicity that spreads (engine/publicity.py) and word of mouth that reaches a share of
the customer base (policy/floodgates.py): the rules, and the consequence that makes
answering posts worth weighing."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from escalationsim import compose, simulate
from escalationsim.config.scenario import CustomersConfig, PublicityConfig, ScenarioConfig
from escalationsim.engine.publicity import Publicity
from escalationsim.policy.floodgates import Floodgates, WordOfMouth
from tests.codes import CEO, EMAIL, OWNER, PHONE, SOCIAL

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

OFF_LADDER = [True] * 5
OFF_LADDER[SOCIAL] = OFF_LADDER[CEO] = False


def _publicity(**kw) -> Publicity:
    s = ScenarioConfig(volume_per_day=1000, publicity=PublicityConfig(enabled=True, **kw))
    return Publicity(s, SOCIAL, OFF_LADDER)


def test_exposure_is_impressions_per_customer_decaying_with_memory():
    p = _publicity(memory_days=1.0)
    p.add(730_000.0, 0.0)  # the default base: 730,000 customers
    assert p.exposure(0.0) == pytest.approx(1.0)
    assert p.exposure(24.0) == pytest.approx(math.exp(-1.0))


def test_exposure_sends_social_users_to_social_first_with_its_own_uniform():
    p = _publicity(public_first_max=0.3, exposure_scale=1.0)
    p.add(730_000.0, 0.0)
    share = 0.3 * (1 - math.exp(-1.0))

    def c(u: float, social: bool = True):
        return SimpleNamespace(uses_social=social, u_public=u)

    assert p.route(c(share - 1e-9), PHONE, 0.0) == SOCIAL
    assert p.route(c(share + 1e-9), EMAIL, 0.0) == EMAIL
    assert p.route(c(0.0, social=False), PHONE, 0.0) == PHONE  # does not use social
    assert p.route(c(0.0), CEO, 0.0) == CEO  # already on the ladder
    assert p.route(c(0.0), OWNER, 0.0) == SOCIAL  # off the ladder too
    assert p.sent == 2


def test_word_of_mouth_reaches_a_share_of_the_base():
    """The same visible answers move a small company's customers more than a big one's."""

    def share(volume: float) -> float:
        s = ScenarioConfig(volume_per_day=volume, customers=CustomersConfig(enabled=True))
        f = Floodgates(WordOfMouth(), s)
        for t in range(10):
            f.register(1.0, float(t))
        return f.direct_share(10.0)

    assert share(100) > 2 * share(1000) > 0


def _kpis(intercept: float):
    return simulate(
        compose(
            [
                "run.policies=[rigid_script]",
                "run.replications=2",
                "run.horizon_days=30",
                "run.warmup_days=3",
                "run.drain_days=10",
                "run.workers=1",
                "run.seed=2026",
                "run.records=false",
                f"policies.rigid_script.social.influence_intercept={intercept}",
            ]
        )
    ).kpis.mean(numeric_only=True)


def test_unanswered_posts_pull_other_customers_to_complain_in_public():
    """Answering every post (but those expiring while the reps are busy) leaves few
    negative impressions; answering none lets them spread, and more customers start their
    complaint on social."""
    every = _kpis(50.0)
    none = _kpis(-50.0)
    assert every.social_answer_rate > 0.9 and none.social_answer_rate < 0.05
    assert none.impressions_per_complaint > 3 * every.impressions_per_complaint
    sent_none = none.complaints_sent_social_by_publicity
    assert sent_none > 2 * every.complaints_sent_social_by_publicity
    assert sent_none > 500
