"""The escalation ladder."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from escalationsim.engine import channels
from escalationsim.engine.customer import Customer
from escalationsim.engine.journey import next_channel
from escalationsim.kernel.codes import ABANDONED, DENIED, NO_ANSWER, UNRESOLVED
from escalationsim.kernel.rng import ROW
from tests.codes import CEO, EMAIL, PHONE, SOCIAL

ROWS = np.zeros((1, ROW))


def _model(max_retries: int = 1, switch_prob: float = 0.0, roulette_prob: float = 0.0):
    """The parts of a run context the ladder reads, from the channel registry."""
    return SimpleNamespace(
        max_retries=max_retries,
        retryable=[cls.retryable for cls in channels.channel_classes()],
        ladder=[(1 << cls.code, cls.code, cls.requires) for cls in channels.ladder()],
        alternative=[
            channels.code(cls.alternative) if cls.alternative else -1
            for cls in channels.channel_classes()
        ],
        switch_prob=switch_prob,
        roulette_prob=roulette_prob,
        max_roulette=1,
        uniform=lambda c: 0.5,
    )


def _customer(uses_social: bool = True, knows_ceo: bool = True, tried: int = 0) -> Customer:
    c = Customer(
        0,
        0.0,
        100,
        PHONE,
        uses_social,
        knows_ceo,
        0.5,
        1.0,
        True,
        50.0,
        100.0,
        0.5,
        1,
        0.5,
        0.5,
        0.5,
        ROWS,
        0,
    )
    c.tried = tried
    return c


@pytest.mark.parametrize("outcome", [ABANDONED, NO_ANSWER, UNRESOLVED])
@pytest.mark.parametrize("channel", [PHONE, EMAIL])
def test_service_failure_retries_same_channel_first(channel, outcome):
    c = _customer(tried=1 << channel)
    assert next_channel(_model(1), c, channel, outcome, retries=0) == channel
    assert next_channel(_model(1), c, channel, outcome, retries=1) == SOCIAL
    assert next_channel(_model(0), c, channel, outcome, retries=0) == SOCIAL


def test_a_no_goes_straight_up_the_ladder():
    c = _customer(tried=1 << PHONE)
    assert next_channel(_model(5), c, PHONE, DENIED, retries=0) == SOCIAL


def test_ladder_order_and_end():
    c = _customer(tried=(1 << PHONE) | (1 << SOCIAL))
    assert next_channel(_model(), c, SOCIAL, NO_ANSWER, retries=0) == CEO
    c.tried |= 1 << CEO
    assert next_channel(_model(), c, CEO, DENIED, retries=0) == -1


def test_rungs_need_social_use_and_ceo_knowledge():
    assert next_channel(_model(), _customer(False, True, 1), PHONE, DENIED, 0) == CEO
    assert next_channel(_model(), _customer(True, False, 1), PHONE, DENIED, 0) == SOCIAL
    assert next_channel(_model(), _customer(False, False, 1), PHONE, DENIED, 0) == -1
    # social is never retried
    c = _customer(True, False, 1 << SOCIAL)
    assert next_channel(_model(3), c, SOCIAL, NO_ANSWER, 0) == -1


def test_switching_takes_the_other_channel_once():
    """With switching certain, a failed call goes to email (and a failed email to the
    phone), once per complaint; then the same channel is retried."""
    ctx = _model(switch_prob=1.0)
    c = _customer()
    assert next_channel(ctx, c, PHONE, ABANDONED, 0) == EMAIL
    assert c.switched
    assert next_channel(ctx, c, EMAIL, NO_ANSWER, 0) == EMAIL  # switched already: retry
    c2 = _customer()
    assert next_channel(ctx, c2, EMAIL, NO_ANSWER, 0) == PHONE
    # a draw above the switch probability keeps the channel
    assert next_channel(_model(switch_prob=0.4), _customer(), PHONE, ABANDONED, 0) == PHONE


def test_rep_roulette_asks_again_after_a_no_then_escalates():
    ctx = _model(roulette_prob=1.0)
    c = _customer()
    assert next_channel(ctx, c, PHONE, DENIED, 0) == PHONE
    assert c.roulettes == 1
    assert next_channel(ctx, c, PHONE, DENIED, 1) == SOCIAL  # max_roulette reached
    # a "no" on a channel that is not retryable goes up the ladder at once
    assert next_channel(ctx, _customer(tried=1 << SOCIAL), SOCIAL, DENIED, 0) == CEO


def test_a_new_customers_journey_fields_hold_their_declared_defaults():
    """Customer's slots are generated from its declarations (engine.customer.BUILT and
    DENSE), and a complaint just built holds each dense journey field's declared default
    (the values a complaint that never reached a contact would be recorded with), apart
    from the fields its constructor takes from the customer table."""
    import math

    from escalationsim.engine import customer_base, fields  # noqa: F401  (declares)
    from escalationsim.engine.channels import phone  # noqa: F401  (declares)
    from escalationsim.engine.customer import BUILT, DENSE, OFTEN

    assert set(Customer.__slots__) == {*BUILT, *(f.name for f in DENSE), *OFTEN}
    assert all(fields.declared()[f.name] == f for f in DENSE)
    slots = [f for f in fields.declared().values() if f.slot]
    assert {f.name for f in slots} == {*(f.name for f in DENSE), *OFTEN}
    c = _customer(knows_ceo=False)
    assert not c.__dict__  # nothing written: no sparse value
    from_table = {"idx": 0, "first_channel": PHONE, "final_channel": PHONE}
    for f in slots:
        value, want = getattr(c, f.name), from_table.get(f.name, f.default)
        assert value == want or (math.isnan(value) and math.isnan(want)), f.name
    with pytest.raises(ValueError, match="as a slot, which Customer does not have"):
        fields.declare(fields.Field("no_such_slot", "i4", 0, "t", "test", slot=True))
    with pytest.raises(ValueError, match="'calls_answered' with default 2, but Customer sets"):
        fields.declare(fields.Field("calls_answered", "i4", 2, "t", "test", slot=True))
