"""Invoices' labels: invoice statuses, credit reasons, fapiao types and their audit actions.

``LABELS`` joins billing's other labels in ``ordo_labels``; pages, forms and the
invoice look the codes up with the core's ``label`` and ``choices``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.billing.invoices.models import CreditReason, FapiaoType, InvoiceStatus

LABELS: Mapping[str, Mapping[str, Any]] = {
    "status.invoice": {
        InvoiceStatus.ISSUED: _l("Issued"),
        InvoiceStatus.PAID: _l("Paid"),
        InvoiceStatus.CANCELLED: _l("Cancelled"),
        InvoiceStatus.CREDITED: _l("Credited"),
    },
    "credit_reason": {
        CreditReason.ORDER_CHANGED: _l("Order changed"),
        CreditReason.CASE_CREDIT: _l("Credit on a problem case"),
    },
    "fapiao_type": {
        FapiaoType.SPECIAL: _l("VAT special fapiao"),
        FapiaoType.ORDINARY: _l("VAT ordinary fapiao"),
        FapiaoType.ELECTRONIC: _l("Electronic fapiao"),
    },
    "audit.action": {
        "invoice_issued": _l("Invoice issued"),
        "invoice_paid": _l("Invoice paid"),
        "invoice_cancelled": _l("Invoice cancelled"),
        "invoice_credited": _l("Invoice credited"),
        "credit_note_issued": _l("Credit note issued"),
        "fapiao_recorded": _l("Fapiao recorded"),
    },
}
