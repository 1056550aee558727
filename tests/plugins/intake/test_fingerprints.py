"""Order fingerprints: the hash of an order's lines follows every change of the lines."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from plugins.intake import fingerprints, services
from plugins.intake.models import IntakeFingerprint
from tests.plugins.intake.helpers import draft


def stored(order_id: int) -> str:
    return db.session.execute(select(IntakeFingerprint.fingerprint).where(
        IntakeFingerprint.order_id == order_id)).scalar_one()


def test_the_same_lines_in_any_order_and_scale_have_the_same_fingerprint_and_others_do_not():
    assert fingerprints.of_lines([(1, Decimal("2")), (3, Decimal("1.5"))]) == \
        fingerprints.of_lines([(3, Decimal("1.500")), (1, Decimal("2.000"))])
    assert fingerprints.of_lines([(1, Decimal("2"))]) != fingerprints.of_lines([(1, Decimal("3"))])
    assert fingerprints.of_lines([(1, Decimal("2"))]) != fingerprints.of_lines([(1, Decimal("2")), (1, Decimal("2"))])


def test_an_order_is_fingerprinted_when_entered_and_again_when_its_lines_change(world):
    order = draft(world)
    assert stored(order.id) == fingerprints.of_lines([(world.products[0].id, Decimal("2"))])

    services.update_draft(order, {"lines": [{"product_id": world.products[1].id, "quantity": 5}]},
                          world.users["sales"])
    commit()

    assert stored(order.id) == fingerprints.of_lines([(world.products[1].id, Decimal("5"))])
