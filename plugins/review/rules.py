"""The review plugin's own contributions to a review: the company's steps and the built-in checks.

They are returned through the same hooks (``review_steps``, ``review_rules``)
that a third-party plugin implements, so the built-in policy is one plugin's
opinion among others, not a special case. Each check reads the order as it is
and returns at most one finding; a check with nothing to say returns None.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.calendar import calendar_for
from core.contracts import Finding, OrderChange, Receivables, ReviewStepSpec, Severity, Verdict
from core.extensions import db
from core.models import Company, Order, OrderLine, OrderStatus, Product
from core.modules import hooks_for_company
from core.prices import agreed_prices, default_price
from core.session_memo import remembered
from plugins.review import policy
from plugins.review.policy import MANAGER

# What a customer still has on order with the company: reviewed or waiting, not yet shipped.
OPEN_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION)
EXPOSED_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED)


def standard_steps(order: Order) -> list[ReviewStepSpec]:
    """The steps the company's administrator set (sales, finance and production until they do)."""
    return policy.configured_steps(order.company_id)


def receivables(order: Order) -> Receivables | None:
    """What the customer owes, as the plugin keeping the books answers (billing); None: nobody keeps them.

    Asked once per unit of work (``core.session_memo``): three rules read it, and the answer reads every
    invoice of the customer.
    """
    def ask() -> Receivables | None:
        company = db.session.get(Company, order.company_id)
        return hooks_for_company(order.company_id).customer_receivables(company=company, customer=order.customer)

    return remembered(("review.receivables", order.company_id, order.customer_id), ask)


def floor_price(order: Order) -> Finding | None:
    """Finance rejects an order with a line priced below its product's floor price."""
    codes = sorted({line.product.code for line in order.lines if line.unit_price < line.product.floor_price})
    if not codes:
        return None
    # The message names the products but not the prices: production reads it too.
    return Finding(
        rule="floor_price",
        verdict=Verdict.REJECT,
        reason_codes=("price_below_floor",),
        message=_("Priced below the floor price: %(products)s", products=", ".join(codes)),
        department="finance",
        params={"products": ", ".join(codes)},
    )


def discount(order: Order) -> Finding | None:
    """A line discounted beyond the company's policy blocks finance's approval.

    The discount is measured off the price agreed with the customer (their price
    list) where the line's product has one, else off the list price: an agreed
    price is the customer's normal price, not a discount to question each time.
    """
    largest = policy.settings_for(order.company_id).max_discount
    agreed = agreed_prices(order.customer_id, (line.product_id for line in order.lines))
    codes = sorted({line.product.code for line in order.lines
                    if line.unit_price >= line.product.floor_price
                    and line.unit_price < default_price(line.product, agreed) * (Decimal(1) - largest)})
    if not codes:
        return None
    return Finding(rule="discount", verdict=Verdict.APPROVE, severity=Severity.BLOCKING,
                   reason_codes=("discount_beyond_policy",),
                   message=_("Discounted beyond the policy: %(products)s", products=", ".join(codes)),
                   department="finance", params={"products": ", ".join(codes)})


@dataclass(frozen=True)
class _OtherOrders:
    """The customer's other orders as two rules see them: what is open (credit) and how earlier ones ended."""

    open_total: Decimal
    submitted: dict[OrderStatus, int]


def _other_orders(order: Order) -> _OtherOrders:
    """Read once per unit of work, in one statement: the credit limit and the history rules both ask."""
    def ask() -> _OtherOrders:
        submitted = Order.submitted_at.is_not(None).label("submitted")
        rows = db.session.execute(
            select(Order.status, submitted, func.count(), func.coalesce(func.sum(Order.total), 0))
            .where(Order.company_id == order.company_id, Order.customer_id == order.customer_id,
                   Order.id != order.id)
            .group_by(Order.status, submitted)).all()
        counts: dict[OrderStatus, int] = {}
        for status, was_submitted, count, _total in rows:
            if was_submitted:
                counts[status] = counts.get(status, 0) + count
        return _OtherOrders(sum((Decimal(total) for status, _s, _c, total in rows if status in EXPOSED_STATUSES),
                                Decimal(0)), counts)
    return remembered(("review.other_orders", order.id), ask, tables=(Order.__tablename__,))


def _open_orders_total(order: Order) -> Decimal:
    return _other_orders(order).open_total


def credit_limit(order: Order) -> Finding | None:
    """An order that takes the customer past their credit limit needs a manager's approval too.

    The exposure is this order, the customer's other open orders and what
    they still owe on invoices (when billing keeps the books).
    """
    owed = receivables(order)
    exposure = order.total + _open_orders_total(order) + (owed.outstanding if owed else Decimal(0))
    if exposure <= order.customer.credit_limit:
        return None
    return Finding(
        rule="credit_limit",
        verdict=Verdict.NEEDS_STEP,
        reason_codes=("credit_limit_exceeded",),
        message=_("The order total exceeds the credit limit of %(customer)s; a manager must approve it.",
                  customer=order.customer.name),
        department="sales",
        step=MANAGER,
        params={"customer": order.customer.name},
    )


def overdue_receivables(order: Order) -> Finding | None:
    """Sales is warned of a customer with overdue invoices, and told when no receivables could be seen."""
    owed = receivables(order)
    if owed is None:
        return Finding(rule="receivables", verdict=Verdict.APPROVE, severity=Severity.INFO,
                       reason_codes=("receivables_unknown",),
                       message=_("No receivables to see: billing is not enabled."), department="sales")
    if owed.overdue <= 0:
        return None
    return Finding(rule="receivables", verdict=Verdict.APPROVE, severity=Severity.WARNING,
                   reason_codes=("overdue_receivables",),
                   message=_("%(customer)s has overdue receivables.", customer=order.customer.name),
                   department="sales", params={"customer": order.customer.name})


def history(order: Order) -> Finding | None:
    """Sales sees a new customer, or one whose earlier orders were refused or paid late."""
    counts = _other_orders(order).submitted
    placed = sum(counts.values())
    refused = counts.get(OrderStatus.REJECTED, 0)
    owed = receivables(order)
    late = owed.late_payments if owed else 0
    if placed == 0:
        return Finding(rule="history", verdict=Verdict.APPROVE, severity=Severity.INFO,
                       reason_codes=("new_customer",), message=_("A new customer: no earlier orders."),
                       department="sales")
    if not refused and not late:
        return None
    return Finding(rule="history", verdict=Verdict.APPROVE, severity=Severity.WARNING,
                   reason_codes=("customer_history",),
                   message=_("Earlier orders: %(orders)s, refused: %(refused)s, paid late: %(late)s",
                             orders=placed, refused=refused, late=late),
                   department="sales", params={"orders": str(placed), "refused": str(refused), "late": str(late)})


def payment_terms(order: Order) -> Finding | None:
    """Finance is warned when the order's payment terms are not the ones the customer is allowed."""
    if order.payment_terms == order.customer.payment_terms:
        return None
    return Finding(rule="payment_terms", verdict=Verdict.APPROVE, severity=Severity.WARNING,
                   reason_codes=("payment_terms_outside",),
                   message=_("Payment terms %(terms)s are not the customer's allowed terms.",
                             terms=order.payment_terms.value),
                   department="finance", params={"terms": order.payment_terms.value})


def invoice_data(order: Order) -> Finding | None:
    """Finance is warned when the invoice lacks what it needs: the customer's address, or the requirements."""
    missing = [name for name, value in (("address", order.customer.address), ("email", order.customer.email))
               if not (value or "").strip()]
    if not missing:
        return None
    return Finding(rule="invoice_data", verdict=Verdict.APPROVE, severity=Severity.WARNING,
                   reason_codes=("invoice_data_missing",),
                   message=_("Invoice data missing: %(fields)s", fields=", ".join(missing)),
                   department="finance", params={"fields": ", ".join(missing)})


def _today(order: Order) -> date:
    company = db.session.get(Company, order.company_id)
    return company.today() if company is not None else date.today()


def _lines_of(order: Order) -> list[tuple[str, str, int, Decimal, set[str]]]:
    """(line code, label, lead days, units per day, product codes) of each line the order uses."""
    codes = {line.product.code for line in order.lines}
    return [(line.code, line.label, line.lead_days, line.units_per_day, set(line.products))
            for line in policy.capacity_lines(order.company_id) if codes & set(line.products)]


def lead_time(order: Order) -> Finding | None:
    """Production is warned of a requested date earlier than a product line's lead time allows."""
    calendar = calendar_for(order.company_id)
    today = _today(order)
    short = sorted(code for code, _label, days, _units, _products in _lines_of(order)
                   if order.requested_date < calendar.add_working_days(today, days))
    if not short:
        return None
    return Finding(rule="product_lead_time", verdict=Verdict.APPROVE, severity=Severity.WARNING,
                   reason_codes=("before_lead_time",),
                   message=_("Requested earlier than the lead time of %(lines)s", lines=", ".join(short)),
                   department="production", params={"lines": ", ".join(short)})


def capacity(order: Order) -> Finding | None:
    """Production's approval is blocked when a product line cannot make the open orders by the requested date.

    The demand is this order's quantity of the line's products and that of the
    other open orders wanted by the same date; the capacity is units per day
    times the working days (holidays off) from today to the requested date.
    """
    calendar = calendar_for(order.company_id)
    today = _today(order)
    days = calendar.working_days(today, order.requested_date - timedelta(days=1))
    full = []
    for code, _label, _days, per_day, products in _lines_of(order):
        mine = sum((line.quantity for line in order.lines if line.product.code in products), Decimal(0))
        others = db.session.execute(
            select(func.coalesce(func.sum(OrderLine.quantity), 0))
            .join(Order, Order.id == OrderLine.order_id).join(Product, Product.id == OrderLine.product_id)
            .where(Order.company_id == order.company_id, Order.id != order.id, Order.status.in_(OPEN_STATUSES),
                   Order.requested_date <= order.requested_date, Product.code.in_(products))
        ).scalar_one()
        if mine + Decimal(others) > per_day * days:
            full.append(code)
    if not full:
        return None
    return Finding(rule="capacity", verdict=Verdict.APPROVE, severity=Severity.BLOCKING,
                   reason_codes=("capacity_exceeded",),
                   message=_("Not enough capacity by the requested date: %(lines)s", lines=", ".join(full)),
                   department="production", params={"lines": ", ".join(full)})


RULES: tuple[Callable[[Order], Finding | None], ...] = (
    floor_price, discount, credit_limit, overdue_receivables, history, payment_terms, invoice_data, lead_time,
    capacity,
)


def check(order: Order, change: OrderChange | None = None) -> list[Finding]:
    """Run the built-in checks on the order; an empty list means nothing to report."""
    return [finding for rule in RULES if (finding := rule(order)) is not None]
