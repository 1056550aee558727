"""The portal's global search: orders by number, customer, customer's PO number or product.

One query per field, each narrowed by ``visible_to`` (a customer user finds
only their own customer's orders, never another company's), each returning a
few of the newest orders. Wildcards a user types are matched literally. The
search reads only: the page, its links and its counts come from these queries.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

from core.errors import ValidationError
from core.extensions import db
from core.models import Customer, Order, OrderLine, Product, User
from core.orders.queries import visible_orders

MAX_QUERY = 100  # characters: longer than any number, code or name the search looks in
PER_GROUP = 20
DRAFT_NUMBER = re.compile(r"#(\d{1,18})")  # a draft's display number, "#12"


class Field(enum.StrEnum):
    """What an order was found by, in the order the page lists the groups."""

    NUMBER = "number"
    CUSTOMER_REFERENCE = "customer_reference"
    CUSTOMER = "customer"
    PRODUCT = "product"


@dataclass(frozen=True)
class Group:
    """The orders found by one field: at most ``PER_GROUP``, newest first; ``more`` when there were more."""

    field: Field
    orders: list[Order]
    more: bool


@dataclass(frozen=True)
class SearchResults:
    query: str
    groups: list[Group]  # only the fields that found something

    @property
    def found(self) -> int:
        return sum(len(group.orders) for group in self.groups)


def clean_query(raw: str | None) -> str:
    """The query as searched: trimmed; refused when empty or longer than ``MAX_QUERY``."""
    query = " ".join((raw or "").split())
    if not query:
        raise ValidationError(_("Type what to search for: an order number, a customer, "
                                "a customer's PO number or a product."), field="q")
    if len(query) > MAX_QUERY:
        raise ValidationError(_("The search is too long: at most %(max)s characters.", max=MAX_QUERY), field="q")
    return query


def search(user: User, raw: str | None) -> SearchResults:
    """The orders ``user`` may see that match the query, grouped by the field that matched."""
    query = clean_query(raw)
    groups = []
    for field, condition in _conditions(user, query).items():
        orders = list(db.session.execute(
            _newest(visible_orders(user).where(condition)).limit(PER_GROUP + 1)).unique().scalars())
        if orders:
            groups.append(Group(field, orders[:PER_GROUP], more=len(orders) > PER_GROUP))
    return SearchResults(query, groups)


def _conditions(user: User, query: str) -> dict[Field, ColumnElement[bool]]:
    def like(column) -> ColumnElement[bool]:
        return column.icontains(query, autoescape=True)

    number = like(Order.number)
    draft = DRAFT_NUMBER.fullmatch(query)
    if draft:  # drafts have no number yet: "#12" finds draft 12
        number = or_(number, and_(Order.number.is_(None), Order.id == int(draft.group(1))))
    customers = select(Customer.id).where(Customer.company_id == user.company_id,
                                          or_(like(Customer.code), like(Customer.name)))
    products = exists().where(
        OrderLine.order_id == Order.id, OrderLine.product_id == Product.id,
        Product.company_id == user.company_id, or_(like(Product.code), like(Product.name)))
    return {
        Field.NUMBER: number,
        Field.CUSTOMER_REFERENCE: like(Order.customer_reference),
        Field.CUSTOMER: Order.customer_id.in_(customers),
        Field.PRODUCT: products,
    }


def _newest(query: Select[Order]) -> Select[Order]:
    return query.order_by(Order.created_at.desc(), Order.id.desc())
