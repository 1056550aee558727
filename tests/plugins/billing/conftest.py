"""Apps for the billing tests: intake and billing only, so the core approves an order on
submission (review absent) and offers "mark delivered" (logistics absent)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import commit
from core.models import Company, Channel, DeliveryMethod, Order, OrderLine, PaymentTerms
from core.orders import events, actions, compute_totals
from plugins.billing.receivables import open_items
from plugins.billing.invoices.models import Invoice
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.intake.manifest import MANIFEST as INTAKE
from core.extensions import db
from tests.factories import ApiClient
from tests.plugins.billing import listener


def fresh(order_id: int) -> Order:
    """The order as stored now."""
    db.session.expire_all()
    return db.session.get(Order, order_id)


def invoice_number(order: Order) -> str:
    """The number of the order's (latest) invoice."""
    return db.session.execute(select(Invoice.number).where(Invoice.order_id == order.id)
                              .order_by(Invoice.version.desc()).limit(1)).scalar_one()


@pytest.fixture
def app(make_app):
    app = make_app(plugins=[INTAKE, BILLING, listener.MANIFEST])
    listener.RECEIVED.clear()
    listener.COLLECTION.clear()
    with app.app_context():
        yield app


@pytest.fixture(autouse=True)
def open_items_agree(app, request):
    """After every billing test, the open items of each company add up, invoice by invoice, to what
    ``balances`` says the invoice owes, and their ``settled_on`` is the day they came to nothing (empty while
    it owes): whatever path the test took, the services posted every change.
    A test that writes open items by hand (``hand_built_open_items``) is not checked."""
    yield
    if "hand_built_open_items" in request.fixturenames:
        return
    db.session.rollback()
    for company_id in db.session.execute(select(Company.id)).scalars():
        assert open_items.differences(company_id) == [], "the open items do not add up to the balances"
        assert open_items.settled_differences(company_id) == [], "the open items say wrongly when settled"


@pytest.fixture
def hand_built_open_items():
    """The test writes open items of its own, which no balance computed from payments matches."""


@pytest.fixture
def api(app, world):
    """API clients by role, made on first use."""
    clients: dict[str, ApiClient] = {}

    def client(role: str) -> ApiClient:
        if role not in clients:
            clients[role] = ApiClient(app, world.users[role])
        return clients[role]

    return client


@pytest.fixture
def place_order(world):
    """An order entered and submitted by sales; without review the core approves it at once.

    Built from the core's models, as intake's API is still being written. Ten valves at
    120.00 and a hundred seals at 8.50, 13% tax: 2,050.00 + 266.50 = 2,316.50.
    """

    def place(terms: PaymentTerms = PaymentTerms.CASH_ON_DELIVERY, customer: int = 0,
              submit: bool = True, lines: list[tuple[str, str, str]] | None = None) -> Order:
        """``lines``: (quantity, unit price, tax rate) of each line instead of the valves and seals."""
        buyer = world.customers[customer]
        sequence = db.session.execute(select(func.count(Order.id))).scalar_one() + 1
        order = Order(
            company_id=world.company.id, number=f"SO20261127-{sequence:04d}", channel=Channel.PHONE,
            customer_id=buyer.id, contact=buyer.contact, phone=buyer.phone, delivery_address=buyer.address,
            requested_date=date.today() + timedelta(days=14), payment_terms=terms,
            delivery_method=DeliveryMethod.EXPRESS, currency=world.company.currency,
            created_by_id=world.users["sales"].id,
        )
        valve, seal = world.products
        order.lines = [
            OrderLine(line_no=1, product_id=valve.id, description=valve.name, specification=valve.specification,
                      unit=valve.unit, quantity=Decimal("10"), unit_price=Decimal("120.00"),
                      tax_rate=valve.tax_rate),
            OrderLine(line_no=2, product_id=seal.id, description=seal.name, specification=seal.specification,
                      unit=seal.unit, quantity=Decimal("100"), unit_price=Decimal("8.50"), tax_rate=seal.tax_rate),
        ]
        if lines is not None:
            order.lines = [
                OrderLine(line_no=number, product_id=valve.id, description=f"{valve.name} {number}",
                          specification=valve.specification, unit=valve.unit, quantity=Decimal(quantity),
                          unit_price=Decimal(price), tax_rate=Decimal(rate))
                for number, (quantity, price, rate) in enumerate(lines, start=1)]
        compute_totals(order)
        db.session.add(order)
        db.session.flush()
        if submit:
            events.submit(order, actor=world.users["sales"])
        commit()
        return fresh(order.id)

    return place


@pytest.fixture
def deliver(world):
    """The customer signs for the goods (the core's "mark delivered", as logistics is off)."""

    def sign(order: Order) -> Order:
        actions.mark_delivered(order, actor=world.users["logistics"], signed_by="王经理")
        commit()
        return fresh(order.id)

    return sign
