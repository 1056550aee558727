"""Recording payments and allocating them, customer credit, reversal, the prepayment gate, and the
payments waiting in finance's inbox.

A payment is recorded here, allocated to invoices (``allocations`` says what
each still owes and suggests the oldest due first), and confirmed to the other
stages through ``core.orders.events.record_payment`` once per order it pays; the
core completes a delivered order once it is paid in full. What a payment leaves
unallocated is the customer's credit: it is applied automatically to the next
invoice issued to the customer (``apply_credit``, from billing's hooks). A wrong
payment is reversed with a reason, never deleted. Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, func, insert, inspect, literal, or_, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from core import audit, formatting
from core.auth.context import VIEW_PRICES, check
from core.contracts import Gate, Payment as PaymentEvent, PaymentReversal, Stage
from core.db import flush
from core.errors import Conflict, NotFound, TransitionError, ValidationError
from core.extensions import db
from core.figures import MONEY
from core.labels import label
from core.models import Company, Customer, Order, OrderStatus, PaymentTerms, User, utcnow
from core.modules import order_has_stage, pinned
from core.orders import events, money
from core.orders.queries import visible_orders
from plugins.billing.dates import END_OF_DAY, company_zone, end_of_day
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.invoices.credit_notes import credited_on
from plugins.billing.invoices.services import invoice_for, mark_paid, reopen
from plugins.billing.payments.allocations import (
    CLOSED, PAYABLE, allocated_on, credit_payments, invoices_by_id, open_invoices, owed_on, suggest,
)
from plugins.billing.payments.ledger import (
    HALF_CENT, UNSETTLED, ZERO, balance, credited_on_order, credited_total, credited_totals, outstanding, owing,
    paid_on, paid_totals, paid_with,
)
from plugins.billing.receivables import open_items
from plugins.billing.receivables.models import EntryKind
from plugins.billing.payments.models import BillingPayment, PaymentAllocation, PaymentMethod, PrepaymentShare

LARGEST_AMOUNT = MONEY.largest
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of the payer's bank and ours differ a little
REASON_MAX = 500
HUNDRED = Decimal("100")
# What a payment reads again of its order under the customer's lock: the row, not the relationships.
ORDER_COLUMNS = [attribute.key for attribute in inspect(Order).column_attrs]


# --- checking what was entered -------------------------------------------------------


def _valid_amount(amount: Any, field: str = "amount") -> Decimal:
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("enter the amount as a number, for example 1250.00"), field=field) from None
    if not value.is_finite():
        raise ValidationError(_("enter the amount as a number, for example 1250.00"), field=field)
    if value <= 0:
        raise ValidationError(_("the amount must be greater than zero"), field=field)
    if value > LARGEST_AMOUNT:
        raise ValidationError(_("the amount is too large"), field=field)
    exponent = value.normalize().as_tuple().exponent  # an int, since the value is finite
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError(_("the amount has at most two decimal places"), field=field)
    return money(value)


def _valid_received_at(received_at: datetime | None) -> datetime:
    now = utcnow()
    if received_at is None:
        return now
    if not isinstance(received_at, datetime) or received_at.tzinfo is None:
        raise ValidationError(_("give the time the money was received with its time zone"),
                              field="received_at")
    if received_at > now + FUTURE_TOLERANCE:
        raise ValidationError(_("a payment cannot be received in the future"), field="received_at")
    return received_at


def _valid_method(method: PaymentMethod | str) -> PaymentMethod:
    try:
        return PaymentMethod(method)
    except ValueError:
        allowed = ", ".join(m.value for m in PaymentMethod)
        raise ValidationError(_("the method must be one of %(allowed)s", allowed=allowed),
                              field="method") from None


def _valid_reference(reference: str | None) -> str | None:
    reference = (reference or "").strip() or None
    if reference is not None and len(reference) > 120:
        raise ValidationError(_("the reference has at most 120 characters"), field="reference")
    return reference


# --- recording a payment -------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """What a payment asks to pay of one invoice: the ``index`` of the allocation as sent (None: the
    suggestion's), to name the field a refusal is about."""

    invoice_id: int
    amount: Any
    index: int | None = None


def _field(share: Share, name: str) -> str:
    return f"allocations[{share.index}].{name}" if share.index is not None else "amount"


def _lock(customer: Customer) -> None:
    """Hold the customer's row: two payments of one customer cannot both fit the same balances."""
    db.session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())


def _refuse_second_confirmation(customer: Customer, value: Decimal, received_at: datetime,
                                reference: str | None) -> None:
    """A payment already recorded (same reference, or without one the same amount at the same time) is
    not recorded twice: a second confirmation of one prepayment is refused."""
    same = (BillingPayment.reference == reference if reference is not None
            else and_(BillingPayment.reference.is_(None), BillingPayment.amount == value,
                      BillingPayment.received_at == received_at))
    earlier = db.session.execute(select(BillingPayment).where(
        BillingPayment.company_id == customer.company_id, BillingPayment.customer_id == customer.id,
        BillingPayment.reversed_at.is_(None), same).limit(1)
        .options(lazyload(BillingPayment.recorded_by))).scalar_one_or_none()
    if earlier is None:
        return
    raise Conflict(_("this payment was already recorded on %(date)s (%(amount)s %(currency)s, payment "
                     "%(id)s); reverse that one if it was wrong", date=earlier.received_at.date().isoformat(),
                     amount=formatting.money(earlier.amount), currency=earlier.currency, id=earlier.id),
                   field="reference")


def _plan(customer: Customer, value: Decimal, currency: str, shares: list[Share] | None,
          order: Order | None) -> list[tuple[Order, Invoice | None, Decimal]]:
    """What the payment pays: (order, its invoice or None before it is invoiced, amount), checked."""
    if shares is None and order is not None:
        owed = outstanding(order)
        if value > owed:
            raise ValidationError(
                _("the amount %(amount)s is more than the outstanding balance of %(owed)s %(currency)s",
                  amount=formatting.money(value), owed=formatting.money(owed), currency=order.currency),
                field="amount")
        invoice = invoice_for(order)
        return [(order, invoice if invoice is not None and invoice.status not in CLOSED else None, value)]
    if shares is None:
        return [(invoice.order, invoice, share)
                for invoice, share in suggest(value, open_invoices(customer, currency, value))]
    invoices = invoices_by_id(customer.company_id, (share.invoice_id for share in shares))
    left_on = {row.invoice.id: row.owed for row in owed_on(list(invoices.values()))}
    plan: list[tuple[Order, Invoice | None, Decimal]] = []
    total = ZERO
    for share in shares:
        invoice = invoices.get(share.invoice_id)
        if invoice is None or invoice.order.customer_id != customer.id:
            raise ValidationError(_("invoice %(id)s is not an invoice of %(customer)s", id=share.invoice_id,
                                    customer=customer.name), field=_field(share, "invoice_id"))
        if order is not None and invoice.order_id != order.id:
            raise ValidationError(_("invoice %(number)s is not an invoice of order %(order)s",
                                    number=invoice.number, order=order.display_number),
                                  field=_field(share, "invoice_id"))
        if invoice.status in CLOSED:
            raise ValidationError(_("invoice %(number)s is %(status)s; it takes no payment", number=invoice.number,
                                    status=label(invoice.status)), field=_field(share, "invoice_id"))
        if invoice.currency != currency:
            raise ValidationError(_("invoice %(number)s is in %(invoice)s, the payment in %(currency)s",
                                    number=invoice.number, invoice=invoice.currency, currency=currency),
                                  field="currency")
        amount = _valid_amount(share.amount, field=_field(share, "amount"))
        left = left_on.get(invoice.id, ZERO)
        if amount > left:
            raise ValidationError(
                _("%(amount)s is more than the %(owed)s %(currency)s invoice %(number)s still owes",
                  amount=formatting.money(amount), owed=formatting.money(left), currency=currency,
                  number=invoice.number), field=_field(share, "amount"))
        left_on[invoice.id] = left - amount
        total += amount
        plan.append((invoice.order, invoice, amount))
    if total > value:
        raise ValidationError(_("the allocations add up to %(total)s, more than the payment's %(amount)s",
                                total=formatting.money(total), amount=formatting.money(value)),
                              field="allocations")
    return plan


def record_payment(
    order: Order | None = None,
    *,
    amount: Decimal | str,
    received_at: datetime | None = None,
    method: PaymentMethod | str = PaymentMethod.BANK_TRANSFER,
    reference: str | None = None,
    actor: User,
    customer: Customer | None = None,
    currency: str | None = None,
    allocations: list[Share] | None = None,
) -> BillingPayment:
    """Record money received from a customer, allocate it, and confirm it to the other stages.

    For one ``order``: it pays that order, and may not exceed what it still owes.
    For a ``customer``: ``allocations`` say what it pays of which invoice (each at
    most what the invoice still owes, together at most the amount); without them
    the suggestion pays the oldest due first. What no allocation takes is the
    customer's credit, applied to their next invoice. A payment before delivery is
    a prepayment. Each order paid hears ``paid``, saying whether it is now paid in
    full; the core completes a delivered order that is. Only a user who may see
    prices records one: the refusal of too large an amount would tell the balance.
    """
    check(actor, VIEW_PRICES)
    value = _valid_amount(amount)
    received_at = _valid_received_at(received_at)
    method = _valid_method(method)
    reference = _valid_reference(reference)
    if order is not None:
        customer = order.customer
        if not order_has_stage(order, Stage.BILLING):
            raise Conflict(_("order %(number)s was submitted without billing; it settles without payments here",
                             number=order.display_number))
    if customer is None:
        raise ValidationError(_("name the customer who paid"), field="customer_id")
    currency = _valid_currency(currency, order.currency if order is not None else None, actor)
    _lock(customer)
    if order is not None:
        # Its row as the lock leaves it (status, totals, version), not its lines and modules, which a payment
        # does not change.
        db.session.refresh(order, ORDER_COLUMNS)
        if order.status not in PAYABLE:
            raise TransitionError(_("order %(number)s is %(status)s; it cannot take a payment",
                                    number=order.display_number, status=label(order.status)))
        if order.currency != currency:
            raise ValidationError(_("order %(number)s is in %(order)s, the payment in %(currency)s",
                                    number=order.display_number, order=order.currency, currency=currency),
                                  field="currency")
    _refuse_second_confirmation(customer, value, received_at, reference)
    plan = _plan(customer, value, currency, allocations, order)
    for paid_order, _invoice, _share in plan:
        if paid_order.status not in PAYABLE:
            raise TransitionError(_("order %(number)s is %(status)s; it cannot take a payment",
                                    number=paid_order.display_number, status=label(paid_order.status)))
    orders = {paid_order.id: paid_order for paid_order, _invoice, _share in plan}
    payment = BillingPayment(
        company_id=customer.company_id, customer_id=customer.id, currency=currency,
        order_id=order.id if order is not None else (next(iter(orders)) if len(orders) == 1 else None),
        invoice_id=plan[0][1].id if len(plan) == 1 and plan[0][1] is not None else None,
        amount=value, received_at=received_at, method=method, reference=reference,
        is_prepayment=bool(orders) and all(o.status != OrderStatus.DELIVERED for o in orders.values()),
        recorded_by_id=actor.id, created_at=utcnow(),
    )
    db.session.add(payment)
    flush()
    _allocate(payment, plan, actor, note=reference)
    return payment


def _allocate(payment: BillingPayment, plan: list[tuple[Order, Invoice | None, Decimal]], actor: User | None,
              note: str | None) -> None:
    """Write the allocations in one statement, mark the invoices they settle paid, and fire ``paid`` on
    each order they pay."""
    if not plan:
        return
    now = utcnow()
    added: dict[int, Decimal] = {}
    for paid_order, _invoice, share in plan:
        added[paid_order.id] = added.get(paid_order.id, ZERO) + share
    paid_before = paid_totals(added)  # asked already when the payment was checked against what the orders owe
    # Returned by their INSERT: the payment's allocations as its answer lists them, not read back.
    made = db.session.scalars(insert(PaymentAllocation).returning(PaymentAllocation), [
        {"company_id": payment.company_id, "payment_id": payment.id, "order_id": paid_order.id,
         "invoice_id": invoice.id if invoice is not None else None, "amount": share, "created_at": now}
        for paid_order, invoice, share in plan]).all()
    set_committed_value(payment, "allocations", sorted(made, key=lambda allocation: allocation.id))
    paid_with(paid_before, added)  # what the orders are paid now: not read again
    invoices = [invoice for _order, invoice, _share in plan if invoice is not None]
    for row in owed_on(invoices):
        if row.owed <= ZERO:
            mark_paid(row.invoice, payment.received_at, actor)
    orders: dict[int, tuple[Order, Decimal]] = {}
    for paid_order, _invoice, share in plan:
        before = orders.get(paid_order.id, (paid_order, ZERO))[1]
        orders[paid_order.id] = (paid_order, before + share)
    open_items.post([paid_order for paid_order, _share in orders.values()], EntryKind.PAYMENT, payment.received_at)
    paid = paid_totals(orders)
    credited = credited_totals(orders)
    for paid_order, share in orders.values():
        fully_paid = balance(paid_order, paid.get(paid_order.id, ZERO), credited.get(paid_order.id, ZERO)) <= ZERO
        # The method is a code the timeline labels; the reference was typed and stays as typed.
        events.record_payment(paid_order, PaymentEvent(
            amount=share, received_at=payment.received_at, is_prepayment=paid_order.status != OrderStatus.DELIVERED,
            fully_paid=fully_paid, payment_id=payment.id, method=payment.method.value,
        ), actor=actor, note=note)


def _valid_currency(currency: str | None, default: str | None, actor: User) -> str:
    if currency is None or not str(currency).strip():
        return default or db.session.get_one(Company, actor.company_id).currency
    currency = str(currency).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(_("the currency is a three-letter code, for example CNY"), field="currency")
    return currency


def apply_credit(invoice: Invoice, *, actor: User | None = None) -> Decimal:
    """Apply the customer's credit (what of their payments no allocation takes) to a new invoice, oldest
    payment first, as far as the invoice owes; return what was applied. Called when an invoice is issued."""
    order = invoice.order
    if invoice.status != InvoiceStatus.ISSUED or not order_has_stage(order, Stage.BILLING):
        return ZERO
    credits = credit_payments(order.customer, invoice.currency)
    if not credits:
        return ZERO
    owed = owed_on([invoice])[0].owed
    applied = ZERO
    for payment, rest in credits:
        if owed <= ZERO:
            break
        share = min(rest, owed)
        _allocate(payment, [(order, invoice, share)], actor, note=payment.reference)
        audit.record(company_id=order.company_id, order_id=order.id, entity="payment", entity_id=payment.id,
                     action="credit_applied", actor=actor,
                     after={"amount": str(share), "currency": invoice.currency, "invoice": invoice.number})
        owed -= share
        applied += share
    return applied


def release_cancelled(order: Order) -> Decimal:
    """A cancelled order keeps none of what was paid of it: its allocations are undone, and the money goes
    back to the customer's credit (for their next invoice, or to be paid back). Returns how much."""
    live = list(db.session.execute(select(PaymentAllocation).where(
        PaymentAllocation.order_id == order.id, PaymentAllocation.reversed_at.is_(None))).scalars())
    if not live:
        return ZERO
    now = utcnow()
    for allocation in live:
        allocation.reversed_at = now
    open_items.post([order], EntryKind.REVERSAL)
    released = sum((allocation.amount for allocation in live), ZERO)
    audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                 action="payments_released", actor=None,
                 after={"amount": str(released), "currency": order.currency})
    return released


def release_overpaid(invoice: Invoice) -> Decimal:
    """What payments gave an invoice beyond what it now bills (a credit note took back part of an invoice
    already paid) goes back to the customer's credit: its latest allocations are lowered by that much."""
    allocated = allocated_on([invoice.id]).get(invoice.id, ZERO)
    excess = allocated - (invoice.total - credited_on([invoice.id]).get(invoice.id, ZERO))
    if excess <= ZERO:
        return ZERO
    live = db.session.execute(select(PaymentAllocation).where(
        PaymentAllocation.invoice_id == invoice.id, PaymentAllocation.reversed_at.is_(None))
        .order_by(PaymentAllocation.id.desc())).scalars()
    left = excess
    for allocation in live:
        if left <= ZERO:
            break
        lowered = min(allocation.amount, left)
        allocation.amount -= lowered
        left -= lowered
    open_items.post([invoice.order], EntryKind.REVERSAL)
    audit.record(company_id=invoice.company_id, order_id=invoice.order_id, entity="invoice", entity_id=invoice.id,
                 action="payments_released", actor=None,
                 after={"amount": str(excess), "currency": invoice.currency, "invoice": invoice.number})
    return excess


# --- reversing a wrong payment -------------------------------------------------------------


def get_payment(user: User, payment_id: int) -> BillingPayment:
    """A payment of the user's company; NotFound otherwise."""
    payment = db.session.get(BillingPayment, payment_id)
    if payment is None or payment.company_id != user.company_id:
        raise NotFound(_("payment %(id)s does not exist", id=payment_id))
    return payment


def reverse_payment(payment: BillingPayment, *, reason: str | None, actor: User) -> BillingPayment:
    """Reverse a wrong payment: never deleted, it and its allocations are marked reversed with the reason,
    and what it paid owes again (an invoice it settled is re-opened).

    The core has no event that takes a completion back: a payment that paid an order since completed is
    refused (409), naming the order; correct it with a credit note or a new payment instead.
    """
    check(actor, VIEW_PRICES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("give the reason the payment is reversed"), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(_("the reason has at most %(max)s characters", max=REASON_MAX), field="reason")
    customer = db.session.get_one(Customer, payment.customer_id)
    _lock(customer)
    db.session.refresh(payment)
    if payment.reversed_at is not None:
        raise Conflict(_("payment %(id)s was already reversed", id=payment.id))
    allocations = [allocation for allocation in payment.allocations if allocation.reversed_at is None]
    orders = {order.id: order for order in db.session.execute(
        select(Order).where(Order.id.in_({allocation.order_id for allocation in allocations}))
        .options(lazyload(Order.lines), lazyload(Order.module_rows))).scalars()}
    completed = sorted(order.display_number for order in orders.values() if order.status == OrderStatus.COMPLETED)
    if completed:
        raise Conflict(_("payment %(id)s completed order %(orders)s, and a completed order cannot be re-opened; "
                         "record a credit note or a correcting payment instead", id=payment.id,
                         orders=", ".join(completed)))
    now = utcnow()
    payment.reversed_at, payment.reversed_by_id, payment.reversal_reason = now, actor.id, reason
    for allocation in allocations:
        allocation.reversed_at = now
    flush()
    open_items.post(orders.values(), EntryKind.REVERSAL)
    invoices = invoices_by_id(payment.company_id, {a.invoice_id for a in allocations if a.invoice_id is not None})
    allocated = allocated_on(invoices)
    credited = credited_on(invoices)
    for invoice in invoices.values():
        if (invoice.status == InvoiceStatus.PAID
                and invoice.total - allocated.get(invoice.id, ZERO) - credited.get(invoice.id, ZERO) > ZERO):
            reopen(invoice, actor)
    paid = paid_totals(orders)
    credited = credited_totals(orders)
    for order in orders.values():
        share = sum((a.amount for a in allocations if a.order_id == order.id), ZERO)
        # The core clears what settled the order (delivering it no longer completes it) and audits it.
        events.reverse_payment(order, PaymentReversal(
            amount=share, reversed_at=now, reason=reason, payment_id=payment.id, method=payment.method.value,
            fully_paid=balance(order, paid.get(order.id, ZERO), credited.get(order.id, ZERO)) <= ZERO,
        ), actor=actor)
    if not orders:
        audit.record(company_id=payment.company_id, entity="payment", entity_id=payment.id,
                     action="payment_reversed", actor=actor,
                     after={"amount": str(payment.amount), "currency": payment.currency}, note=reason)
    return payment


# --- execution gate: the prepayment, or its agreed share -----------------------------------


def prepayment_percent(order: Order) -> Decimal:
    """The share of the order's total its prepayment is, in percent: the order's own, else its customer's
    default, else the whole total."""
    shares = db.session.execute(select(PrepaymentShare.order_id, PrepaymentShare.percent).where(
        PrepaymentShare.customer_id == order.customer_id,
        or_(PrepaymentShare.order_id == order.id, PrepaymentShare.order_id.is_(None)))).all()
    own = {order_id: percent for order_id, percent in shares}
    return Decimal(own.get(order.id, own.get(None, HUNDRED)))


def customer_prepayment_percent(customer: Customer) -> Decimal | None:
    """The share the customer's contract agreed for their prepayment orders, or None (the whole total)."""
    return db.session.execute(select(PrepaymentShare.percent).where(
        PrepaymentShare.customer_id == customer.id, PrepaymentShare.order_id.is_(None))).scalar_one_or_none()


def prepayment_due(order: Order) -> Decimal:
    """What the order's prepayment is: its share of what the order bills, rounded half up to the cent."""
    billed = order.total - credited_total(order)
    return money(billed * prepayment_percent(order) / HUNDRED)


def prepayment_gates(order: Order) -> list[Gate]:
    """Hold a prepayment order out of execution until its prepayment (its share of the total) is paid."""
    if order.payment_terms != PaymentTerms.PREPAYMENT:
        return []
    if order.status not in UNSETTLED and paid_totals([order.id]).get(order.id, ZERO) < prepayment_due(order):
        # No amount in the reason: logistics and production read it; the billing panel shows the balance.
        return [Gate("prepayment", blocked=True, reason=_("waiting for the prepayment"))]
    return [Gate("prepayment", blocked=False, reason=_("prepayment received"))]


def set_prepayment_percent(customer: Customer, percent: Decimal | str | None, *, order: Order | None = None,
                           actor: User) -> PrepaymentShare | None:
    """Agree the prepayment's share (above 0, at most 100 percent) for the customer's prepayment orders, or
    for one of their orders; None takes the agreement away (the whole total, or the customer's default)."""
    share = db.session.execute(select(PrepaymentShare).where(
        PrepaymentShare.customer_id == customer.id,
        PrepaymentShare.order_id == order.id if order is not None else PrepaymentShare.order_id.is_(None)
    )).scalar_one_or_none()
    if percent is None or (isinstance(percent, str) and not percent.strip()):
        if share is not None:
            db.session.delete(share)
        return None
    try:
        value = Decimal(str(percent).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("enter the share as a percentage, for example 30"), field="percent") from None
    if not value.is_finite() or value <= 0 or value > HUNDRED or value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("the share is a percentage above 0 and at most 100, to two decimal places"),
                              field="percent")
    value = value.quantize(Decimal("0.01"))
    if share is None:
        share = PrepaymentShare(company_id=customer.company_id, customer_id=customer.id,
                                order_id=order.id if order is not None else None, percent=value)
        db.session.add(share)
    share.percent = value
    audit.record(company_id=customer.company_id, order_id=order.id if order is not None else None,
                 entity="customer", entity_id=customer.id, action="prepayment_share_set", actor=actor,
                 after={"percent": str(value)})
    flush()
    return share


def prepayment_holds() -> list[ColumnElement[bool]]:
    """``prepayment_gates`` over many orders, in SQL: billing is pinned, the prepayment's share not yet paid."""
    own = select(PrepaymentShare.percent).where(PrepaymentShare.order_id == Order.id).limit(1).scalar_subquery()
    default = (select(PrepaymentShare.percent).where(PrepaymentShare.customer_id == Order.customer_id,
                                                     PrepaymentShare.order_id.is_(None))
               .limit(1).scalar_subquery())
    percent = func.coalesce(own, default, literal(HUNDRED))
    due = (Order.total - credited_on_order()) * percent / HUNDRED
    # The share is rounded half up to the cent: a cent short of it lies at least half a cent below the exact
    # share, a payment of it at most 0.49 of a cent (amounts and percentages have two places each).
    return [and_(pinned(Stage.BILLING), Order.payment_terms == PaymentTerms.PREPAYMENT,
                 Order.status.not_in(UNSETTLED),
                 due - func.coalesce(paid_on(Order.id), ZERO) > HALF_CENT - Decimal("0.0001"))]


# --- finance's inbox ------------------------------------------------------------------


def _owing(user: User) -> Select[Order]:
    """Prepayments to confirm and delivered orders still owing, of the orders the user may see."""
    return visible_orders(user).where(
        or_(and_(Order.status == OrderStatus.APPROVED, Order.payment_terms == PaymentTerms.PREPAYMENT),
            Order.status == OrderStatus.DELIVERED),
        pinned(Stage.BILLING), owing(),
    )


def _receivables(user: User) -> Select[Order] | None:
    """Prepayments to confirm and delivered orders still owing, joined to their invoices (if any yet)."""
    if not user.can("billing.payment.record"):
        return None
    # The order's invoice is its version not credited (one at a time).
    current = and_(Invoice.order_id == Order.id, Invoice.status != InvoiceStatus.CREDITED)
    return _owing(user).outerjoin(Invoice, current)


@dataclass(frozen=True)
class Receivable:
    """An order waiting for a payment: its prepayment (approved) or its balance (delivered)."""

    order: Order
    owed: Decimal
    due_at: datetime | None

    @property
    def prepayment(self) -> bool:
        return self.order.status == OrderStatus.APPROVED


def receivables_due(user: User, limit: int | None = None) -> list[Receivable]:
    """Prepayments to confirm and delivered orders still owing, for those who record payments; the ``limit``
    due first (by their invoice's due date), then those not invoiced yet, in at most four queries however many
    there are."""
    receivables = _receivables(user)
    if receivables is None:
        return []
    # An order that owes has its current invoice issued: one is marked paid only once nothing is owed, and
    # reopened when a payment of it is reversed. So the invoiced ones are read from the issued invoices by due
    # date (``ix_billing_invoice_company_status_due``), stopping at ``limit``, not sorted out of every
    # delivered order; those without an invoice yet are read only when the invoiced ones do not fill it.
    issued = and_(Invoice.order_id == Order.id, Invoice.company_id == user.company_id,
                  Invoice.status == InvoiceStatus.ISSUED)
    rows = list(db.session.execute(
        _owing(user).join(Invoice, issued).add_columns(Invoice.due_date)
        .order_by(Invoice.due_date, Invoice.order_id).limit(limit)
        .options(lazyload(Order.lines), lazyload(Order.module_rows))
    ).all())
    if limit is None or len(rows) < limit:
        rows += db.session.execute(
            receivables.where(Invoice.id.is_(None)).add_columns(Invoice.due_date).order_by(Order.id)
            .limit(None if limit is None else limit - len(rows))
            .options(lazyload(Order.lines), lazyload(Order.module_rows))
        ).all()
    paid = paid_totals(order.id for order, _due in rows)
    credited = credited_totals(order.id for order, _due in rows)
    zone = company_zone(user.company_id)
    return [Receivable(order, balance(order, paid.get(order.id, ZERO), credited.get(order.id, ZERO)),
                       end_of_day(due, zone) if due is not None else None)
            for order, due in rows]


def receivable_counts(user: User, now: datetime) -> dict[str, tuple[int, int]]:
    """How many tasks ``receivable_tasks`` would list of each kind, and how many are late, in one query."""
    receivables = _receivables(user)
    if receivables is None:
        return {}
    zone = company_zone(user.company_id)
    local = now.astimezone(zone)
    # An invoice is late once the end of its due day (23:59:59 there, as ``end_of_day`` says) has passed.
    late_before = local.date() + timedelta(days=1) if local.time() > END_OF_DAY else local.date()
    prepayment, late = Order.status == OrderStatus.APPROVED, Invoice.due_date < late_before
    total, late_ones, prepayments, late_prepayments = db.session.execute(receivables.with_only_columns(
        func.count(), func.count(case((late, 1))), func.count(case((prepayment, 1))),
        func.count(case((and_(prepayment, late), 1))))).one()
    return {"prepayment": (prepayments, late_prepayments),
            "collect_payment": (total - prepayments, late_ones - late_prepayments)}
