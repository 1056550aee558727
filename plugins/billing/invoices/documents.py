"""The invoice's PDF: its context and its version, rendered and stored by the core (``core.documents``).

A payment or a cancellation makes a new version; the one sent before stays
stored as it was.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import DocumentKind, DocumentSource
from core.documents import fingerprint, order_version
from core.errors import NotFound
from core.extensions import db
from core.models import Company, Order
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.invoices.services import invoice_for
from plugins.billing.payments.ledger import ZERO, balance, paid_total


def _invoice_of(order: Order) -> Invoice:
    invoice = invoice_for(order)
    if invoice is None:
        raise NotFound(_("order %(number)s has no invoice yet", number=order.display_number), field="kind")
    return invoice


def invoice_document(order: Order) -> dict[str, Any]:
    """The context of the invoice PDF; NotFound until the order is invoiced."""
    invoice = _invoice_of(order)
    paid = paid_total(order)
    return {
        "invoice": invoice,
        "company": db.session.get(Company, order.company_id),
        "customer": order.customer,
        "paid": paid,
        "outstanding": ZERO if invoice.status == InvoiceStatus.CANCELLED else balance(order, paid),
    }


def invoice_source(order: Order) -> DocumentSource:
    """The version of the invoice PDF: the invoice, what was paid against it, and the order it bills."""
    invoice = _invoice_of(order)
    return DocumentSource(f"{order_version(order)}.{fingerprint(invoice, paid_total(order))}",
                          entity="invoice", entity_id=invoice.id)


def order_kinds() -> list[DocumentKind]:
    """The order's invoice. The customer's own copy: a customer user opens it without seeing billing's pages."""
    return [DocumentKind("invoice", _l("Invoice"), "invoice.html", "billing.view", invoice_document,
                         available=lambda order: invoice_for(order) is not None,
                         source=invoice_source, customer_copy=True)]
