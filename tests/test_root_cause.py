"""Tests for escalationsim.policy.root_cause: causes found from the evidence the tickets
hold, within a window, fixed weeks later, one after the other."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from escalationsim import compose, simulate
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.kernel.codes import DENIED, NO_ANSWER, RESOLVED
from escalationsim.policy.root_cause import RootCause, TopCause
from tests.codes import CEO, EMAIL, PHONE, SOCIAL

S = ScenarioConfig()
DAY = 24.0


def _lever(all_channels: bool = False, **cfg: object) -> RootCause:
    rc = RootCause(TopCause(enabled=True, **cfg), S)
    tracked = [all_channels] * 4
    tracked[PHONE] = tracked[EMAIL] = True
    rc.bind(SimpleNamespace(tracked=tracked))
    return rc


def _closed(*channels: int, outcomes: tuple[int, ...], cause: int = 0) -> SimpleNamespace:
    tried = sum(1 << ch for ch in channels)
    bits = sum(1 << o for o in outcomes)
    return SimpleNamespace(first_channel=channels[0], tried=tried, outcomes=bits, cause=cause)


def test_evidence_is_a_failure_documented_end_to_end() -> None:
    """A complaint resolved at once tells nothing about its cause; one that failed counts
    only if every channel it reached kept a ticket, so tickets on every channel see more."""
    fixed_at_once = _closed(PHONE, outcomes=(RESOLVED,))
    refused_then_fixed = _closed(PHONE, EMAIL, outcomes=(DENIED, RESOLVED))
    unanswered_then_posted = _closed(EMAIL, SOCIAL, outcomes=(NO_ANSWER, RESOLVED))
    wrote_to_ceo = _closed(PHONE, CEO, outcomes=(DENIED, RESOLVED))
    cases = (fixed_at_once, refused_then_fixed, unanswered_then_posted, wrote_to_ceo)
    status_quo, everywhere = _lever(), _lever(all_channels=True)
    for c in cases:
        status_quo.closed(c, 1.0)
        everywhere.closed(c, 1.0)
    assert status_quo.seen == 1  # the trail of the two that left phone and email ends there
    assert everywhere.seen == 3


def test_a_cause_is_found_on_enough_evidence_within_the_window() -> None:
    """Evidence older than the window no longer counts: two documented failures a week
    apart never make three within a week; three within it do, and the fix ships after
    the lead time."""
    rc = _lever(detect_after=3, window_days=7, lead_days=42)
    for day in (0, 8, 16, 24):
        rc.saw(0, True, day * DAY)
    assert not rc.fixed
    for day in (30, 31):
        rc.saw(0, True, day * DAY)
    assert not rc.fixed  # days 24, 30, 31: the one of day 24 is still in the window...
    rc.saw(0, True, 31.5 * DAY)
    assert rc.fixed  # ...so this one makes three
    assert rc.fix_time == pytest.approx((31.5 + 42) * DAY)
    assert not rc.prevents(0, 0.1, 70 * DAY) and rc.prevents(0, 0.1, 74 * DAY)
    assert not rc.prevents(1, 0.1, 74 * DAY)


def test_whole_history_counts_with_no_window() -> None:
    rc = _lever(detect_after=3, window_days=0)
    for day in (0, 100, 200):
        rc.saw(0, True, day * DAY)
    assert rc.fixed


def test_fixes_follow_one_another() -> None:
    """Engineering fixes one cause at a time: a second cause with enough evidence is found
    only once the first fix has shipped, and no more than ``max_fixes`` are."""
    rc = _lever(detect_after=2, window_days=0, lead_days=10, max_fixes=2)
    for t in (1.0, 2.0):
        rc.saw(0, True, t)
        rc.saw(1, True, t)
    assert rc.fix_at[0] == pytest.approx(2.0 + 240.0) and math.isinf(rc.fix_at[1])
    rc.saw(1, True, 100.0)  # engineering still busy with cause 0
    assert math.isinf(rc.fix_at[1])
    rc.saw(1, True, 250.0)
    assert rc.fix_at[1] == pytest.approx(250.0 + 240.0)
    for t in (300.0, 301.0, 800.0, 801.0):
        rc.saw(2, True, t)
    assert math.isinf(rc.fix_at[2])  # max_fixes reached
    counters = rc.counters(0.0, 400.0)
    assert counters["root_cause_fixes"] == 1.0  # the second ships after the horizon
    assert counters["root_cause_detected_at_h"] == 2.0
    assert counters["fix_cost"] == rc.fix_cost


def _kpis(*overrides: str, seed: int) -> pd.DataFrame:
    cfg = compose(
        [
            "run.policies=[rigid_script]",
            "run.replications=1",
            "run.horizon_days=40",
            "run.warmup_days=0",
            "run.drain_days=5",
            "run.workers=1",
            "run.records=false",
            f"run.seed={seed}",
            "scenario.volume_per_day=200",
            "policies.rigid_script.root_cause.enabled=true",
            "policies.rigid_script.root_cause.detect_after=400",
            "policies.rigid_script.root_cause.lead_days=5",
            *overrides,
        ]
    )
    return simulate(cfg).kpis.iloc[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tickets_on_every_channel_find_the_cause_sooner(seed: int) -> None:
    """At 200 complaints a day the review waits for 400 documented failures of one cause:
    with tickets on social media and the CEO's inbox too, the escalated complaints'
    stories are complete, the evidence comes in about a fifth faster and the cause is
    found days sooner; once its fix ships, it prevents a share of the volume."""
    status_quo = _kpis(seed=seed)
    everywhere = _kpis("policies.rigid_script.tracking.all_channels=true", seed=seed)
    found, sooner = status_quo["root_cause_detected_day"], everywhere["root_cause_detected_day"]
    assert 5 < sooner < found - 1.5
    assert everywhere["prevented_share"] > status_quo["prevented_share"] > 0.05
