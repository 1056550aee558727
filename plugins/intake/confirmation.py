"""The order confirmation to the customer: emailed through the outbox when the order is submitted.

The email carries the confirmation PDF as a reference to the order's document at
its revision; the outbox sender renders and stores it once (core.documents) and
attaches the stored bytes, so a submission renders nothing. The email is in the
company's language (the configured default, zh_CN). A customer without an email
address gets none; the order's history says so.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
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
    recipient = (order.customer.email or "").strip()
    if not recipient:
        audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                     action="confirmation_not_sent", actor=None,
                     note=_("customer %(name)s has no email address: no confirmation was emailed",
                            name=order.customer.name))
        return None
    company = db.session.get_one(Company, order.company_id)
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject = _("%(company)s: confirmation of your order %(number)s", company=company.name,
                    number=order.display_number)
        body = "\n\n".join([
            _("Dear %(contact)s,", contact=order.contact or order.customer.name),
            _("thank you for your order. We have received it as order %(number)s; "
              "the order confirmation is attached.", number=order.display_number),
            _("Please check it and tell us at once if anything is not as you ordered."),
            company.name,
        ])
    return outbox.enqueue(
        company_id=order.company_id, order_id=order.id, recipient=recipient, kind=KIND, subject=subject, body=body,
        attachments=[outbox.DocumentRef(order, DOCUMENT, f"{DOCUMENT}-{order.display_number}.pdf", locale)])
