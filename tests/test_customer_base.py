"""Customers who remember (engine/customer_base.py): the base's rules on stub customers,
then directional facts from the sources, seeded and decisive (Ma, Sun & Kekre, Marketing
Science 2015; seed 000 on redirecting to a named owner)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from escalationsim import compose, simulate
from escalationsim.config.scenario import CustomersConfig, ScenarioConfig
from escalationsim.engine.customer_base import CustomerBase, Memory
from escalationsim.kernel.codes import DENIED, RESOLVED, STATUS_GAVE_UP, STATUS_RESOLVED
from tests.codes import CEO, OWNER, PHONE, SOCIAL
from tests.conftest import NO_TRIAGE

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check


def _base(**kw) -> CustomerBase:
    s = ScenarioConfig(customers=CustomersConfig(enabled=True, **kw))
    return CustomerBase(s, SOCIAL, CEO, OWNER)


def _candidate(cid: int, u_accept: float = 0.1, u_first: float = 0.1, **kw):
    c = dict(
        customer_id=cid,
        u_accept=u_accept,
        u_first=u_first,
        followers=100,
        uses_social=True,
        knows_ceo=False,
        persistence=0.5,
        patience=1.0,
        clv=500.0,
        owner=False,
        posts_answered=0,
        ceo_outcome=-1,
        status=STATUS_GAVE_UP,
        needs_exception=False,
        resolved_at=float("nan"),
        arrival=0.0,
        final_channel=PHONE,
        u_churn=0.0,
    )
    c.update(kw)
    return SimpleNamespace(**c)


def test_base_size_is_volume_over_each_customers_complaint_rate():
    assert CustomersConfig(complaints_per_customer_year=0.5).base_size(1000) == 730_000


def test_a_customer_keeps_their_attributes_and_numbers_their_complaints():
    base = _base()
    first = _candidate(7, followers=5000, clv=900.0)
    assert base.admit(first)
    assert base.start(first, PHONE) == PHONE and first.complaint_seq == 1
    base.closed(first, 1.0)
    again = _candidate(7, followers=3, clv=10.0)
    assert base.admit(again)
    base.start(again, PHONE)
    assert again.complaint_seq == 2 and again.followers == 5000 and again.clv == 900.0


def test_the_memory_grows_past_its_allocation_keeping_every_row(monkeypatch):
    """Rows allocated ahead: customers beyond the first allocation get new rows with the
    columns' starting values, and earlier customers keep theirs."""
    monkeypatch.setattr(Memory, "GROW", 3)
    base = _base()
    for cid in range(8):  # past two allocations
        c = _candidate(cid, followers=cid * 10, clv=float(cid))
        base.start(c, PHONE)
        base.closed(c, 1.0)
    mem = base.mem
    assert list(mem.followers[:8]) == [cid * 10 for cid in range(8)]
    assert list(mem.clv[:8]) == [float(cid) for cid in range(8)]
    assert list(mem.seq[:8]) == [1] * 8 and list(mem.open[:8]) == [0] * 8
    assert list(mem.rate) == [1.0] * 9 and not any(mem.churned)
    again = _candidate(6, followers=1, clv=2.0)
    base.start(again, PHONE)
    assert again.complaint_seq == 2 and again.followers == 60 and again.clv == 6.0


def test_the_memory_read_as_numpy_still_grows(monkeypatch):
    """The recorder reads columns as numpy arrays (``Memory.values``) between growths;
    the read leaves no view of a column behind, so it grows again after."""
    monkeypatch.setattr(Memory, "GROW", 2)
    base = _base()
    for cid in range(5):
        base.start(_candidate(cid, followers=cid * 10, uses_social=cid % 2 == 0), PHONE)
        values = base.mem.values("followers", np.arange(cid + 1)[::-1])
        assert values.tolist() == [k * 10 for k in range(cid, -1, -1)]
    assert base.mem.values("uses_social", np.array([0, 1])).tolist() == [1, 0]
    assert len(base.mem.followers) == 6  # three allocations of two


def test_a_candidate_is_kept_at_the_customers_current_rate():
    base = _base(answered_rate_multiplier=2.0)
    assert base.admit(_candidate(1, u_accept=0.49))
    assert not base.admit(_candidate(1, u_accept=0.51))  # new customer: rate 1 of 2
    c = _candidate(1, u_accept=0.1)
    base.start(c, PHONE)
    c.posts_answered = 1  # answered in public: complains twice as often
    base.closed(c, 1.0)
    assert base.admit(_candidate(1, u_accept=0.9))


def test_customers_learn_which_channel_worked():
    base = _base(social_first_prob=0.5, ceo_first_prob=0.5)
    public = _candidate(1)
    base.start(public, PHONE)
    public.posts_answered = 1
    base.closed(public, 1.0)
    assert base.start(_candidate(1, u_first=0.4), PHONE) == SOCIAL
    assert base.start(_candidate(1, u_first=0.6), PHONE) == PHONE
    letter = _candidate(2)
    base.start(letter, PHONE)
    letter.ceo_outcome = RESOLVED
    base.closed(letter, 1.0)
    c = _candidate(2, u_first=0.4)
    assert base.start(c, PHONE) == CEO and c.knows_ceo
    refused = _candidate(3)
    base.start(refused, PHONE)
    refused.ceo_outcome = DENIED
    base.closed(refused, 1.0)
    assert base.start(_candidate(3, u_first=0.0), PHONE) == PHONE
    owned = _candidate(4)
    base.start(owned, CEO)
    owned.owner = True
    base.closed(owned, 1.0)
    c = _candidate(4)
    assert base.start(c, PHONE) == OWNER and c.owner


def test_a_churned_customer_leaves_the_base():
    base = _base()
    c = _candidate(9, u_churn=0.999)  # above any repurchase probability: churns
    base.start(c, PHONE)
    base.closed(c, 1.0)
    assert not base.admit(_candidate(9, u_accept=0.0))
    assert base.left == 1 and base.churned == 1
    stays = _candidate(10, u_churn=0.0, status=STATUS_RESOLVED, resolved_at=1.0)
    base.start(stays, PHONE)
    base.closed(stays, 1.0)
    assert base.admit(_candidate(10, u_accept=0.0))


def _run(*overrides: str, policies: str, days: int = 40, reps: int = 1, records: bool = True):
    base = [
        f"run.policies={policies}",
        f"run.replications={reps}",
        f"run.horizon_days={days}",
        "run.warmup_days=3",
        "run.drain_days=10",
        "run.workers=1",
        "run.seed=2026",
        f"run.records={str(records).lower()}",
    ]
    return simulate(compose(base + list(overrides)))


def test_answered_public_complainers_complain_again_more_and_start_on_social():
    """Ma, Sun & Kekre: customers whose public complaint was answered complain again more
    often, and more often start on social, than customers who were not answered."""
    df = _run("scenario.customers.complaints_per_customer_year=12", policies="[rigid_script]")
    df = df.complaints
    first = df[(df.complaint_seq == 1) & (df.posts > 0)]
    second = df[df.complaint_seq == 2].set_index("customer_id")
    rates = {}
    for answered, g in first.groupby(first.posts_answered > 0):
        again = g.customer_id.isin(second.index)
        assert again.sum() > 100
        nxt = second.loc[g.customer_id[again]]
        rates[answered] = (again.mean(), (nxt.first_channel == "social").mean())
    assert rates[True][0] > 1.5 * rates[False][0]
    assert rates[True][1] > rates[False][1] + 0.15


@pytest.mark.parametrize("ceo_first_prob", [0.5, 0.0])
def test_under_a_responding_ceo_repeat_complaints_start_at_the_ceo_more_and_more(ceo_first_prob):
    """Customers whose letter the CEO resolved write to the CEO first next time, so the
    share of repeat complaints starting at the CEO grows over the run (word of mouth off,
    so that it is the customers' own memory); without that memory it stays near 0."""
    df = _run(
        "scenario.customers.complaints_per_customer_year=12",
        "scenario.volume_per_day=300",
        "scenario.staff.ceo.hours_per_week=40",
        "scenario.population.knows_ceo_share=0.6",
        "policies.ceo_responds.floodgates.strength=0",
        f"scenario.customers.ceo_first_prob={ceo_first_prob}",
        policies="[ceo_responds]",
        days=90,
        reps=2,
    ).complaints
    repeat = df[df.complaint_seq > 1]

    def share(lo: int, hi: int) -> float:
        g = repeat[(repeat.arrival_time >= lo * 24) & (repeat.arrival_time < hi * 24)]
        assert len(g) > 3000
        return float((g.first_channel == "ceo").mean())

    early, late = share(3, 33), share(63, 93)
    if ceo_first_prob:
        assert late > 1.4 * early and late > 0.03
    else:
        assert early == late == 0.0


def test_a_redirecting_ceo_keeps_the_inbox_bounded_where_a_responding_ceo_saturates():
    """Seed 000: at a company size where the CEO answering every letter personally
    saturates their hours (the inbox grows without bound), handing each letter to a named
    owner keeps the CEO's share of the work small and the inbox short."""
    k = _run(
        "scenario.volume_per_day=300",
        *NO_TRIAGE,
        policies="[ceo_responds,ceo_redirects]",
        days=60,
        records=False,
    ).kpis.set_index("policy")
    assert k.loc["ceo_responds", "util_ceo"] > 0.99
    assert k.loc["ceo_responds", "ceo_backlog_end"] > 1000
    assert k.loc["ceo_redirects", "util_ceo"] < 0.6
    assert k.loc["ceo_redirects", "ceo_backlog_end"] < 50
    assert not k.loc["ceo_redirects", "unstable_queues"]


def test_complaints_identify_customers_whatever_the_memory():
    """Without memory every complaint is a new customer's (its own id, number 1)."""
    df = _run("scenario.customers.enabled=false", policies="[rigid_script]", days=8)
    df = df.complaints
    assert (df.customer_id == df.complaint_id).all() and (df.complaint_seq == 1).all()
    with_memory = _run(policies="[rigid_script]", days=8).complaints
    assert isinstance(with_memory.customer_id, pd.Series)
    assert with_memory.customer_id.nunique() < len(with_memory)
