"""What the customer is told when a change to their order applies: an email through the outbox, from a template."""
from __future__ import annotations

from flask import render_template

from core import outbox
from plugins.review.change_models import ChangeRequest


def tell_customer(record: ChangeRequest) -> None:
    """Email the customer the applied change's impact on price and delivery date, and ask them to acknowledge it."""
    order = record.order
    email = order.customer.email
    if not email:
        return
    rendered = render_template("review/change_applied_email.txt", change=record, order=order)
    subject, _, body = rendered.strip().partition("\n")
    outbox.enqueue(company_id=order.company_id, recipient=email, subject=subject.strip(), body=body.strip(),
                   kind="change_applied", order_id=order.id)
