"""Billing's migrations: an invoice issued before invoices kept their lines gets its order's lines; the overdue
lists' index comes and goes with billing_0013."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import inspect, text

from core.db import commit
from core.extensions import db
from core.models import Order
from core.orders import actions
from plugins.billing.invoices import services
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories
from tests.core.test_migrations import empty_database_url  # noqa: F401 - the fixture
from tests.plugins.logistics.orders import submitted_order


def test_billing_0003_gives_invoices_issued_before_it_their_orders_lines(make_app, empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url}, plugins=[INTAKE, BILLING])
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        world = factories.build_world(app)
        order = submitted_order(world)  # approved at once, review being off
        actions.mark_delivered(order, actor=world.users["logistics"], signed_by="王经理")
        commit()
        invoice_id = services.invoice_for(order).id
        order_id = order.id
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "billing_0002"])
        assert result.exit_code == 0, result.output

        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output

        lines = db.session.execute(text(
            "SELECT line_no, quantity, unit_price, net_amount, tax_amount, amount FROM billing_invoice_line "
            "WHERE invoice_id = :invoice ORDER BY line_no"), {"invoice": invoice_id}).all()
        order = db.session.get(Order, order_id)
        assert [(row[0], Decimal(row[1]), Decimal(row[5])) for row in lines] == [
            (line.line_no, line.quantity, line.amount) for line in order.lines]
        assert db.session.execute(text("SELECT version FROM billing_invoice WHERE id = :invoice"),
                                  {"invoice": invoice_id}).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()


def test_billing_0013_indexes_the_open_items_by_due_date_and_its_downgrade_drops_the_index(
        make_app, empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url}, plugins=[INTAKE, BILLING])

    def indexed() -> dict[str, list[str | None]]:
        with db.engine.connect() as connection:
            return {index["name"]: index["column_names"] for index in inspect(connection).get_indexes(
                "billing_open_item") if index["name"] == "ix_billing_open_item_overdue"}

    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        assert indexed() == {"ix_billing_open_item_overdue": [
            "company_id", "settled_on", "due_date", "customer_id", "salesperson_id", "invoice_id", "amount"]}

        result = app.test_cli_runner().invoke(args=["db", "downgrade", "billing_0012"])
        assert result.exit_code == 0, result.output
        assert indexed() == {}

        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert list(indexed()) == ["ix_billing_open_item_overdue"]
        db.session.remove()
        db.engine.dispose()
