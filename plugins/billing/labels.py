"""The billing plugin's labels: invoice statuses, payment methods, its audit actions.

``LABELS`` is what the plugin returns from ``ordo_labels``; pages, forms and the
invoice look the codes up with the core's ``label`` and ``choices``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.billing.models import InvoiceStatus, PaymentMethod

LABELS: Mapping[str, Mapping[str, Any]] = {
    "status.invoice": {
        InvoiceStatus.ISSUED: _l("Issued"),
        InvoiceStatus.PAID: _l("Paid"),
        InvoiceStatus.CANCELLED: _l("Cancelled"),
    },
    # Also the namespace of the ``method`` a payment carries to the core's timeline.
    "payment_method": {
        PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
        PaymentMethod.CASH: _l("Cash"),
        PaymentMethod.CHEQUE: _l("Cheque"),
        PaymentMethod.ONLINE: _l("Online payment"),
    },
    "audit.action": {
        "invoice_issued": _l("Invoice issued"),
        "invoice_paid": _l("Invoice paid"),
        "invoice_cancelled": _l("Invoice cancelled"),
    },
}
