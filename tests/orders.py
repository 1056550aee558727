"""Building orders for tests without going through intake's pages or API."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.extensions import db
from core.models import Channel, DeliveryMethod, Order, OrderLine, User
from core.orders import events, compute_totals
from tests.factories import World

_numbers = iter(range(1, 1_000_000))


def draft(world: World, *, customer=None, lines=None, actor: User | None = None, **fields) -> Order:
    """A draft order of the world's first customer: 10 x P001 at list price unless told otherwise."""
    customer = customer or world.customers[0]
    order = Order(
        company_id=world.company.id, customer=customer, customer_id=customer.id,
        channel=fields.pop("channel", Channel.PHONE),
        requested_date=fields.pop("requested_date", date.today() + timedelta(days=14)),
        payment_terms=fields.pop("payment_terms", customer.payment_terms),
        delivery_method=fields.pop("delivery_method", DeliveryMethod.FREIGHT),
        # The contact details intake takes from the customer when the clerk leaves them empty.
        contact=fields.pop("contact", customer.contact), phone=fields.pop("phone", customer.phone),
        delivery_address=fields.pop("delivery_address", customer.address),
        created_by_id=(actor or world.users["sales"]).id, **fields,
    )
    for number, (product, quantity, price) in enumerate(lines or [(world.products[0], "10", None)], start=1):
        order.lines.append(OrderLine(
            line_no=number, product=product, product_id=product.id, description=product.name,
            specification=product.specification, unit=product.unit, quantity=Decimal(quantity),
            unit_price=Decimal(price) if price is not None else product.list_price, tax_rate=product.tax_rate,
        ))
    compute_totals(order)
    db.session.add(order)
    db.session.flush()
    return order


def submitted(world: World, **kwargs) -> Order:
    """A draft with a test number, submitted through the core's state machine."""
    order = draft(world, **kwargs)
    order.number = f"T{world.company.code}-{next(_numbers):05d}"
    events.submit(order, actor=world.users["sales"])
    return order
