"""Translated labels of billing's enums, for pages, forms and documents."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from plugins.billing.models import InvoiceStatus, PaymentMethod

LABELS: dict[enum.Enum, object] = {
    InvoiceStatus.ISSUED: _l("Issued"),
    InvoiceStatus.PAID: _l("Paid"),
    InvoiceStatus.CANCELLED: _l("Cancelled"),
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.CASH: _l("Cash"),
    PaymentMethod.CHEQUE: _l("Cheque"),
    PaymentMethod.ONLINE: _l("Online payment"),
}


def label(value: enum.Enum) -> str:
    return str(LABELS.get(value, value.value))


def choices(enum_class: type[enum.Enum]) -> list[SelectChoice]:
    return [SelectChoice(member.value, label(member)) for member in enum_class]
