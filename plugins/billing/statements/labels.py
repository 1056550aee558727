"""Statements' labels: statuses, line kinds, resolutions and their audit actions, in both languages.

``LABELS`` joins billing's other labels in ``ordo_labels``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.billing.statements.models import DisputeStatus, LineKind, MonthlyInvoicing, Resolution, StatementStatus

LABELS: Mapping[str, Mapping[str, Any]] = {
    "status.statement": {
        StatementStatus.SENT: _l("Sent, awaiting confirmation"),
        StatementStatus.CONFIRMED: _l("Confirmed"),
        StatementStatus.DISPUTED: _l("Disputed"),
        StatementStatus.ANSWERED: _l("Disputes answered"),
    },
    "statement_line": {
        LineKind.DELIVERY: _l("Delivery"),
        LineKind.INVOICE: _l("Invoice"),
        LineKind.CREDIT_NOTE: _l("Credit note"),
        LineKind.PAYMENT: _l("Payment received"),
        LineKind.INVOICE_CANCELLED: _l("Invoice cancelled"),
        LineKind.PAYMENT_REVERSED: _l("Payment reversed"),
    },
    "status.statement_dispute": {
        DisputeStatus.OPEN: _l("Open"),
        DisputeStatus.RESOLVED: _l("Answered"),
    },
    "statement_resolution": {
        Resolution.CORRECTION: _l("Correction (credit note)"),
        Resolution.EXPLANATION: _l("Explanation"),
    },
    "audit.action": {
        "statement_sent": _l("Statement sent"),
        "statement_confirmed": _l("Statement confirmed"),
        "statement_disputed": _l("Statement disputed"),
        "statement_dispute_resolved": _l("Statement dispute answered"),
        "statement_attachment_added": _l("Stamped statement attached"),
        "statement_day_set": _l("Statement day set"),
        "monthly_invoicing_set": _l("Invoicing of monthly orders set"),
    },
    "monthly_invoicing": {
        MonthlyInvoicing.AT_DELIVERY: _l("At delivery"),
        MonthlyInvoicing.WITH_STATEMENT: _l("In the monthly statement"),
    },
}
