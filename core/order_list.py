"""The order list, declared for the list view: what a user can search, filter, sort and group orders by.

Served by the core's ``orders`` blueprint at ``GET /orders`` (``core.order_views``);
the rows are the orders ``core.orders.queries.visible_to`` lets the user see.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import aliased

from core.db import scoped
from core.extensions import db
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec
from core.models import Channel, Customer, Order, OrderStatus, User
from core.orders.queries import visible_to
from core.portal import order_url

# The order's creator, as the salesperson: a second join of ``user`` (the signed-in user is another row).
Creator = aliased(User, name="creator")


def _source(user: User) -> Select[Any]:
    return (select(Order.id).join(Customer, Order.customer_id == Customer.id)
            .outerjoin(Creator, Order.created_by_id == Creator.id).where(visible_to(user)))


def _staff(user: User) -> bool:
    """Customer users see neither other customers nor staff names."""
    return user.customer_id is None


def _salespeople(user: User) -> list[tuple[int, str]]:
    rows = db.session.execute(scoped(User, user.company_id).where(User.customer_id.is_(None))
                              .order_by(User.name)).scalars()
    return [(person.id, person.name) for person in rows]


def _number(row: Row[Any]) -> str:
    return row.number or f"#{row.id}"


def _link(row: Row[Any]) -> str:
    return order_url(row.id)


ORDER_LIST = ListSpec(
    name="orders",
    source=_source,
    id=Order.id,
    columns=(
        Column("number", _l("Order"), Order.number, sortable=True, text=_number, href=_link),
        Column("customer_code", _l("Customer code"), Customer.code, when=_staff),
        Column("customer", _l("Customer"), Customer.name),
        Column("customer_reference", _l("Customer reference"), Order.customer_reference),
        Column("channel", _l("Channel"), Order.channel, Kind.CODE),
        Column("status", _l("Status"), Order.status, Kind.CODE, badge=True),
        Column("salesperson", _l("Salesperson"), Creator.name, when=_staff),
        Column("created_at", _l("Created"), Order.created_at, Kind.DATETIME, sortable=True),
        Column("submitted_at", _l("Submitted"), Order.submitted_at, Kind.DATETIME, sortable=True),
        Column("requested_date", _l("Requested delivery date"), Order.requested_date, Kind.DATE, sortable=True),
        Column("total", _l("Total"), Order.total, Kind.MONEY, sortable=True),
        Column("currency", _l("Currency"), Order.currency),
    ),
    search=(Order.number, Customer.name, Customer.code, Order.customer_reference, Order.source_reference),
    filters=(
        Filter("status", _l("Status"), Order.status, choices=OrderStatus),
        Filter("channel", _l("Channel"), Order.channel, choices=Channel),
        Filter("customer", _l("Customer"), Order.customer_id, FilterKind.ID, lookup="customer", when=_staff),
        Filter("salesperson", _l("Salesperson"), Order.created_by_id, FilterKind.ID, options=_salespeople,
               when=_staff),
        Filter("received", _l("Order received"), Order.received_at, FilterKind.DATE_RANGE),
        Filter("created", _l("Created"), Order.created_at, FilterKind.DATE_RANGE),
        Filter("submitted", _l("Submitted"), Order.submitted_at, FilterKind.DATE_RANGE),
    ),
    group_bys=(
        GroupBy("status", _l("Status"), Order.status, filter="status"),
        GroupBy("channel", _l("Channel"), Order.channel, filter="channel"),
        GroupBy("customer", _l("Customer"), Order.customer_id, text=Customer.name, filter="customer", when=_staff),
    ),
    default_sort="-created_at",
)
