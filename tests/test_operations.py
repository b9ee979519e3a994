"""Operations realism, directional facts (seeded, decisive): blended teams, business
hours, back-office work, channel switching. Each mechanism is tried on its own, on the
first version's scenario (``scenario=first_version``: every mechanism off), so that the
effect is the mechanism's and nothing else's; with every mechanism off the model is the
one validated against Erlang C/A (tests.test_golden pins ``first_version`` exactly)."""

from __future__ import annotations

import numpy as np
import pytest

from escalationsim import compose, simulate

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

BUSINESS_HOURS = "{days:[0,1,2,3,4],start_hour:9,end_hour:17,count:2}"
BLENDED = [
    "scenario.staff.work.social.pool=reps",
    "scenario.staff.work.social.priority=1",
    "scenario.staff.work.email.priority=2",
    "scenario.staff.work.consult.priority=2",
]


def _kpis(*overrides: str, days: int = 30, reps: int = 3, policy: str = "rigid_script"):
    base = [
        f"run.policies=[{policy}]",
        f"run.replications={reps}",
        f"run.horizon_days={days}",
        "run.warmup_days=3",
        "run.drain_days=10",
        "run.workers=1",
        "run.seed=2026",
        "run.records=false",
        "scenario=first_version",
    ]
    return simulate(compose(base + list(overrides))).kpis


def _more_public(share: float) -> list[str]:
    """``share`` of complaints posted first on social, on top of the default phone and
    email volumes (500 a day, 60% phone, 36% email): more public complaints, the same
    callers and emailers."""
    volume = 500 * 0.96 / (1 - share)
    return [
        f"scenario.volume_per_day={volume:.6f}",
        f"scenario.population.first_channel_social={share}",
        f"scenario.population.first_channel_phone={300 / volume:.9f}",
        f"scenario.population.first_channel_email={1 - share - 300 / volume:.9f}",
        f"scenario.population.uses_social_share={max(0.3, share + 0.05)}",
    ]


# reps busy enough for their queue to matter, emails reaching them within the hour
LOADED = ["scenario.staff.reps.count=4", "scenario.channels.email.triage_mean_h=0.5"]


@pytest.mark.parametrize("blended", [True, False])
def test_more_public_complaints_slow_phone_and_email_only_with_blended_reps(blended):
    """With blended reps answering posts by influence (after calls, before emails), more
    public complaints take rep time from the same callers and emailers; with a separate
    social team they barely touch them (only through the letters that reach the office,
    which consults a rep)."""
    work = BLENDED if blended else []
    low = _kpis(*LOADED, *work, *_more_public(0.04))
    high = _kpis(*LOADED, *work, *_more_public(0.30))
    wait = high.phone_wait_mean_min.mean() / low.phone_wait_mean_min.mean()
    email = high.email_ttr_median_h.mean() / low.email_ttr_median_h.mean()
    # emails: the median time to resolution of complaints first emailed (Kaplan-Meier)
    if blended:
        assert wait > 1.5 and email > 1.03, (wait, email)
    else:
        assert wait < 1.3 and email < 1.01, (wait, email)


def test_a_business_hours_office_breaches_the_deadline_only_when_short_of_hours():
    bh = f"scenario.staff.exec_office.schedule.shifts=[{BUSINESS_HOURS}]"
    rates = {}
    for knows in (0.15, 0.5):
        load = f"scenario.population.knows_ceo_share={knows}"
        always = _kpis(load, days=42, reps=1)
        office_hours = _kpis(load, bh, days=42, reps=1)
        rates[knows] = (
            always.deadline_breach_rate.iloc[0],
            office_hours.deadline_breach_rate.iloc[0],
            office_hours.occupancy_exec_office.iloc[0],
        )
    # ample hours (40 a week each, under 70% busy): no letter is late either way
    assert rates[0.15][0] == rates[0.15][1] == 0.0 and rates[0.15][2] < 0.8
    # short of hours: a 24/7 office keeps the deadline, a business-hours one does not
    assert rates[0.5][0] == 0.0 and rates[0.5][1] > 0.3, rates


def test_letters_written_at_the_weekend_wait_for_the_next_business_day():
    cfg = compose(
        [
            "run.policies=[rigid_script]",
            "run.replications=1",
            "run.horizon_days=28",
            "run.warmup_days=0",
            "run.drain_days=5",
            "run.workers=1",
            "run.seed=11",
            "scenario=first_version",
            f"scenario.staff.exec_office.schedule.shifts=[{BUSINESS_HOURS}]",
        ]
    )
    df = simulate(cfg).complaints
    by_office = df[(df.resolved_by == "exec_office") & df.ceo_wait_h.notna()]
    answered = by_office.arrival_time + by_office.time_to_resolution_h
    sent = answered - by_office.ceo_wait_h
    day = np.floor(sent / 24.0).astype(int)
    weekend = (day % 7) >= 5
    assert weekend.sum() >= 20
    monday_9 = (day[weekend] // 7 + 1) * 168.0 + 9.0
    assert (answered[weekend] >= monday_9 - 1e-9).all()
    # and every office answer is given on a weekday
    assert ((np.floor(answered / 24.0).astype(int) % 7) < 5).all()


def test_a_slower_back_office_raises_churn_through_fixed_quickly():
    on = ["scenario.backoffice.enabled=true", "scenario.backoffice.lead_time_cv=0.5"]
    fast = _kpis(*on, "scenario.backoffice.lead_time_mean_h=6", policy="empowered_rep")
    slow = _kpis(*on, "scenario.backoffice.lead_time_mean_h=96", policy="empowered_rep")
    assert slow.fixed_quickly_share.mean() < fast.fixed_quickly_share.mean() - 0.15
    assert slow.ttr_median_h_exception.mean() > 24.0 > fast.ttr_median_h_exception.mean()
    # the same customers: churn is higher in every replication
    assert (slow.churn_rate.to_numpy() > fast.churn_rate.to_numpy() + 0.02).all()
    assert slow.chases_per_complaint.mean() > fast.chases_per_complaint.mean()


def test_back_office_off_means_no_back_office():
    k = _kpis(reps=1, days=10)
    assert k.backoffice_share.iloc[0] == 0.0 and k.chases_per_complaint.iloc[0] == 0.0


def test_channel_switching_lowers_the_share_who_give_up():
    """Without retries of the same channel, switching is the one more try a customer
    whose call was abandoned (or email unanswered) gets before the ladder."""
    sticky = _kpis("scenario.behaviour.max_retries=0", "scenario.behaviour.switch_prob=0")
    switching = _kpis("scenario.behaviour.max_retries=0", "scenario.behaviour.switch_prob=1")
    assert sticky.switch_rate.max() == 0.0 and switching.switch_rate.min() > 0.05
    assert (switching.gave_up_rate.to_numpy() < sticky.gave_up_rate.to_numpy() - 0.02).all()


def test_rep_roulette_wins_some_exceptions_from_empowered_reps_but_not_the_script():
    """Asking again reaches another manager's review (approval is a fresh draw) under
    empowered reps; under the script every rep says no, so asking again only delays the
    escalation (and gives the customer one more chance to give up)."""
    for policy, gains in (("empowered_rep", True), ("rigid_script", False)):
        # most exceptions need a review (the script has no budget to set)
        low_budget = [f"policies.{policy}.rep.budget_usd=40"] if gains else []
        off = _kpis("scenario.behaviour.roulette_prob=0", *low_budget, policy=policy)
        on = _kpis("scenario.behaviour.roulette_prob=1", *low_budget, policy=policy)
        assert on.roulette_rate.min() > 0.01
        delta = on.resolution_rate.to_numpy() - off.resolution_rate.to_numpy()
        if gains:
            assert (delta > 0.01).all(), delta
        else:
            assert (delta <= 0).all(), delta
