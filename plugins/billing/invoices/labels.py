"""Invoices' labels: invoice statuses and the invoice's audit actions.

``LABELS`` joins billing's other labels in ``ordo_labels``; pages, forms and the
invoice look the codes up with the core's ``label`` and ``choices``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.billing.invoices.models import InvoiceStatus

LABELS: Mapping[str, Mapping[str, Any]] = {
    "status.invoice": {
        InvoiceStatus.ISSUED: _l("Issued"),
        InvoiceStatus.PAID: _l("Paid"),
        InvoiceStatus.CANCELLED: _l("Cancelled"),
    },
    "audit.action": {
        "invoice_issued": _l("Invoice issued"),
        "invoice_paid": _l("Invoice paid"),
        "invoice_cancelled": _l("Invoice cancelled"),
    },
}
