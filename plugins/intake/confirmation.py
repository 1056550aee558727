"""The order confirmation to the customer: emailed through the outbox when the order is submitted.

The email carries the confirmation PDF as a reference to the order's document at
its revision; the outbox sender renders and stores it once (core.documents) and
attaches the stored bytes, so a submission renders nothing. The email
(``intake/confirmation_email.txt``) and the document are in the customer's
language. A customer without an email address gets none; the order's history says so.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, outbox
from core.extensions import db
from core.models import Company, Order, OutboxAttachment, OutboxMessage

KIND = "intake.confirmation"
DOCUMENT = "confirmation"


def already_queued(order: Order) -> bool:
    """Whether the confirmation of the order's current revision is queued or sent already."""
    return db.session.execute(
        select(OutboxMessage.id).join(OutboxAttachment, OutboxAttachment.message_id == OutboxMessage.id)
        .where(OutboxMessage.order_id == order.id, OutboxMessage.kind == KIND,
               OutboxAttachment.revision == order.revision).limit(1)
    ).first() is not None


def send_confirmation(order: Order) -> OutboxMessage | None:
    """Queue the confirmation email of a submitted order, once per revision; note it when the customer has no email."""
    if already_queued(order):
        return None
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                     action="confirmation_not_sent", actor=None,
                     note=_("customer %(name)s has no email address: no confirmation was emailed",
                            name=order.customer.name))
        return None
    return outbox.send_email(
        "intake/confirmation_email.txt", recipient, company_id=order.company_id, order_id=order.id, kind=KIND,
        attachments=[outbox.DocumentRef(order, DOCUMENT, f"{DOCUMENT}-{order.display_number}.pdf")],
        order=order, company=db.session.get_one(Company, order.company_id))
