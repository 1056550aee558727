"""What the customer is told when a change to their order applies: an email through the outbox, from a template."""
from __future__ import annotations

from core import outbox
from core.extensions import db
from core.models import Company
from plugins.review.change_models import ChangeRequest


def tell_customer(record: ChangeRequest) -> None:
    """Email the customer the applied change's impact on price and delivery date, and ask them to acknowledge it."""
    order = record.order
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        return
    outbox.send_email("review/change_applied_email.txt", recipient, company_id=order.company_id,
                      kind="change_applied", order_id=order.id, change=record, order=order,
                      company=db.session.get_one(Company, order.company_id))
