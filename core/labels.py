"""Translated labels of the core's enums, for pages and documents."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core.models import Channel, DeliveryMethod, OrderStatus, PaymentTerms
from core.orders.events import SYSTEM_NOTES

LABELS: dict[enum.Enum, object] = {
    OrderStatus.DRAFT: _l("Draft"),
    OrderStatus.SUBMITTED: _l("In review"),
    OrderStatus.APPROVED: _l("Approved"),
    OrderStatus.REJECTED: _l("Rejected"),
    OrderStatus.SHIPPED: _l("Shipped"),
    OrderStatus.DELIVERED: _l("Signed for"),
    OrderStatus.COMPLETED: _l("Completed"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    Channel.PHONE: _l("Phone"),
    Channel.EMAIL: _l("Email"),
    Channel.WEBSITE: _l("Company website"),
    Channel.ECOMMERCE: _l("E-commerce platform"),
    Channel.SALES_REP: _l("Sales staff (offline)"),
    Channel.PORTAL: _l("Customer portal"),
    Channel.API: _l("API integration"),
    PaymentTerms.PREPAYMENT: _l("Prepayment"),
    PaymentTerms.CASH_ON_DELIVERY: _l("Cash on delivery"),
    PaymentTerms.MONTHLY: _l("Monthly settlement"),
    DeliveryMethod.EXPRESS: _l("Express"),
    DeliveryMethod.FREIGHT: _l("Freight"),
    DeliveryMethod.PICKUP: _l("Customer pickup"),
}


def label(value: enum.Enum | str) -> str:
    """The translated label of an enum member; unknown values show as they are."""
    found = LABELS.get(value) if isinstance(value, enum.Enum) else None
    if found is None and isinstance(value, str):
        for enum_class in (OrderStatus, Channel, PaymentTerms, DeliveryMethod):
            try:
                found = LABELS.get(enum_class(value))
                break
            except ValueError:
                continue
    return str(found) if found is not None else str(getattr(value, "value", value))


def choices(enum_class: type[enum.Enum]) -> list[SelectChoice]:
    """The members of an enum as choices of a select field, labelled in the user's language."""
    return [SelectChoice(member.value, label(member)) for member in enum_class]


def system_note(note: str) -> str:
    """A timeline note: the core's own notes are codes shown in the user's language; typed text as typed."""
    found = SYSTEM_NOTES.get(note)
    return str(found) if found is not None else note
