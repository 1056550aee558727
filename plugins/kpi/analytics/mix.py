"""Trends by month, and the product and channel mix of a period: one GROUP BY each.

Months are told apart by a CASE over the months' first moments in the company's zone, computed here,
so the query needs no date function and reads the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from core.extensions import db
from core.models import Channel, Company, Order, OrderLine, Product
from plugins.kpi.analytics.period import Period
from plugins.kpi.analytics.sales import ZERO, amount, counted

# Products listed at most: the largest amounts first.
PRODUCT_LIMIT = 200


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    orders: int
    customers: int
    amount: Decimal


@dataclass(frozen=True)
class ProductFigures:
    product_id: int
    code: str
    name: str
    unit: str
    orders: int
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ChannelFigures:
    channel: Channel
    orders: int
    amount: Decimal


def months(company: Company, period: Period) -> list[MonthFigures]:
    """Every month of the period, those without orders too: orders, customers who ordered, amount.

    The orders are grouped by month and customer first (a row per customer who ordered in a month, however many
    orders), then those rows by month: a month's customers are its rows. A ``count(DISTINCT customer)`` per
    month sorted the year's orders (on PostgreSQL, on disk past its working memory)."""
    bounds = period.month_bounds()
    bucket = case(*[(Order.submitted_at < end, index) for index, (_month, _start, end) in enumerate(bounds)],
                  else_=len(bounds)).label("bucket")
    buyers = (select(bucket, func.count().label("orders"), func.sum(Order.total).label("sold"))
              .where(counted(company, period.start, period.end)).group_by(bucket, Order.customer_id)
              .subquery("buyers"))
    cells = {int(index): (int(orders), int(customers), amount(sold)) for index, orders, customers, sold in
             db.session.execute(select(buyers.c.bucket, func.sum(buyers.c.orders), func.count(),
                                       func.sum(buyers.c.sold)).group_by(buyers.c.bucket))}
    return [MonthFigures(month, *cells.get(index, (0, 0, ZERO))) for index, (month, _s, _e) in enumerate(bounds)]


def products(company: Company, period: Period) -> list[ProductFigures]:
    """The products ordered in the period, the largest amount first: orders, quantity, amount (with tax).

    The lines are added up per order and product first (a row per product an order has, however many of its
    lines), then those rows per product: a product's orders are its rows. A ``count(DISTINCT order)`` per
    product sorted every line of the period's orders once more."""
    per_order = (select(OrderLine.product_id.label("product_id"), func.sum(OrderLine.quantity).label("quantity"),
                        func.sum(OrderLine.amount).label("sold"))
                 .join(Order, Order.id == OrderLine.order_id).where(counted(company, period.start, period.end))
                 .group_by(OrderLine.order_id, OrderLine.product_id).subquery("per_order"))
    sold = func.sum(per_order.c.sold)
    statement = (select(Product.id, Product.code, Product.name, Product.unit, func.count(),
                        func.sum(per_order.c.quantity), sold)
                 .select_from(per_order).join(Product, Product.id == per_order.c.product_id)
                 .group_by(Product.id, Product.code, Product.name, Product.unit)
                 .order_by(sold.desc(), Product.code).limit(PRODUCT_LIMIT))
    return [ProductFigures(id_, code, name, unit, int(orders), _quantity(quantity),
                           amount(total))
            for id_, code, name, unit, orders, quantity, total in db.session.execute(statement)]


def channels(company: Company, period: Period) -> list[ChannelFigures]:
    """Orders and amount per channel the orders came in by, every channel listed, in the enum's order."""
    cells = {channel: (int(orders), amount(sold)) for channel, orders, sold in db.session.execute(
        select(Order.channel, func.count(Order.id), func.sum(Order.total))
        .where(counted(company, period.start, period.end)).group_by(Order.channel))}
    return [ChannelFigures(channel, *cells.get(channel, (0, ZERO))) for channel in Channel]


def _quantity(value: object) -> Decimal:
    """A summed quantity without the trailing zeros of its column's scale (10, 2.5)."""
    number = Decimal(str(value or 0))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
