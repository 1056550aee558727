"""The order page's billing section: the invoice with its versions, credit notes, fapiao and finance's
fapiao form (``billing/invoices/_panel.html``) and the payments with finance's payment form
(``billing/payments/_panel.html``), gathered in ``billing/order_panel.html``."""
from __future__ import annotations

from typing import Any

from core.auth.context import sees_prices
from core.labels import choices
from core.models import Order, OrderStatus, User
from core.session_memo import remembered
from plugins.billing.invoices.credit_notes import credit_notes_of
from plugins.billing.invoices.fapiao import RECORD_PERMISSION, recorded_against
from plugins.billing.invoices.models import FapiaoType, InvoiceStatus
from plugins.billing.invoices.services import versions_of
from plugins.billing.payments.ledger import ZERO, allocated_to, balance, credited_total, paid_total, payments_for
from plugins.billing.payments.models import PaymentMethod
from plugins.billing.payments.services import PAYABLE, prepayment_gates

TEMPLATE = "billing/order_panel.html"


def order_billing(order: Order, user: User) -> dict[str, Any] | None:
    """What the order page shows of billing: invoice, payments, balance, and whether to offer the form.

    Read once per unit of work until something is written (``core.session_memo``): the page's action and its
    panel both ask."""
    return remembered(("billing.order_panel", order.id, user.id), lambda: _order_billing(order, user),
                      autoflush=True)


def _order_billing(order: Order, user: User) -> dict[str, Any] | None:
    if order.status in {OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.REJECTED}:
        return None
    payments = payments_for(order)
    versions = versions_of(order)
    invoice = versions[-1] if versions else None
    if order.status == OrderStatus.CANCELLED and invoice is None and not payments:
        return None
    paid = paid_total(order)
    owed = balance(order, paid, credited_total(order))
    return {
        "order": order,
        "invoice": invoice,
        "versions": versions,
        "credit_notes": credit_notes_of(order),
        "fapiao": recorded_against([version.id for version in versions]),
        "can_record_fapiao": (invoice is not None and invoice.status != InvoiceStatus.CANCELLED
                              and user.can(RECORD_PERMISSION) and sees_prices(user)),
        "fapiao_types": choices(FapiaoType),
        "credited": credited_total(order),
        "payments": payments,
        "allocated": allocated_to(order),  # what of each payment went to this order
        "paid": paid,
        "outstanding": owed,
        "gates": prepayment_gates(order) if order.status == OrderStatus.APPROVED else [],
        "can_record": (user.can("billing.payment.record") and sees_prices(user)
                       and order.status in PAYABLE and owed > ZERO),
        "methods": choices(PaymentMethod),
    }
