"""Settlement: invoices by payment terms, payments against orders, the prepayment gate.

An order has one invoice, issued from the order's totals: on approval for
prepayment orders (the customer pays against it before production starts), on
delivery for cash-on-delivery and monthly orders. A payment is recorded here and
confirmed to the other stages through ``core.orders.record_payment``; the core
completes a delivered order once it is paid in full. Nothing here commits.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import contains_eager, lazyload, selectinload

from core import audit, formatting, outbox
from core.auth.context import VIEW_PRICES, check, sees_prices
from core.contracts import DocumentSource, Gate, Payment as PaymentEvent, Receivables as CustomerReceivables
from core.contracts import Stage, Task
from core.db import flush, page_of
from core.documents import fingerprint, order_version
from core.errors import Conflict, NotFound, TransitionError, ValidationError
from core.extensions import db
from core.figures import MONEY
from core.keyset import Keyset, Kind
from core.labels import choices, label
from core.models import Company, Customer, Order, OrderStatus, PaymentTerms, User, utcnow
from core.models.types import Money
from core.modules import order_has_stage, pinned
from core.orders import events, money
from core.orders.queries import visible_orders, visible_to
from core.portal import order_url
from plugins.billing.models import BillingPayment, Invoice, InvoiceStatus, PaymentMethod

ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")
END_OF_DAY = time(23, 59, 59)  # when a day's deadline passes
LARGEST_AMOUNT = MONEY.largest
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of the payer's bank and ours differ a little

# A payment is taken from approval until the order is settled.
PAYABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED, OrderStatus.DELIVERED})
INVOICEABLE = PAYABLE | {OrderStatus.COMPLETED}
# Orders that will never be settled owe nothing.
UNSETTLED = frozenset({OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.DRAFT})


# --- dates in the company's time zone ----------------------------------------


def company_zone(company_id: int) -> ZoneInfo:
    return db.session.get_one(Company, company_id).zone


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def company_today(company_id: int) -> date:
    return local_date(utcnow(), company_zone(company_id))


def end_of_following_month(day: date) -> date:
    first_of_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    first_after_that = (first_of_next + timedelta(days=32)).replace(day=1)
    return first_after_that - timedelta(days=1)


def due_date(order: Order, issued_at: datetime, zone: ZoneInfo) -> date:
    """When the invoice falls due under the order's payment terms."""
    issue_day = local_date(issued_at, zone)
    delivery_day = local_date(order.delivered_at, zone) if order.delivered_at else issue_day
    if order.payment_terms == PaymentTerms.CASH_ON_DELIVERY:
        return delivery_day
    if order.payment_terms == PaymentTerms.MONTHLY:
        return end_of_following_month(delivery_day)
    return issue_day  # prepayment: due before anything is produced


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)


# --- reading balances -------------------------------------------------------------


def invoice_for(order: Order) -> Invoice | None:
    # The order is at hand: joining it again would reload its lines.
    return db.session.execute(
        select(Invoice).where(Invoice.order_id == order.id).options(lazyload(Invoice.order))
    ).scalar_one_or_none()


def payments_for(order: Order) -> list[BillingPayment]:
    return list(db.session.execute(
        select(BillingPayment).where(BillingPayment.order_id == order.id)
        .order_by(BillingPayment.received_at, BillingPayment.id)
        # Who recorded each payment, in one statement; their own permissions are not needed.
        .options(selectinload(BillingPayment.recorded_by).lazyload(User.roles))
    ).scalars())


def paid_totals(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """The amount received for each order, in one query."""
    ids = list(order_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(BillingPayment.order_id, func.sum(BillingPayment.amount))
        .where(BillingPayment.order_id.in_(ids)).group_by(BillingPayment.order_id)
    )
    return {order_id: money(Decimal(total)) for order_id, total in rows}


def paid_total(order: Order) -> Decimal:
    return paid_totals([order.id]).get(order.id, ZERO)


def balance(order: Order, paid: Decimal) -> Decimal:
    """What is still owed on an order that has received ``paid``."""
    if order.status in UNSETTLED:
        return ZERO
    return max(order.total - paid, ZERO)


def outstanding(order: Order) -> Decimal:
    return balance(order, paid_total(order))


# --- invoices -------------------------------------------------------------------


def issue_invoice(order: Order, *, actor: User | None = None) -> Invoice:
    """Issue the order's invoice from its totals; an order has one, so a second call returns it."""
    existing = invoice_for(order)
    if existing is not None:
        return existing
    if order.status not in INVOICEABLE:
        raise TransitionError(_("order %(number)s is %(status)s; it cannot be invoiced",
                                number=order.display_number, status=order.status.value))
    zone = company_zone(order.company_id)
    issued_at = utcnow()
    paid = paid_total(order)
    invoice = Invoice(
        company_id=order.company_id, order_id=order.id, number=f"INV-{order.display_number}",
        currency=order.currency, subtotal=order.subtotal, tax_total=order.tax_total, total=order.total,
        issued_at=issued_at, due_date=due_date(order, issued_at, zone), status=InvoiceStatus.ISSUED,
    )
    if paid >= order.total:  # settled in advance, e.g. a cash-on-delivery order paid early
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = order.paid_in_full_at or issued_at
    db.session.add(invoice)
    flush()
    for payment in payments_for(order):  # payments taken before the invoice existed
        payment.invoice_id = payment.invoice_id or invoice.id
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="invoice", entity_id=invoice.id,
        action="invoice_issued", actor=actor,
        after={"number": invoice.number, "total": str(invoice.total), "currency": invoice.currency,
               "due_date": invoice.due_date.isoformat(), "status": invoice.status.value},
    )
    _notify_customer(order, invoice, paid)
    return invoice


def _notify_customer(order: Order, invoice: Invoice, paid: Decimal) -> None:
    """Queue the invoice email; the outbox sends it once the transaction commits."""
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        return
    outbox.send_email("billing/invoice_email.txt", recipient, company_id=order.company_id, kind="invoice_issued",
                      order_id=order.id, order=order, invoice=invoice, owed=balance(order, paid),
                      company=db.session.get_one(Company, order.company_id))


def cancel_invoice(order: Order, reason: str) -> Invoice | None:
    """An order cancelled before it was settled no longer owes its invoice."""
    invoice = invoice_for(order)
    if invoice is None or invoice.status != InvoiceStatus.ISSUED:
        return invoice
    invoice.status = InvoiceStatus.CANCELLED
    audit.record(company_id=order.company_id, order_id=order.id, entity="invoice", entity_id=invoice.id,
                 action="invoice_cancelled", actor=None, before={"status": InvoiceStatus.ISSUED.value},
                 after={"status": invoice.status.value}, note=reason)
    return invoice


def _mark_paid(invoice: Invoice, at: datetime, actor: User | None) -> None:
    if invoice.status != InvoiceStatus.ISSUED:
        return
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = at
    audit.record(company_id=invoice.company_id, order_id=invoice.order_id, entity="invoice",
                 entity_id=invoice.id, action="invoice_paid", actor=actor,
                 before={"status": InvoiceStatus.ISSUED.value}, after={"status": invoice.status.value})


# --- payments ---------------------------------------------------------------------


def _valid_amount(amount: Any) -> Decimal:
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("enter the amount as a number, for example 1250.00"), field="amount") from None
    if not value.is_finite():
        raise ValidationError(_("enter the amount as a number, for example 1250.00"), field="amount")
    if value <= 0:
        raise ValidationError(_("the amount must be greater than zero"), field="amount")
    if value > LARGEST_AMOUNT:
        raise ValidationError(_("the amount is too large"), field="amount")
    exponent = value.normalize().as_tuple().exponent  # an int, since the value is finite
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError(_("the amount has at most two decimal places"), field="amount")
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


def _lock(order: Order) -> None:
    """Hold the order's row so that two payments cannot both fit the same balance."""
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    db.session.refresh(order)


def record_payment(
    order: Order,
    *,
    amount: Decimal | str,
    received_at: datetime | None = None,
    method: PaymentMethod | str = PaymentMethod.BANK_TRANSFER,
    reference: str | None = None,
    actor: User,
) -> BillingPayment:
    """Record money received for an order and confirm it to the other stages.

    The amount may not exceed what is still owed. A payment before delivery is a
    prepayment. The ``paid`` event tells whether the order is now paid in full;
    the core completes a delivered order that is. Only a user who may see prices
    records one: the refusal of too large an amount would tell the balance.
    """
    check(actor, VIEW_PRICES)
    value = _valid_amount(amount)
    received_at = _valid_received_at(received_at)
    method = _valid_method(method)
    reference = _valid_reference(reference)
    if not order_has_stage(order, Stage.BILLING):
        raise Conflict(_("order %(number)s was submitted without billing; it settles without payments here",
                         number=order.display_number))
    _lock(order)
    if order.status not in PAYABLE:
        raise TransitionError(_("order %(number)s is %(status)s; it cannot take a payment",
                                number=order.display_number, status=label(order.status)))
    owed = outstanding(order)
    if value > owed:
        raise ValidationError(
            _("the amount %(amount)s is more than the outstanding balance of %(owed)s %(currency)s",
              amount=formatting.money(value), owed=formatting.money(owed), currency=order.currency),
            field="amount",
        )
    invoice = invoice_for(order)
    payment = BillingPayment(
        company_id=order.company_id, order_id=order.id, invoice_id=invoice.id if invoice else None,
        amount=value, received_at=received_at, method=method, reference=reference,
        is_prepayment=order.status != OrderStatus.DELIVERED,
        recorded_by_id=actor.id, created_at=utcnow(),
    )
    db.session.add(payment)
    flush()
    fully_paid = paid_total(order) >= order.total
    if fully_paid and invoice is not None:
        _mark_paid(invoice, received_at, actor)
    # The method is a code the timeline labels; the reference was typed and stays as typed.
    events.record_payment(order, PaymentEvent(
        amount=value, received_at=received_at, is_prepayment=payment.is_prepayment,
        fully_paid=fully_paid, payment_id=payment.id, method=method.value,
    ), actor=actor, note=reference)
    return payment


# --- execution gate -----------------------------------------------------------------


def prepayment_gates(order: Order) -> list[Gate]:
    """Hold a prepayment order out of execution until the prepayment covers its total."""
    if order.payment_terms != PaymentTerms.PREPAYMENT:
        return []
    owed = outstanding(order)
    if owed > ZERO:
        # No amount in the reason: logistics and production read it; the billing panel shows the balance.
        return [Gate("prepayment", blocked=True, reason=_("waiting for the prepayment"))]
    return [Gate("prepayment", blocked=False, reason=_("prepayment received"))]


def owing() -> ColumnElement[bool]:
    """SQL: the order still owes something, as ``balance`` says of it, for queries over many orders."""
    received = select(func.sum(BillingPayment.amount)).where(BillingPayment.order_id == Order.id).scalar_subquery()
    # Amounts are whole cents: more than half a cent owed is a cent or more, whatever rounding SQLite's REAL adds.
    return and_(Order.status.not_in(UNSETTLED), Order.total - func.coalesce(received, ZERO) > HALF_CENT)


def prepayment_holds() -> list[ColumnElement[bool]]:
    """``prepayment_gates`` over many orders, in SQL: billing is pinned, the prepayment not yet covered."""
    return [and_(pinned(Stage.BILLING), Order.payment_terms == PaymentTerms.PREPAYMENT, owing())]


# --- lists, inbox, order page ------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceBalance:
    """An invoice with what was paid and what is still owed on its order."""

    invoice: Invoice
    paid: Decimal
    outstanding: Decimal
    overdue: bool


def balances(invoices: list[Invoice], today: date) -> list[InvoiceBalance]:
    paid = paid_totals(invoice.order_id for invoice in invoices)
    rows = []
    for invoice in invoices:
        received = paid.get(invoice.order_id, ZERO)
        owed = ZERO if invoice.status == InvoiceStatus.CANCELLED else balance(invoice.order, received)
        rows.append(InvoiceBalance(invoice, received, owed, owed > ZERO and invoice.due_date < today))
    return rows


def paid_on_invoice() -> ColumnElement[Decimal]:
    """What was received for an invoice's order, as a SQL expression for a list of invoices."""
    received = (select(func.sum(BillingPayment.amount)).where(BillingPayment.order_id == Invoice.order_id)
                .scalar_subquery())
    return type_coerce(func.coalesce(received, ZERO), Money())


def outstanding_on_invoice() -> ColumnElement[Decimal]:
    """What is still owed on an invoice, as ``balances`` computes it, in SQL (the list joins ``Order``)."""
    owed = Order.total - paid_on_invoice()
    return type_coerce(case((Invoice.status == InvoiceStatus.CANCELLED, ZERO), (Order.status.in_(UNSETTLED), ZERO),
                            (owed > ZERO, owed), else_=ZERO), Money())


def overdue_condition(user: User) -> ColumnElement[bool]:
    """The invoices still owed past their due date, in the user's company's today."""
    return and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date < company_today(user.company_id),
                outstanding_on_invoice() > ZERO)


def visible_invoices(user: User) -> Select[Invoice]:
    """The invoices ``user`` may see, joined to their orders."""
    # The orders' rule: a customer user sees the invoices of their own customer's orders only.
    return (select(Invoice).join(Order, Invoice.order_id == Order.id)
            .where(Invoice.company_id == user.company_id, visible_to(user)))


# The invoice list's order, newest first.
NEWEST_INVOICES_FIRST = Keyset(Invoice.id, Invoice.issued_at, Kind.DATETIME, descending=True)


def search_invoices(
    user: User,
    *,
    order_id: int | None = None,
    status: InvoiceStatus | None = None,
    customer_id: int | None = None,
    number: str | None = None,
    overdue: bool = False,
    page: int | None = None,
    per_page: int = 25,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the company's invoices (a customer user's own only), newest first (``core.db.page_of``).

    Each invoice comes with what its row shows of its order and customer, read by the
    list's own join: a page is the same few statements whatever its size.
    """
    today = company_today(user.company_id)
    order = contains_eager(Invoice.order)
    query = visible_invoices(user).options(
        order.load_only(Order.id, Order.number, Order.customer_id, Order.total, Order.status),
        order.joinedload(Order.customer).load_only(Customer.id, Customer.name),
        order.lazyload(Order.lines), order.lazyload(Order.module_rows))
    if order_id is not None:
        query = query.where(Invoice.order_id == order_id)
    if status is not None:
        query = query.where(Invoice.status == status)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if number:
        query = query.where(or_(Invoice.number.contains(number), Order.number.contains(number)))
    if overdue:
        query = query.where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date < today)
    found = page_of(query, NEWEST_INVOICES_FIRST, page=page, per_page=per_page, cursor=cursor)
    return {**found, "items": balances(found["items"], today)}


@dataclass
class Receivables:
    """What the company's open invoices still bring in, in one currency."""

    currency: str
    open_count: int = 0
    outstanding: Decimal = ZERO
    overdue_count: int = 0
    overdue: Decimal = ZERO


def receivables_summary(user: User) -> list[Receivables]:
    """Outstanding and overdue amounts of the open invoices, per currency."""
    today = company_today(user.company_id)
    invoices = list(db.session.execute(
        visible_invoices(user).where(Invoice.status == InvoiceStatus.ISSUED)).scalars())
    by_currency: dict[str, Receivables] = {}
    for row in balances(invoices, today):
        if row.outstanding <= ZERO:
            continue
        summary = by_currency.setdefault(row.invoice.currency, Receivables(row.invoice.currency))
        summary.open_count += 1
        summary.outstanding += row.outstanding
        if row.overdue:
            summary.overdue_count += 1
            summary.overdue += row.outstanding
    return [by_currency[currency] for currency in sorted(by_currency)]


# --- credit hold ---------------------------------------------------------------------

# An invoice unpaid this many days past its due date puts the customer on credit hold.
CREDIT_HOLD_OVERDUE_DAYS = 30


def credit_hold_reason(company: Company, customer: Customer) -> str | None:
    """Why the customer may not order now (invoices long overdue and unpaid), or None."""
    limit = company.today() - timedelta(days=CREDIT_HOLD_OVERDUE_DAYS)
    invoices = list(db.session.execute(
        select(Invoice).join(Order, Invoice.order_id == Order.id).where(
            Invoice.company_id == company.id, Order.customer_id == customer.id,
            Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date < limit)).scalars())
    late = [row for row in balances(invoices, company.today()) if row.outstanding > ZERO]
    if not late:
        return None
    return _("%(customer)s is on credit hold: %(count)s invoice(s) unpaid more than %(days)s days past due "
             "(oldest %(number)s, due %(due)s)", customer=customer.name, count=len(late),
             days=CREDIT_HOLD_OVERDUE_DAYS, number=min(late, key=lambda r: r.invoice.due_date).invoice.number,
             due=min(row.invoice.due_date for row in late).isoformat())


def _receivables(user: User) -> Select[Order] | None:
    """Prepayments to confirm and delivered orders still owing, joined to their invoices (if any yet)."""
    if not user.can("billing.payment.record"):
        return None
    return visible_orders(user).outerjoin(Invoice, Invoice.order_id == Order.id).where(
        or_(and_(Order.status == OrderStatus.APPROVED, Order.payment_terms == PaymentTerms.PREPAYMENT),
            Order.status == OrderStatus.DELIVERED),
        pinned(Stage.BILLING), owing(),
    )


def receivable_tasks(user: User, limit: int | None = None) -> list[Task]:
    """Prepayments to confirm and delivered orders still owing, for those who record payments; the ``limit``
    due first (by their invoice's due date), in three queries however many there are."""
    receivables = _receivables(user)
    if receivables is None:
        return []
    rows = db.session.execute(
        receivables.add_columns(Invoice.due_date)
        .order_by(Invoice.due_date.asc().nulls_last(), Order.id).limit(limit)
        .options(lazyload(Order.lines), lazyload(Order.module_rows))
    ).all()
    paid = paid_totals(order.id for order, _due in rows)
    zone = company_zone(user.company_id)
    return [
        Task(title=_task_title(order, balance(order, paid.get(order.id, ZERO)), user), url=order_url(order.id),
             kind="prepayment" if order.status == OrderStatus.APPROVED else "collect_payment",
             due_at=end_of_day(due, zone) if due is not None else None, order_number=order.number)
        for order, due in rows
    ]


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


def _task_title(order: Order, owed: Decimal, user: User) -> str:
    """What an inbox task says; the amount only to a user who may see prices."""
    prepayment = order.status == OrderStatus.APPROVED
    if not sees_prices(user):
        return (_("Confirm the prepayment for %(number)s", number=order.display_number) if prepayment
                else _("Collect payment for %(number)s", number=order.display_number))
    figures = {"number": order.display_number, "amount": formatting.money(owed), "currency": order.currency}
    return (_("Confirm the prepayment for %(number)s: %(amount)s %(currency)s", **figures) if prepayment
            else _("Collect payment for %(number)s: %(amount)s %(currency)s", **figures))


def order_billing(order: Order, user: User) -> dict[str, Any] | None:
    """What the order page shows of billing: invoice, payments, balance, and whether to offer the form."""
    if order.status in {OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.REJECTED}:
        return None
    payments = payments_for(order)
    invoice = invoice_for(order)
    if order.status == OrderStatus.CANCELLED and invoice is None and not payments:
        return None
    paid = sum((payment.amount for payment in payments), ZERO)
    owed = balance(order, paid)
    return {
        "order": order,
        "invoice": invoice,
        "payments": payments,
        "paid": paid,
        "outstanding": owed,
        "gates": prepayment_gates(order) if order.status == OrderStatus.APPROVED else [],
        "can_record": (user.can("billing.payment.record") and sees_prices(user)
                       and order.status in PAYABLE and owed > ZERO),
        "methods": choices(PaymentMethod),
    }


def invoice_document(order: Order) -> dict[str, Any]:
    """The context of the invoice PDF; NotFound until the order is invoiced."""
    invoice = invoice_for(order)
    if invoice is None:
        raise NotFound(_("order %(number)s has no invoice yet", number=order.display_number), field="kind")
    paid = paid_total(order)
    return {
        "invoice": invoice,
        "company": db.session.get(Company, order.company_id),
        "customer": order.customer,
        "paid": paid,
        "outstanding": ZERO if invoice.status == InvoiceStatus.CANCELLED else balance(order, paid),
    }


def invoice_source(order: Order) -> DocumentSource:
    """The version of the invoice PDF: the invoice, what was paid against it, and the order it bills.

    A payment or a cancellation makes a new version; the one sent before stays stored as it was.
    """
    invoice = invoice_for(order)
    if invoice is None:
        raise NotFound(_("order %(number)s has no invoice yet", number=order.display_number), field="kind")
    return DocumentSource(f"{order_version(order)}.{fingerprint(invoice, paid_total(order))}",
                          entity="invoice", entity_id=invoice.id)


# --- what a customer owes, for the review's credit checks (customer_receivables) -------------


def customer_receivables(company: Company, customer: Customer) -> CustomerReceivables:
    """What the customer owes on issued invoices, what of it is overdue, and how often they paid late."""
    invoices = list(db.session.execute(
        select(Invoice).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.company_id == company.id, Order.customer_id == customer.id,
               Invoice.status != InvoiceStatus.CANCELLED)
        .options(lazyload(Invoice.order))
    ).scalars())
    paid = paid_totals(invoice.order_id for invoice in invoices)
    today = company.today()
    outstanding_total = overdue = ZERO
    late = 0
    for invoice in invoices:
        owed = max(invoice.total - paid.get(invoice.order_id, ZERO), ZERO)
        outstanding_total += owed
        if owed > ZERO and invoice.due_date < today:
            overdue += owed
            late += 1
        elif invoice.paid_at is not None and local_date(invoice.paid_at, company.zone) > invoice.due_date:
            late += 1
    return CustomerReceivables(outstanding=money(outstanding_total), overdue=money(overdue), late_payments=late,
                               currency=company.currency)
