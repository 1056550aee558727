"""The formal dunning letter: a PDF of the order's invoice's latest letter notice, rendered once per
notice and stored by the core (``core.documents``), in the customer's language, with the seller's profile.

It is the customer's own document (a customer user opens it with their order); it prints the invoice's
number, due date, what was owed when the notice went out and how long past due: nothing internal.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.contracts import DocumentKind, DocumentSource
from core.errors import NotFound
from core.extensions import db
from core.models import Order
from plugins.billing.collection.models import DunningChannel, DunningNotice
from plugins.billing.invoices.models import Invoice

LETTER = "dunning_letter"


def latest_letter(order: Order) -> tuple[DunningNotice, Invoice] | None:
    """The order's latest letter notice with its invoice: one query."""
    row = db.session.execute(
        select(DunningNotice, Invoice).join(Invoice, Invoice.id == DunningNotice.invoice_id)
        .where(Invoice.order_id == order.id, DunningNotice.channel == DunningChannel.LETTER)
        .order_by(DunningNotice.level.desc(), DunningNotice.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else None


def _letter(order: Order) -> tuple[DunningNotice, Invoice]:
    found = latest_letter(order)
    if found is None:
        raise NotFound(_("order %(number)s has no dunning letter", number=order.display_number), field="kind")
    return found


def letter_context(order: Order) -> dict[str, Any]:
    notice, invoice = _letter(order)
    return {"notice": notice, "invoice": invoice}


def letter_source(order: Order) -> DocumentSource:
    """A letter, once sent, stays as it was: its version is the notice."""
    notice, _invoice = _letter(order)
    return DocumentSource(f"notice-{notice.id}", entity="dunning_notice", entity_id=notice.id)


def letter_kind() -> DocumentKind:
    return DocumentKind(LETTER, _l("Dunning letter"), "dunning_letter.html", "billing.view", letter_context,
                        available=lambda order: latest_letter(order) is not None, source=letter_source,
                        customer_copy=True)
