"""The orders an analysis counts: submitted in a window, neither rejected nor cancelled, in the company's
currency (amounts in two currencies do not add up), with their total as the amount."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Index, and_

from core.models import Company, Order, OrderLine, OrderStatus
from core.orders.totals import money

# Orders that never became sales. An order's status is read as it stands now, so a period's figures may
# shrink when one of its orders is cancelled later, as the orders behind them do.
NOT_SALES = (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED)
ZERO = Decimal("0.00")

# A period's orders that count (:func:`counted`), with all the analytics read of them, from the index alone: a
# year's orders are read without their rows (on PostgreSQL an index-only scan, on SQLite a covering index),
# where the analytics read every order's row through ``ix_order_company_submitted_at_id`` (at a million orders,
# a row fetched at a random place of the table per order). The product mix reads the orders' lines from the
# second. kpi's, on the core's tables, because only these pages ask them (migration kpi_0008).
SALES_INDEX = Index("ix_kpi_order_sales", Order.company_id, Order.currency, Order.submitted_at, Order.status,
                    Order.customer_id, Order.channel, Order.total, Order.id)
LINES_INDEX = Index("ix_kpi_order_line_mix", OrderLine.order_id, OrderLine.product_id, OrderLine.quantity,
                    OrderLine.amount)


def counted(company: Company, start: datetime, end: datetime) -> ColumnElement[bool]:
    """SQL: an order of ``company`` that counts, submitted at ``start <= t < end``."""
    return and_(Order.company_id == company.id, Order.submitted_at >= start, Order.submitted_at < end,
                Order.status.not_in(NOT_SALES), Order.currency == company.currency)


def amount(value: Any) -> Decimal:
    """A summed amount as the database returns it (None for no rows; a float-backed number on SQLite)."""
    return ZERO if value is None else money(Decimal(str(value)))


def growth(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """The change from ``before`` to ``now`` as a share of ``before`` (0.25 is +25 %); None from nothing."""
    if not before:
        return None
    return ((Decimal(now) - Decimal(before)) / Decimal(before)).quantize(Decimal("0.0001"))
