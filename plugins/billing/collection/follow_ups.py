"""Follow-ups and the overdue lists: what sales did to collect (called, emailed, visited, and the outcome),
and which customers owe overdue invoices, for each salesperson (their customers: the orders they entered)
and for finance (all). Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select, true

from core import audit
from core.errors import ValidationError
from core.extensions import db
from core.models import Customer, User
from core.orders import money
from plugins.billing.collection.models import FollowUp, FollowUpKind
from plugins.billing.collection.promises import invoice_owed
from plugins.billing.invoices.models import Invoice
from plugins.billing.payments.ledger import ZERO
from plugins.billing.receivables.models import OpenItemEntry

FOLLOW_UP = "billing.collection.follow_up"
SEE_ALL = "billing.payment.record"  # finance: every customer's overdue invoices
OUTCOME_MAX = 2000
FIRST_ROWS_BATCH = 200  # overdue rows fetched at a time while looking for the first customers


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


def _overdue(user: User, today: date) -> Select:
    """The rows of the open-items ledger of the invoices overdue at ``today`` that still owe (an invoice's rows
    carry no ``settled_on`` while they sum to something owed), of the customers the user chases: finance
    every customer's, a salesperson those of the orders they entered (the ledger's ``salesperson_id``).

    Read by ``ix_billing_open_item_overdue`` (billing_0013) as one range, the overdue open rows alone in due
    date order, from the index only; the ledger is kept equal to each invoice's balance
    (``open_items.differences`` finds none)."""
    mine = true() if user.can(SEE_ALL) else OpenItemEntry.salesperson_id == user.id
    return select(OpenItemEntry.customer_id).where(
        OpenItemEntry.company_id == user.company_id, OpenItemEntry.settled_on.is_(None),
        OpenItemEntry.due_date < today, mine)


def may_chase(user: User) -> bool:
    return user.customer_id is None and user.can(FOLLOW_UP)


def count_overdue_customers(user: User, today: date, late_before: date) -> tuple[int, int]:
    """How many customers ``overdue_customers`` lists as of ``today``, and of how many the oldest due date
    is before ``late_before`` (some invoice of theirs is): one aggregate query."""
    late = case((OpenItemEntry.due_date < late_before, OpenItemEntry.customer_id))
    total, late_ones = db.session.execute(_overdue(user, today).with_only_columns(
        func.count(OpenItemEntry.customer_id.distinct()), func.count(late.distinct()))).one()
    return total, late_ones


def overdue_customers(user: User, today: date, limit: int | None) -> list[OverdueCustomer]:
    """The customers with overdue invoices the user chases, oldest due first, each with the count of their
    overdue invoices and what they owe on them, summed from the ledger's overdue open rows.

    With a ``limit`` (the inbox's page), two statements whatever the number of overdue customers: the first
    ``limit`` customers, read off ``ix_billing_open_item_overdue`` in (due date, customer) order until that
    many have turned up, then their sums over their own open rows (``ix_billing_open_item_customer_open``).
    A customer's first row in that order is their oldest due date, so they come oldest due first, ties by
    id, as the aggregate over every overdue customer sorts them (without a limit, one statement)."""
    overdue = _overdue(user, today)
    if limit is not None:
        first = _first_customers(overdue, limit)
        if not first:
            return []
        overdue = overdue.where(OpenItemEntry.customer_id.in_(first))
    per_customer = (overdue
                    .with_only_columns(OpenItemEntry.customer_id, func.count(OpenItemEntry.invoice_id.distinct())
                                       .label("invoices"), func.sum(OpenItemEntry.amount).label("owed"),
                                       func.min(OpenItemEntry.due_date).label("oldest"))
                    .group_by(OpenItemEntry.customer_id).subquery())
    query = (select(per_customer.c.customer_id, Customer.name, per_customer.c.invoices, per_customer.c.owed,
                    per_customer.c.oldest)
             .join(Customer, Customer.id == per_customer.c.customer_id)
             .order_by(per_customer.c.oldest, per_customer.c.customer_id))
    return [OverdueCustomer(customer_id, name, count, money(Decimal(str(owed))), _as_date(oldest))
            for customer_id, name, count, owed, oldest in db.session.execute(query)]


def _first_customers(overdue: Select, limit: int) -> list[int]:
    """The first ``limit`` customers of the overdue rows in (due date, customer) order: the rows fetched a
    batch at a time, and no more once that many customers have turned up (a customer owing many invoices
    repeats, so the rows read are those of the oldest due days, not every overdue row)."""
    found: dict[int, None] = {}
    result = db.session.execute(overdue.order_by(OpenItemEntry.due_date, OpenItemEntry.customer_id)
                                .execution_options(yield_per=FIRST_ROWS_BATCH))
    try:
        for customer_id in result.scalars():
            found.setdefault(customer_id)
            if len(found) == limit:
                break
    finally:
        result.close()
    return list(found)


def _as_date(value: date | str) -> date:
    """SQLite answers MIN of a date column as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value

