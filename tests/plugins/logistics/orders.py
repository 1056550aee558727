"""Orders for the logistics tests, entered and submitted the way intake does it."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import Channel, DeliveryMethod, Order, OrderLine, PaymentTerms
from core.orders import events, compute_totals


def submitted_order(world, *, customer: int = 0, delivery_method: DeliveryMethod = DeliveryMethod.EXPRESS,
                    submit: bool = True) -> Order:
    """An order of two lines for one of the world's customers, numbered and submitted by sales.

    Without a review plugin the core approves it on submission.
    """
    buyer = world.customers[customer]
    sequence = db.session.execute(select(func.count(Order.id))).scalar_one() + 1
    order = Order(
        company_id=world.company.id,
        number=f"SO20261127-{sequence:04d}",
        channel=Channel.PHONE,
        customer_id=buyer.id,
        contact="王经理",
        phone="021-5555-0101",
        delivery_address=buyer.address,
        requested_date=date.today() + timedelta(days=14),
        payment_terms=PaymentTerms.CASH_ON_DELIVERY,
        delivery_method=delivery_method,
        created_by_id=world.users["sales"].id,
    )
    valve, seal = world.products
    order.lines = [
        OrderLine(line_no=1, product_id=valve.id, description=valve.name, specification=valve.specification,
                  unit=valve.unit, quantity=Decimal("10"), unit_price=Decimal("120.00"), tax_rate=valve.tax_rate),
        OrderLine(line_no=2, product_id=seal.id, description=seal.name, specification=seal.specification,
                  unit=seal.unit, quantity=Decimal("200"), unit_price=Decimal("8.50"), tax_rate=seal.tax_rate),
    ]
    compute_totals(order)
    db.session.add(order)
    db.session.flush()
    if submit:
        events.submit(order, actor=world.users["sales"])
    commit()
    return order
