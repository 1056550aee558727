"""Which orders a user may see: their company's, and for customers only their own."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from core.db import is_id, page_of
from core.errors import NotFound
from core.extensions import db
from core.models import Order, OrderStatus, User


def visible_orders(user: User) -> Select[Order]:
    query = select(Order).where(Order.company_id == user.company_id)
    if user.customer_id is not None:
        query = query.where(Order.customer_id == user.customer_id)
    return query


def get_order(user: User, order_id: int) -> Order:
    """One order the user may see, or NotFound (also for other companies' orders)."""
    if not is_id(order_id):
        raise NotFound(_("order %(id)s does not exist", id=order_id))
    order = db.session.execute(visible_orders(user).where(Order.id == order_id)).scalar_one_or_none()
    if order is None:
        raise NotFound(_("order %(id)s does not exist", id=order_id))
    return order


def search_orders(
    user: User,
    *,
    status: OrderStatus | None = None,
    customer_id: int | None = None,
    number: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = 25,
) -> dict[str, Any]:
    """A page of the user's orders, newest first, with the total count."""
    query = visible_orders(user)
    if status is not None:
        query = query.where(Order.status == status)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if number:
        query = query.where(Order.number.contains(number))
    if date_from is not None:
        query = query.where(Order.requested_date >= date_from)
    if date_to is not None:
        query = query.where(Order.requested_date <= date_to)
    return page_of(query.order_by(Order.created_at.desc(), Order.id.desc()), page, per_page)
