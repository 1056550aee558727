"""Helpers of the collection tests: an invoice falling due on a day, a dunning run as the CLI runs it, what
it sent."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update

from core.db import commit
from core.extensions import db
from core.models import Company, Order, OutboxAttachment, OutboxMessage
from plugins.billing.collection import dunning
from plugins.billing.collection.models import DunningNotice
from plugins.billing.invoices.models import Invoice
from plugins.billing.receivables.models import OpenItemEntry


def falls_due(order: Order, day: date) -> Order:
    """The order's invoice falls (fell) due on ``day``: the invoice and its open items, which carry it too
    (billing never moves a due date after issue; the tests' way to make it overdue without waiting)."""
    db.session.execute(update(Invoice).where(Invoice.order_id == order.id).values(due_date=day))
    db.session.execute(update(OpenItemEntry).where(OpenItemEntry.order_id == order.id).values(due_date=day))
    commit()
    return order


def invoice_of(order: Order) -> Invoice:
    return db.session.execute(select(Invoice).where(Invoice.order_id == order.id)
                              .order_by(Invoice.version.desc()).limit(1)).scalar_one()


def dun(company: Company, as_of: datetime, *, dry_run: bool = False) -> dunning.Outcome:
    outcome = dunning.run_dunning(db.session.get_one(Company, company.id), as_of, dry_run=dry_run)
    commit()
    return outcome


def notices() -> list[tuple[int, int]]:
    """Every notice as (invoice id, level), in the order they were made."""
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        select(DunningNotice.invoice_id, DunningNotice.level).order_by(DunningNotice.id))]


def dunning_emails() -> list[OutboxMessage]:
    return list(db.session.execute(select(OutboxMessage).where(OutboxMessage.kind.like("dunning_%"))
                                   .order_by(OutboxMessage.id)).scalars())


def attached_orders(message: OutboxMessage) -> list[tuple[int, str]]:
    """What a message attaches: (order id, document kind) of each attachment."""
    return [tuple(row) for row in db.session.execute(
        select(OutboxAttachment.order_id, OutboxAttachment.document_kind)
        .where(OutboxAttachment.message_id == message.id).order_by(OutboxAttachment.id))]
