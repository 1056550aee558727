"""Promises to pay: the customer promises an amount by a date, for one invoice or for their account.

An open promise pauses the dunning of what it covers until its date
(``dunning.paused``). The first run after the date settles it: kept when what
it covers now owes at least ``amount`` less than when it was made, broken
otherwise; a broken promise resumes the dunning and the salesperson who took
it is told: a task in their inbox until they log a follow-up with the
customer (``broken_to_follow_up``), and an email when they have an address.
Nothing here commits.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select

from core import audit, outbox
from core.contracts import PaymentPromised, PromiseSettled
from core.errors import ValidationError
from core.extensions import db
from core.models import Company, Customer, Order, User
from core.modules import hooks_for_company
from core.orders import money
from plugins.billing.collection.models import FollowUp, PaymentPromise, PromiseStatus
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.ledger import ZERO, outstanding_on_invoice

NOTE_MAX = 1000
BROKEN_TEMPLATE = "billing/collection/promise_broken_email.txt"


def invoice_owed(invoice_ids: list[int]) -> dict[int, Decimal]:
    """What each issued invoice still owes (paid, cancelled or credited: nothing): one query."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(select(Invoice.id, outstanding_on_invoice()).join(Order, Order.id == Invoice.order_id)
                              .where(Invoice.id.in_(invoice_ids), Invoice.status == InvoiceStatus.ISSUED))
    return {invoice_id: owed for invoice_id, owed in rows}


def customer_owed(company_id: int, customer_ids: list[int]) -> dict[int, Decimal]:
    """What each customer owes on their issued invoices: one aggregate query."""
    if not customer_ids:
        return {}
    rows = db.session.execute(
        select(Order.customer_id, func.sum(outstanding_on_invoice())).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.company_id == company_id, Order.customer_id.in_(customer_ids),
               Invoice.status == InvoiceStatus.ISSUED).group_by(Order.customer_id))
    return {customer_id: money(Decimal(str(owed or 0))) for customer_id, owed in rows}


def make_promise(customer: Customer, *, amount: Decimal, promised_for: date, actor: User,
                 invoice: Invoice | None = None, note: str | None = None) -> PaymentPromise:
    """Record the customer's promise; a date already past, an amount over what is open (on the invoice, or
    on the account) or a paid invoice are refused naming the field."""
    company = db.session.get_one(Company, customer.company_id)
    if promised_for < company.today():
        raise ValidationError(_("the promised date has passed; give today or a later day"), field="promised_for")
    if amount <= ZERO:
        raise ValidationError(_("the amount must be more than zero"), field="amount")
    if invoice is not None:
        owed = invoice_owed([invoice.id]).get(invoice.id, ZERO)
        if owed <= ZERO:
            raise ValidationError(_("invoice %(number)s owes nothing", number=invoice.number), field="invoice_id")
    else:
        owed = customer_owed(customer.company_id, [customer.id]).get(customer.id, ZERO)
        if owed <= ZERO:
            raise ValidationError(_("%(customer)s owes nothing", customer=customer.name), field="customer_id")
    if amount > owed:
        raise ValidationError(_("the amount is more than what is open"), field="amount")
    text = (note or "").strip() or None
    if text is not None and len(text) > NOTE_MAX:
        raise ValidationError(_("at most %(count)s characters", count=NOTE_MAX), field="note")
    promise = PaymentPromise(company_id=customer.company_id, customer_id=customer.id,
                             invoice_id=invoice.id if invoice is not None else None, amount=amount,
                             currency=company.currency, promised_for=promised_for, owed_at_promise=owed, note=text,
                             made_by_id=actor.id, status=PromiseStatus.OPEN)
    db.session.add(promise)
    db.session.flush()
    promised = PaymentPromised(promise_id=promise.id, customer_id=customer.id, amount=amount,
                               currency=promise.currency, promised_for=promised_for, made_by_id=actor.id,
                               made_at=promise.made_at, invoice_number=invoice.number if invoice is not None else None,
                               order_id=invoice.order_id if invoice is not None else None)
    audit.record(company_id=customer.company_id, entity="customer", entity_id=customer.id,
                 order_id=invoice.order_id if invoice is not None else None, action="payment_promised", actor=actor,
                 after={"promise": promise.id, "invoice": invoice.number if invoice is not None else None,
                        "amount": str(amount), "promised_for": promised_for.isoformat(),
                        PaymentPromised.hook: promised.as_record()})
    # The customer's, not an order's: the plugins switched on for the company hear of it.
    hooks_for_company(company.id).payment_promised(company=company, promise=promised)
    return promise


def settle_due(company: Company, today: date, at: datetime) -> tuple[int, int]:
    """Settle the open promises dated before ``today``: how many were kept and how many broken."""
    due = list(db.session.execute(
        select(PaymentPromise).where(PaymentPromise.company_id == company.id,
                                     PaymentPromise.status == PromiseStatus.OPEN,
                                     PaymentPromise.promised_for < today)
        .order_by(PaymentPromise.id).with_for_update(of=PaymentPromise)).unique().scalars())
    if not due:
        return 0, 0
    by_invoice = invoice_owed([p.invoice_id for p in due if p.invoice_id is not None])
    by_customer = customer_owed(company.id, [p.customer_id for p in due if p.invoice_id is None])
    kept = broken = 0
    settled = []
    for promise in due:
        owed = (by_invoice.get(promise.invoice_id, ZERO) if promise.invoice_id is not None
                else by_customer.get(promise.customer_id, ZERO))
        promise.settled_at = at
        if owed <= ZERO or owed <= promise.owed_at_promise - promise.amount:
            promise.status = PromiseStatus.KEPT
            kept += 1
        else:
            promise.status = PromiseStatus.BROKEN
            broken += 1
            _tell_salesperson(promise, company, owed)
        settled.append(PromiseSettled(
            promise_id=promise.id, customer_id=promise.customer_id, kept=promise.status == PromiseStatus.KEPT,
            amount=promise.amount, currency=promise.currency, promised_for=promise.promised_for, owed=owed,
            made_by_id=promise.made_by_id, settled_at=at,
            order_id=promise.invoice.order_id if promise.invoice is not None else None))
        audit.record(company_id=company.id, entity="customer", entity_id=promise.customer_id,
                     order_id=settled[-1].order_id, action=f"payment_promise_{promise.status.value}", actor=None,
                     after={"promise": promise.id, "owed": str(owed), PromiseSettled.hook: settled[-1].as_record()})
    # The customer's, not an order's: the plugins switched on for the company hear of them, once for the run.
    hooks_for_company(company.id).payment_promises_settled(company=company, promises=tuple(settled))
    return kept, broken


def _tell_salesperson(promise: PaymentPromise, company: Company, owed: Decimal) -> None:
    recipient = outbox.to_user(promise.made_by)
    if recipient is None:
        return
    invoice = db.session.get(Invoice, promise.invoice_id) if promise.invoice_id is not None else None
    outbox.send_email(BROKEN_TEMPLATE, recipient, company_id=company.id, kind="payment_promise_broken",
                      promise=promise, customer=promise.customer, invoice=invoice, owed=owed, company=company)


def promises_of(customer: Customer) -> list[PaymentPromise]:
    """The customer's promises, newest first: one query."""
    return list(db.session.execute(
        select(PaymentPromise).where(PaymentPromise.customer_id == customer.id)
        .order_by(PaymentPromise.made_at.desc(), PaymentPromise.id.desc()).limit(50)).unique().scalars())


def broken_to_follow_up(user: User) -> Select:
    """The broken promises the user took that no follow-up with the customer answered since, oldest first."""
    answered = select(FollowUp.id).where(FollowUp.customer_id == PaymentPromise.customer_id,
                                         FollowUp.at >= PaymentPromise.settled_at).exists()
    return (select(PaymentPromise).where(PaymentPromise.company_id == user.company_id,
                                         PaymentPromise.made_by_id == user.id,
                                         PaymentPromise.status == PromiseStatus.BROKEN, ~answered)
            .order_by(PaymentPromise.settled_at, PaymentPromise.id))


def count_broken(user: User, late_before: date) -> tuple[int, int]:
    """How many ``broken_to_follow_up`` lists, and how many were promised before ``late_before``: one
    aggregate query."""
    inner = (broken_to_follow_up(user).order_by(None)
             .with_only_columns(PaymentPromise.id, PaymentPromise.promised_for).subquery())
    total, late = db.session.execute(select(func.count(), func.count(case((inner.c.promised_for < late_before, 1))))
                                     .select_from(inner)).one()
    return total, late


def broken(user: User, limit: int | None) -> list[PaymentPromise]:
    query = broken_to_follow_up(user)
    return list(db.session.execute(query.limit(limit) if limit is not None else query).unique().scalars())
