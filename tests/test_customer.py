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


def _model(max_retries: int = 1):
    """The parts of a run context the ladder reads, from the channel registry."""
    return SimpleNamespace(
        max_retries=max_retries,
        retryable=[cls.retryable for cls in channels.channel_classes()],
        ladder=[(1 << cls.code, cls.code, cls.requires) for cls in channels.ladder()],
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
