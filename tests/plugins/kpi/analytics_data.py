"""A small, hand-made book of orders whose analytics are worked out by hand in the tests.

Eight customers, one per RFM segment when "recent" is within 30 days of 2026-06-30, "frequent" is 3
orders or more and "valuable" 5,000.00 or more (each order of P001 at 120.00 + 13 % tax is 135.60 a
piece); the company's medians give the same segments. Each order is entered and submitted through the
core; only its submission time is then moved to the day the data set needs.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update

from core.db import commit, flush
from core.extensions import db
from core.models import Channel, DeliveryMethod, Order, OrderLine, PaymentTerms
from core.orders import events
from core.orders.totals import compute_totals
from tests import factories
from tests.factories import World

AS_OF = date(2026, 6, 30)
_numbers = itertools.count(1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RECENT = (date(2026, 6, 10), date(2026, 6, 15), date(2026, 6, 20))
OLD = (date(2026, 2, 10), date(2026, 2, 15), date(2026, 2, 20))

# customer code: (province, city, days of its orders, quantity of each, expected segment, channel)
BOOK = {
    "A": ("上海", "上海", RECENT, 20, "HHH", Channel.PHONE),
    "B": ("上海", "上海", (date(2026, 6, 25),), 40, "HLH", Channel.EMAIL),
    "C": ("北京", "北京", OLD, 20, "LHH", Channel.PHONE),
    "D": ("广东", "广州", (date(2026, 1, 5),), 40, "LLH", Channel.ECOMMERCE),
    "E": ("广东", "深圳", RECENT, 1, "HHL", Channel.PHONE),
    "F": ("浙江", "杭州", (date(2026, 6, 25),), 1, "HLL", Channel.WEBSITE),
    "G": ("浙江", "杭州", OLD, 1, "LHL", Channel.PHONE),
    "H": ("浙江", "杭州", (date(2026, 1, 5),), 1, "LLL", Channel.PHONE),
}
# One order of C's in the period before (2024-07-01 to 2025-06-30), for growth.
PREVIOUS = ("C", date(2025, 5, 1), 10)


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), SHANGHAI)


def order_for(world: World, customer_id: int, quantity: int, day: date, channel: Channel = Channel.PHONE) -> Order:
    """An order of ``quantity`` P001 entered and submitted through the core, then dated ``day`` at noon (its
    submission and its status since)."""
    product = world.products[0]
    order = Order(company_id=world.company.id, number=f"SO-AN-{next(_numbers):05d}", channel=channel,
                  customer_id=customer_id,
                  requested_date=day + timedelta(days=14), payment_terms=PaymentTerms.CASH_ON_DELIVERY,
                  delivery_method=DeliveryMethod.EXPRESS, created_by_id=world.users["sales"].id)
    order.lines.append(OrderLine(line_no=1, product_id=product.id, description=product.name, unit=product.unit,
                                 quantity=Decimal(quantity), unit_price=product.list_price,
                                 tax_rate=product.tax_rate))
    compute_totals(order)
    db.session.add(order)
    flush()
    events.submit(order, actor=world.users["sales"])
    flush()
    db.session.execute(update(Order).where(Order.id == order.id).values(submitted_at=at_noon(day),
                                                                        status_changed_at=at_noon(day)))
    commit()
    return order


def build_book(world: World) -> dict[str, int]:
    """The eight customers and their orders; their ids by code."""
    ids = {}
    for code, (province, city, days, quantity, _segment, channel) in BOOK.items():
        customer = factories.customer(world.company, f"RFM-{code}", f"客户 {code}", province=province, city=city)
        ids[code] = customer.id
        for day in days:
            order_for(world, customer.id, quantity, day, channel)
    code, day, quantity = PREVIOUS
    order_for(world, ids[code], quantity, day)
    return ids
