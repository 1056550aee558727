"""Follow-ups and the overdue lists: what sales did to collect (called, emailed, visited, and the outcome),
and which customers owe overdue invoices, for each salesperson (their customers: the orders they entered)
and for finance (all). Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, case, func, select, true

from core import audit
from core.errors import ValidationError
from core.extensions import db
from core.models import Customer, Order, User
from core.orders import money
from plugins.billing.collection.models import FollowUp, FollowUpKind
from plugins.billing.collection.promises import invoice_owed
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.ledger import ZERO, outstanding_on_invoice

FOLLOW_UP = "billing.collection.follow_up"
SEE_ALL = "billing.payment.record"  # finance: every customer's overdue invoices
OUTCOME_MAX = 2000


def log_follow_up(customer: Customer, *, kind: FollowUpKind, outcome: str | None, actor: User,
                  invoice: Invoice | None = None) -> FollowUp:
    """Record what the salesperson did; an empty outcome, or an invoice that owes nothing, is refused."""
    text = (outcome or "").strip()
    if not text:
        raise ValidationError(_("say what came of it"), field="outcome")
    if len(text) > OUTCOME_MAX:
        raise ValidationError(_("at most %(count)s characters", count=OUTCOME_MAX), field="outcome")
    if invoice is not None and invoice_owed([invoice.id]).get(invoice.id, ZERO) <= ZERO:
        raise ValidationError(_("invoice %(number)s owes nothing: there is nothing to follow up",
                                number=invoice.number), field="invoice_id")
    row = FollowUp(company_id=customer.company_id, customer_id=customer.id, kind=kind, outcome=text,
                   by_id=actor.id, invoice_id=invoice.id if invoice is not None else None)
    db.session.add(row)
    db.session.flush()
    audit.record(company_id=customer.company_id, entity="customer", entity_id=customer.id,
                 action="follow_up_logged", actor=actor,
                 after={"kind": kind.value, "invoice": invoice.number if invoice is not None else None})
    return row


def follow_ups_of(customer: Customer) -> list[FollowUp]:
    """The customer's latest follow-ups, newest first: one query."""
    return list(db.session.execute(
        select(FollowUp).where(FollowUp.customer_id == customer.id)
        .order_by(FollowUp.at.desc(), FollowUp.id.desc()).limit(50)).unique().scalars())


# --- the overdue lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueCustomer:
    """A customer with overdue invoices: how many, what they owe on them, and the oldest due date."""

    customer_id: int
    customer_name: str
    count: int
    owed: Decimal
    oldest_due: date

    def days(self, today: date) -> int:
        return (today - self.oldest_due).days


def _mine(user: User) -> ColumnElement[bool]:
    """Finance sees every customer's overdue invoices; a salesperson those of the orders they entered."""
    return true() if user.can(SEE_ALL) else Order.created_by_id == user.id


def _overdue(user: User, today: date) -> Select:
    return (select(Order.customer_id).select_from(Invoice).join(Order, Order.id == Invoice.order_id)
            .where(Invoice.company_id == user.company_id, Invoice.status == InvoiceStatus.ISSUED,
                   Invoice.due_date < today, outstanding_on_invoice() > ZERO, _mine(user)))


def may_chase(user: User) -> bool:
    return user.customer_id is None and user.can(FOLLOW_UP)


def count_overdue_customers(user: User, today: date, late_before: date) -> tuple[int, int]:
    """How many customers ``overdue_customers`` lists as of ``today``, and of how many the oldest due date
    is before ``late_before`` (some invoice of theirs is): one aggregate query."""
    late = case((Invoice.due_date < late_before, Order.customer_id))
    total, late_ones = db.session.execute(_overdue(user, today).with_only_columns(
        func.count(Order.customer_id.distinct()), func.count(late.distinct()))).one()
    return total, late_ones


def overdue_customers(user: User, today: date, limit: int | None) -> list[OverdueCustomer]:
    """The customers with overdue invoices the user chases, oldest due first: one query."""
    query = (_overdue(user, today).join(Customer, Customer.id == Order.customer_id)
             .with_only_columns(Order.customer_id, Customer.name, func.count(Invoice.id),
                                func.sum(outstanding_on_invoice()), func.min(Invoice.due_date))
             .group_by(Order.customer_id, Customer.name)
             .order_by(func.min(Invoice.due_date), Order.customer_id))
    if limit is not None:
        query = query.limit(limit)
    return [OverdueCustomer(customer_id, name, count, money(Decimal(str(owed))), _as_date(oldest))
            for customer_id, name, count, owed, oldest in db.session.execute(query)]


def _as_date(value: date | str) -> date:
    """SQLite answers MIN of a date column as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value

