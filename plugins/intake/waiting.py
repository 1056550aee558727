"""Drafts waiting for the customer: incomplete or doubtful data goes back to the customer, not guessed.

The clerk marks a draft as waiting with what is missing (typed, kept as typed),
optionally emailing the customer through the outbox. It stays in the clerk's
inbox with its age until answered: the clerk marks it answered, or edits the
draft with the customer's answer.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, outbox
from core.db import flush
from core.errors import TransitionError, ValidationError
from core.extensions import db
from core.models import Company, Order, OrderStatus, User, utcnow
from plugins.intake.models import IntakeWaiting

MAX_MISSING = 2000


def open_wait(order: Order) -> IntakeWaiting | None:
    """The draft's unanswered question to the customer, if any."""
    return db.session.execute(select(IntakeWaiting).where(
        IntakeWaiting.order_id == order.id, IntakeWaiting.answered_at.is_(None))).scalar_one_or_none()


def waits_for(order_ids: list[int]) -> dict[int, IntakeWaiting]:
    """The open waits of these orders, by order id (one query for the inbox)."""
    if not order_ids:
        return {}
    rows = db.session.execute(select(IntakeWaiting).where(
        IntakeWaiting.order_id.in_(order_ids), IntakeWaiting.answered_at.is_(None))).scalars()
    return {row.order_id: row for row in rows}


def mark_waiting(order: Order, missing: str, actor: User, *, email: bool = False) -> IntakeWaiting:
    """Send the draft back to the customer for what is ``missing``; email them when asked."""
    if order.status != OrderStatus.DRAFT:
        raise TransitionError(_("order %(number)s is %(status)s; only a draft can wait for the customer",
                                number=order.display_number, status=order.status.value))
    text = (missing or "").strip()
    if not text:
        raise ValidationError(_("say what is missing or doubtful, for the customer to answer"), field="missing")
    if len(text) > MAX_MISSING:
        raise ValidationError(_("what is missing is too long (at most %(max)s characters)", max=MAX_MISSING),
                              field="missing")
    if open_wait(order) is not None:
        raise TransitionError(_("order %(number)s is already waiting for the customer", number=order.display_number))
    recipient = outbox.to_customer(order.customer) if email else None
    if email and recipient is None:
        raise ValidationError(_("customer %(name)s has no email address; call them instead",
                                name=order.customer.name), field="email")
    wait = IntakeWaiting(company_id=order.company_id, order_id=order.id, missing=text, by_id=actor.id,
                         emailed_to=recipient.address if recipient else None, since=utcnow())
    db.session.add(wait)
    if recipient:
        outbox.send_email("intake/waiting_email.txt", recipient, company_id=order.company_id, order_id=order.id,
                          kind="intake.waiting", order=order, missing=text,
                          company=db.session.get_one(Company, order.company_id))
    flush()
    audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                 action="waiting_for_customer", actor=actor,
                 after={"missing": text, "emailed_to": wait.emailed_to})
    return wait


def mark_answered(order: Order, actor: User) -> IntakeWaiting | None:
    """The customer answered: the draft is back in the clerk's hands. Nothing to do when it was not waiting."""
    wait = open_wait(order)
    if wait is None:
        return None
    wait.answered_at, wait.answered_by_id = utcnow(), actor.id
    flush()
    audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                 action="customer_answered", actor=actor)
    return wait
