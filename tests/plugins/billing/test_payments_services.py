"""Payments' services: amounts kept to the cent, and concurrent payments."""
from __future__ import annotations

import os
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import commit
from core.errors import OrdoError, ValidationError
from core.extensions import db
from core.models import Order, User
from plugins.billing.payments import services
from plugins.billing.payments.models import BillingPayment


@pytest.mark.parametrize(("given", "kept"), [("1250", "1250.00"), ("1250.5", "1250.50"), (" 0.01 ", "0.01"),
                                             ("1.500", "1.50")])
def test_an_amount_is_kept_to_the_cent(given, kept):
    assert services._valid_amount(given) == Decimal(kept)


@pytest.mark.parametrize("given", ["", "abc", "0", "-1", "0.001", "Infinity", "1e15", None])
def test_an_unusable_amount_names_the_field(given):
    with pytest.raises(ValidationError) as raised:
        services._valid_amount(given)
    assert raised.value.field == "amount"


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_two_clerks_booking_payments_at_once_cannot_overpay_the_order(app, world, place_order, deliver):
    order_id = deliver(place_order()).id
    finance_id = world.users["finance"].id
    both_loaded = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk() -> None:
        with app.app_context():
            order = db.session.get(Order, order_id)
            actor = db.session.get(User, finance_id)
            both_loaded.wait(timeout=10)
            try:
                services.record_payment(order, amount="2000.00", actor=actor)
                commit()
                outcomes.append("recorded")
            except OrdoError as error:
                db.session.rollback()
                outcomes.append(error.field or type(error).__name__)
            finally:
                db.session.remove()

    clerks = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in clerks:
        thread.start()
    for thread in clerks:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["amount", "recorded"]
    db.session.expire_all()
    assert db.session.execute(select(BillingPayment.amount)).scalars().all() == [Decimal("2000.00")]
