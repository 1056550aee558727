"""Payments' labels: payment methods and payments' audit actions.

``LABELS`` joins billing's other labels in ``ordo_labels``; pages, forms and the
timeline look the codes up with the core's ``label`` and ``choices``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.billing.payments.models import PaymentMethod

LABELS: Mapping[str, Mapping[str, Any]] = {
    # Also the namespace of the ``method`` a payment carries to the core's timeline.
    "payment_method": {
        PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
        PaymentMethod.CASH: _l("Cash"),
        PaymentMethod.CHEQUE: _l("Cheque"),
        PaymentMethod.ONLINE: _l("Online payment"),
        PaymentMethod.OTHER: _l("Other"),
    },
    "audit.action": {
        "credit_applied": _l("Customer credit applied"),
        "invoice_reopened": _l("Invoice re-opened"),
        "prepayment_share_set": _l("Prepayment share agreed"),
        "payments_released": _l("Payments released to the customer's credit"),
    },
}
