"""Order fingerprints: the hash of an order's lines follows every change of the lines."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import Order
from plugins.intake import duplicates, fingerprints, imports, services
from plugins.intake.models import IntakeFingerprint
from tests import factories
from tests.core.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tests.plugins.intake.helpers import draft, next_week, order_data
from tests.plugins.intake.test_imports import GENERIC, GENERIC_HEADER, csv_bytes


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


def test_intake_0005_fingerprints_the_orders_taken_before_it(make_app, empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        world = factories.build_world(app, "ACME")
        first = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 2},
                                    {"product_id": world.products[1].id, "quantity": "1.5"}])
        second = draft(world)
        expected = {first.id: stored(first.id), second.id: stored(second.id)}
        db.session.remove()  # its reads would hold the table the downgrade drops
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "intake_0004"])
        assert result.exit_code == 0, result.output

        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0

        rows = db.session.execute(select(IntakeFingerprint.order_id, IntakeFingerprint.fingerprint)).all()
        assert dict(rows) == expected
        assert expected[first.id] == fingerprints.of_lines(
            [(world.products[1].id, Decimal("1.5")), (world.products[0].id, Decimal("2"))])
        db.session.remove()
        db.engine.dispose()


def test_an_imported_order_is_fingerprinted_and_found_as_a_possible_duplicate_of_the_same_order_entered(world):
    data = csv_bytes([GENERIC_HEADER, ["W0001", "C001", "P001", "2", "120.00", next_week().isoformat()]])
    result = imports.import_orders(world.company, "orders.csv", data, GENERIC, world.users["sales"])
    commit()
    order = db.session.get(Order, result.created[0])

    assert stored(order.id) == fingerprints.of_lines([(world.products[0].id, Decimal("2"))])
    entered = services.create_draft(world.company, order_data(world), world.users["sales"])
    assert duplicates.find_duplicates(entered) == [order]
