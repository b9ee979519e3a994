"""The CEO's inbox (policy/ceo.py, engine/channels/ceo.py): an office that reads the
file (seed 004), a CEO who signs what the office drafts and hands over to a named owner,
and the goodwill a fix through the CEO's channel costs (seed 001). Seeded and decisive,
on the default scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalationsim import compose, simulate
from tests.conftest import NO_TRIAGE

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

OFF = ["scenario.office.reads_file=false"]
"""The office answers without reading the file (under rigid_script, the office's other
two switches, for a CEO who redirects, cannot act and are refused)."""


def _run(*overrides: str, policies: str = "[rigid_script]", days: int = 30, reps: int = 2):
    base = [
        f"run.policies={policies}",
        f"run.replications={reps}",
        f"run.horizon_days={days}",
        "run.warmup_days=3",
        "run.drain_days=15",
        "run.workers=1",
        "run.seed=2026",
    ]
    return simulate(compose(base + list(overrides)))


@pytest.fixture(scope="module")
def reading() -> pd.DataFrame:
    return _run().complaints


@pytest.fixture(scope="module")
def not_reading() -> pd.DataFrame:
    return _run(*OFF).complaints


def _letters(df: pd.DataFrame) -> pd.DataFrame:
    return df[df.ceo_outcome.notna()]


def test_the_file_notes_what_customer_service_did_before_the_letter(reading):
    letters = _letters(reading)
    refused = letters[letters.cs_refused_before_ceo]
    unanswered = letters[letters.cs_unanswered_before_ceo]
    assert len(refused) > 100 and len(unanswered) > 30
    assert refused.needs_exception.all()  # only an exception claim is refused
    assert not (refused.cs_unanswered_before_ceo).any()
    # never answered: every call abandoned, no post answered (before the letter: a
    # customer whose promise was lost may start over after it)
    unanswered = unanswered[~unanswered.lost_follow_up]
    assert (unanswered.calls == unanswered.abandoned_calls).all()
    assert (unanswered.posts_answered == 0).all()


def test_the_office_repeats_most_refusals_and_resolves_most_never_answered_complaints(reading):
    """Seed 004: the office asks customer service, repeats an explicit "no", and answers
    a customer who never got any answer."""
    letters = _letters(reading)
    refused = letters[letters.cs_refused_before_ceo]
    unanswered = letters[letters.cs_unanswered_before_ceo]
    assert (refused.ceo_outcome == "denied").mean() > 0.75  # the "no" repeated
    assert (unanswered.ceo_outcome == "resolved").mean() > 0.85


def test_without_reading_the_file_never_answered_claims_are_mostly_refused(reading, not_reading):
    """The first version's office grants any exception with a flat override chance; the
    office that reads the file grants what was owed and never answered."""

    def granted(df: pd.DataFrame) -> float:
        letters = _letters(df)
        claims = letters[letters.cs_unanswered_before_ceo & letters.needs_exception]
        assert len(claims) >= 20
        return float((claims.ceo_outcome == "resolved").mean())

    assert granted(not_reading) < 0.35
    assert granted(reading) > 0.75


def test_the_office_takes_days_to_answer_when_it_reads_the_file(reading, not_reading):
    def median_wait(df: pd.DataFrame) -> float:
        return float(_letters(df).ceo_wait_h.median())

    assert median_wait(reading) > 48.0  # waits for the file, answers in office hours
    assert median_wait(reading) > 2 * median_wait(not_reading)


def test_a_drafted_acknowledgement_takes_the_ceo_a_minute_not_three():
    def ceo_minutes(*overrides: str) -> float:
        df = _run(*overrides, policies="[ceo_redirects]", days=20, reps=1).complaints
        letters = df[(df.hours_ceo > 0)]
        return float(letters.hours_ceo.mean() * 60.0)

    drafted = ceo_minutes()
    written = ceo_minutes("scenario.office.drafts_ceo_letters=false")
    assert drafted == pytest.approx(1.0, rel=0.15)
    assert written == pytest.approx(3.0, rel=0.15)


def test_a_named_owner_takes_the_customers_chases():
    """With the owner's direct line, chases about back-office work go to the owner (a
    manager), not to the executive office."""

    def chases(*overrides: str) -> pd.DataFrame:
        df = _run(*overrides, policies="[ceo_redirects]", days=20, reps=1).complaints
        return df[(df.final_channel == "ceo") & (df.chases > 0) & (df.status == "resolved")]

    direct = chases()
    office = chases("scenario.office.owner_direct_line=false")
    assert direct.owner_assigned.all() and not office.owner_assigned.any()
    assert len(direct) > 20 and len(office) > 20
    # the same owner case and back-office work; the chases add manager time instead of
    # office time
    assert direct.hours_managers.mean() > office.hours_managers.mean() + 0.04
    assert direct.hours_exec_office.mean() < office.hours_exec_office.mean() - 0.04


def test_a_fix_through_the_ceos_channel_costs_goodwill():
    """Seed 001: with the penalty, customers whose fix came through the CEO's channel
    churn more; every other customer's churn is unchanged (their own uniforms)."""
    with_penalty = _run(days=20, reps=1).complaints
    without = _run("scenario.churn.ceo_channel_penalty=0", days=20, reps=1).complaints
    assert with_penalty.complaint_id.equals(without.complaint_id)
    via_ceo = (
        (with_penalty.status == "resolved") & (with_penalty.final_channel == "ceo")
    ).to_numpy()
    assert via_ceo.sum() > 30
    a, b = with_penalty.churned.to_numpy(), without.churned.to_numpy()
    assert np.array_equal(a[~via_ceo], b[~via_ceo])
    assert a[via_ceo].mean() > b[via_ceo].mean() + 0.05
    assert (with_penalty.resolved_by[via_ceo] != "none").all()


def test_the_breach_share_counts_each_letter_writer_once():
    """A customer who writes to the CEO again can be late twice; the share of writers
    answered past the deadline stays a share (it read 100.02% when it counted letters)."""
    res = simulate(
        compose(
            [
                "run.policies=[ceo_responds]",
                "run.replications=1",
                "run.workers=1",
                "scenario.staff.ceo.hours_per_week=16",
                *NO_TRIAGE,
            ]
        )
    )
    c = res.complaints
    assert (c["deadline_breaches"] >= 2).any()  # the case the share must count once
    writers = c["reached_ceo"].astype(bool)
    late = (c["deadline_breaches"] > 0) & writers
    assert res.kpis["deadline_breach_rate"].iloc[0] == pytest.approx(late.sum() / writers.sum())
    assert res.kpis["deadline_breach_rate"].iloc[0] <= 1.0


# --------------------------------------------------------------------------- triage


def _responding(strength: float, *overrides: str):
    """A responding CEO at the default volume, word of mouth at ``strength``; two weeks of
    warm-up so word of mouth has settled."""
    return simulate(
        compose(
            [
                "run.policies=[ceo_responds]",
                "run.replications=1",
                "run.horizon_days=30",
                "run.warmup_days=14",
                "run.drain_days=10",
                "run.workers=1",
                "run.seed=2026",
                "run.records=false",
                f"policies.ceo_responds.floodgates.strength={strength}",
                *overrides,
            ]
        )
    ).kpis.iloc[0]


@pytest.fixture(scope="module")
def by_strength() -> dict[float, pd.Series]:
    return {s: _responding(s) for s in (0.0, 0.05, 0.5)}


def test_a_triaging_ceo_answers_a_falling_share_in_person_as_word_of_mouth_grows(by_strength):
    """The CEO's weekly hours are fixed; word of mouth brings more letters; the share the
    CEO answers personally falls, and the rest are handed to the office (or given up on),
    so the inbox stays stable at every strength."""
    share = [by_strength[s]["ceo_personal_answer_share"] for s in (0.0, 0.05, 0.5)]
    assert share[0] > 1.5 * share[1] > 0 and share[1] > 1.5 * share[2] > 0, share
    for k in by_strength.values():
        assert k["unstable_ceo"] == 0
        parts = k["ceo_personal_answer_share"] + k["ceo_handed_to_office_share"]
        # every letter answered in person, handed over or given up on, but those still
        # waiting when the run ends (a few days' worth at most)
        assert 0.95 < parts + k["letters_abandoned_rate"] <= 1.0 + 1e-12
        assert k["ceo_handed_to_office_share"] > 0.3
        assert k["ceo_answers_in_person"] == 0  # under half answered in person
    # without triage the same strongest word of mouth fills the inbox without bound
    k = _responding(0.5, *NO_TRIAGE)
    assert k["unstable_ceo"] == 1 and k["ceo_handed_to_office_share"] == 0


def test_writers_give_up_on_the_ceo_as_their_patience_allows():
    """Writers who wait for ever never give up; writers with half a day's patience mostly
    give up before the CEO or the handover reaches their letter."""
    never = _responding(0.05, "scenario.channels.ceo.writer_patience_days=0")
    hasty = _responding(0.05, "scenario.channels.ceo.writer_patience_days=0.5")
    assert never["letters_abandoned_rate"] == 0
    assert hasty["letters_abandoned_rate"] > 0.7
    # a CEO who never hands over and writers who never give up: all answered in person
    neither = _responding(0.0, *NO_TRIAGE, "scenario.volume_per_day=100")
    assert neither["ceo_personal_answer_share"] > 0.95
    assert neither["ceo_answers_in_person"] == 1


def test_a_ceo_who_reads_by_visibility_answers_the_big_accounts_in_person():
    """Ordering the inbox by followers: the letters the CEO answers in person are from
    writers with far more followers than those handed over; reading oldest first, not."""

    def followers_ratio(order: str) -> float:
        c = _run(
            f"policies.ceo_responds.ceo.order={order}",
            policies="[ceo_responds]",
            days=20,
            reps=1,
        ).complaints
        personal = c.loc[c["ceo_personal"] > 0, "followers"].median()
        handed = c.loc[c["ceo_handed"] > 0, "followers"].median()
        return personal / handed

    assert followers_ratio("visibility") > 5
    assert 0.5 < followers_ratio("oldest") < 2


def test_a_redirecting_ceo_short_of_hours_has_the_office_send_the_acknowledgements():
    """With half an hour a week the CEO cannot sign every acknowledgement: those not
    started within a day go out from the office, and the inbox stays bounded; with the
    handover off the CEO's inbox grows."""
    hours = "scenario.staff.ceo.hours_per_week=0.5"
    k = _run(hours, policies="[ceo_redirects]", days=20, reps=1).kpis.iloc[0]
    assert k["ceo_handed_to_office_share"] > 0.5
    assert k["unstable_ceo"] == 0 and k["ceo_backlog_end"] < 100
    off = _run(
        hours,
        "policies.ceo_redirects.ceo.handover_after_h=0",
        policies="[ceo_redirects]",
        days=20,
        reps=1,
    ).kpis.iloc[0]
    assert off["ceo_handed_to_office_share"] == 0 and off["unstable_ceo"] == 1


def test_a_triaging_ceo_never_works_more_than_the_weekly_hours():
    """Letters withdrawn from the desk cost no CEO time: the hours booked are at most the
    scheduled complaint hours, and the CEO still fills them."""
    res = _run(policies="[ceo_responds]", days=21, reps=1)
    k = res.kpis.iloc[0]
    assert 0.9 < k["util_ceo"] <= 1.0 + 1e-9
    assert k["ceo_handed_to_office_share"] > 0.3
