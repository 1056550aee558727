"""Which orders a user may see: their company's, and for a customer user only their own.

``visible_to`` is the one rule, as a SQL condition on ``Order``: every list, the
order page, the API and every plugin that lists orders (or rows of orders) for a
user applies it, so a customer never sees another customer's order or a draft
staff are working on, wherever they look.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, inspect, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from core.db import is_id, page_of
from core.errors import NotFound
from core.extensions import db
from core.keyset import Keyset, Kind
from core.models import Customer, Order, OrderLine, OrderStatus, Product, User
from core.session_memo import recalled, remember

# The order list's order, newest first: the (company_id, created_at, id) index serves every page.
NEWEST_FIRST = Keyset(Order.id, Order.created_at, Kind.DATETIME, descending=True)
# What a listed order loads besides its own row, in one statement each whatever the page's size:
# the customer's reference, the lines with their product's code, the pinned modules (selectin by default).
LISTED = (joinedload(Order.customer).load_only(Customer.id, Customer.code, Customer.name),
          selectinload(Order.lines).joinedload(OrderLine.product).load_only(Product.id, Product.code))


def visible_to(user: User) -> ColumnElement[bool]:
    """Whether ``user`` may see an order: the condition to add to any query that joins ``Order``.

    Staff see every order of their company. A customer user sees their own
    customer's orders once submitted (and whatever became of them since), and
    the drafts they made themselves; never a draft made by staff, neither one a
    clerk is entering nor one review sent back for correction, nor an order
    cancelled before it was ever submitted.
    """
    company = Order.company_id == user.company_id
    if user.customer_id is None:
        return company
    submitted = and_(Order.submitted_at.is_not(None), Order.status != OrderStatus.DRAFT)
    return and_(company, Order.customer_id == user.customer_id, or_(submitted, Order.created_by_id == user.id))


def visible_orders(user: User) -> Select[Order]:
    """The orders ``user`` may see, as a query to narrow further."""
    return select(Order).where(visible_to(user))


def may_see(user: User, order: Order) -> bool:
    """``visible_to`` for an order in hand: the same rule, asked of a loaded order rather than in SQL."""
    if order.company_id != user.company_id:
        return False
    if user.customer_id is None:
        return True
    submitted = order.submitted_at is not None and order.status != OrderStatus.DRAFT
    return order.customer_id == user.customer_id and (submitted or order.created_by_id == user.id)


def get_order(user: User, order_id: int) -> Order:
    """One order the user may see, or NotFound (also for other companies' orders).

    Loaded once per unit of work: the order a request works on is asked for by its handler, by the services
    it calls and by their hooks; the first load is kept (``core.session_memo``, which drops it on commit or
    rollback) and the next ones are answered from it, the same row the session holds.
    """
    if not is_id(order_id):
        raise NotFound(_("order %(id)s does not exist", id=order_id))
    held = recalled(("order", order_id))
    if isinstance(held, Order) and not (state := inspect(held)).deleted and not state.detached:
        if may_see(user, held):
            return held
        raise NotFound(_("order %(id)s does not exist", id=order_id))
    # The lines when first asked for: many actions on an order (a review decision, a task) never read them. The
    # pinned modules, which every stage's hook asks about, in the same statement (a few rows of one order).
    order = db.session.execute(visible_orders(user).where(Order.id == order_id).options(*ORDER_AS_GOT)
                               ).unique().scalar_one_or_none()
    if order is None:
        raise NotFound(_("order %(id)s does not exist", id=order_id))
    # Held by the session's memo (no table forgets it): also what keeps it in the identity map, so a row's
    # relationship to it (a task's, a step's) finds it there instead of loading it again.
    return hold_order(order)


# What get_order reads with the order, for a query that reads the order joined to a row of its own (a review step):
# the pinned modules, not the lines.
ORDER_AS_GOT = (lazyload(Order.lines), joinedload(Order.module_rows))


def hold_order(order: Order) -> Order:
    """Keep ``order`` as :func:`get_order`'s answer for this unit of work: an order read along with another row, in
    the same statement, under ``visible_to`` of the user who asks, and with ``ORDER_AS_GOT``."""
    return remember(("order", order.id), order, tables=())


def search_orders(
    user: User,
    *,
    status: OrderStatus | None = None,
    customer_id: int | None = None,
    number: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int | None = None,
    per_page: int = 25,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the user's orders, newest first, with the total counted up to a limit (``core.db.page_of``)."""
    query = visible_orders(user).options(*LISTED)
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
    return page_of(query, NEWEST_FIRST, page=page, per_page=per_page, cursor=cursor)
