"""What the customer's account page and the API read of collection: the notices sent (what and when), the
promises, the follow-ups and the hold; and the customer's invoice a promise or a follow-up names. Reads only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core.db import page_of
from core.errors import NotFound
from core.extensions import db
from core.keyset import Keyset, Kind
from core.models import Customer, Order, User
from plugins.billing.collection.follow_ups import follow_ups_of
from plugins.billing.collection.hold import active_hold
from plugins.billing.collection.models import CreditHold, DunningNotice, FollowUp, PaymentPromise
from plugins.billing.collection.promises import promises_of
from plugins.billing.invoices.models import Invoice

LISTED = 50
NEWEST_NOTICES_FIRST = Keyset(DunningNotice.id, DunningNotice.sent_at, Kind.DATETIME, descending=True)


@dataclass
class Collection:
    notices: list[DunningNotice]
    promises: list[PaymentPromise]
    follow_ups: list[FollowUp]
    hold: CreditHold | None


def notices_of(customer_id: int, limit: int = LISTED) -> list[DunningNotice]:
    """The customer's notices, newest first, each with its invoice: one query."""
    return list(db.session.execute(
        select(DunningNotice).where(DunningNotice.customer_id == customer_id)
        .order_by(DunningNotice.sent_at.desc(), DunningNotice.id.desc()).limit(limit)).unique().scalars())


def search_notices(user: User, *, customer_id: int | None = None, invoice_id: int | None = None,
                   page: int | None = None, per_page: int = 25, cursor: str | None = None) -> dict[str, Any]:
    """A page of the company's notices, newest first (``core.db.page_of``)."""
    query = select(DunningNotice).where(DunningNotice.company_id == user.company_id)
    if customer_id is not None:
        query = query.where(DunningNotice.customer_id == customer_id)
    if invoice_id is not None:
        query = query.where(DunningNotice.invoice_id == invoice_id)
    return page_of(query, NEWEST_NOTICES_FIRST, page=page, per_page=per_page, cursor=cursor)


def customer_collection(customer: Customer) -> Collection:
    """Everything of collection the account page shows: four queries, however much there is."""
    return Collection(notices_of(customer.id), promises_of(customer), follow_ups_of(customer),
                      active_hold(customer.id))


def customer_invoice(customer: Customer, invoice_id: int | None) -> Invoice | None:
    """The customer's invoice ``invoice_id`` names (None: none named); another's is NotFound."""
    if invoice_id is None:
        return None
    invoice = db.session.execute(
        select(Invoice).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.id == invoice_id, Order.customer_id == customer.id)).scalar_one_or_none()
    if invoice is None:
        raise NotFound(_("invoice %(id)s does not exist", id=invoice_id), field="invoice_id")
    return invoice


def staff_customer(user: User, customer_id: int) -> Customer:
    """A customer of the user's company (staff only)."""
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.company_id != user.company_id or user.customer_id is not None:
        raise NotFound(_("customer %(id)s does not exist", id=customer_id), field="customer_id")
    return customer
