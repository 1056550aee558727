"""The invoice's and the credit note's PDFs: their context and version, rendered and stored by the core
(``core.documents``), in the customer's language.

The order's ``invoice`` document is its current version with what was paid
and what is owed: a payment makes a new rendering, the one sent before stays
stored. Each version of an invoice also has its own document as issued
(``version_kind``), and each credit note one (``credit_note_kind``): they print
only what the version or the credit note holds (its lines, the buyer as it was
then, the seller's profile), so the PDF of an old version is reproduced as it
was sent, whatever the order became since.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Row

from core.contracts import DocumentKind, DocumentSource
from core.documents import fingerprint
from core.errors import NotFound
from core.extensions import db
from core.models import Company, InvoiceType, Order, PaymentTerms
from core.orders import money
from core.session_memo import remembered
from plugins.billing.invoices.credit_notes import credit_notes_of
from plugins.billing.invoices.models import INVOICE_DOCUMENT, CreditNote, CreditReason, Invoice
from plugins.billing.invoices.services import BUYER_FIELDS, CLOSED, buyer_of, invoice_for
from plugins.billing.payments.ledger import ZERO, balance, credited_total, paid_total
from plugins.billing.payments.models import PaymentAllocation

INVOICE_VERSION = "invoice_version"
CREDIT_NOTE = "credit_note"
# The codes a buyer keeps, and the enums that label them.
BUYER_CODES = {"payment_terms": PaymentTerms, "invoice_type": InvoiceType}


def _invoice_of(order: Order) -> Invoice:
    invoice = invoice_for(order)
    if invoice is None:
        raise NotFound(_("order %(number)s has no invoice yet", number=order.display_number), field="kind")
    return invoice


def buyer_view(kept: dict[str, Any] | None, order: Order) -> dict[str, Any]:
    """The buyer as an invoice kept it, its codes as enums to label (an invoice issued before invoices
    kept their buyer, or a credit note without an invoice, reads the order's)."""
    buyer = dict(kept) if kept else buyer_of(order)
    for name in BUYER_FIELDS:
        buyer.setdefault(name, None)
    for name, codes in BUYER_CODES.items():
        buyer[name] = codes(buyer[name]) if buyer[name] else None
    return buyer


def version_context(invoice: Invoice, order: Order) -> dict[str, Any]:
    """What an invoice version's PDF prints as issued: its lines, totals and buyer."""
    replaced = db.session.get(Invoice, invoice.replaces_id) if invoice.replaces_id else None
    return {"invoice": invoice, "lines": list(invoice.lines), "buyer": buyer_view(invoice.buyer, order),
            "replaces": replaced, "as_issued": True, "paid": ZERO, "outstanding": ZERO}


def invoice_document(order: Order) -> dict[str, Any]:
    """The context of the order's invoice PDF: its current version, with what was paid and what is owed."""
    invoice = _invoice_of(order)
    paid = paid_total(order)
    return {
        **version_context(invoice, order), "as_issued": False, "paid": paid,
        "credited": credited_total(order),
        "outstanding": ZERO if invoice.status in CLOSED else balance(order, paid, credited_total(order)),
    }


def _version(invoice: Invoice | Row[*tuple[Any, ...]], *live: Any, lines: tuple[Any, ...] = ()) -> str:
    company = db.session.get_one(Company, invoice.company_id)
    return f"v{invoice.version}-" + fingerprint(invoice.number, invoice.issued_at, invoice.due_date, invoice.buyer,
                                                invoice.subtotal, invoice.tax_total, invoice.total,
                                                *lines, company, *live)


# The order's current invoice as its PDF's version reads it: the invoice's row with what was paid and credited of
# the order, in one statement built once, as a plain row. An invoice's row and lines are never edited after issue
# (``models``): the invoice's id, the stored document's entity, stands for its lines, and what can change is the
# invoice's status and what was paid and credited, which the statement reads each time.
_INVOICE = Invoice.__table__
_ALLOCATION = PaymentAllocation.__table__
_CREDIT_NOTE = CreditNote.__table__
_CURRENT_INVOICE = (
    select(_INVOICE.c.id, _INVOICE.c.company_id, _INVOICE.c.version, _INVOICE.c.number, _INVOICE.c.issued_at,
           _INVOICE.c.due_date, _INVOICE.c.buyer, _INVOICE.c.subtotal, _INVOICE.c.tax_total, _INVOICE.c.total,
           _INVOICE.c.status,
           select(func.sum(_ALLOCATION.c.amount))
           .where(_ALLOCATION.c.order_id == bindparam("order_id"), _ALLOCATION.c.reversed_at.is_(None))
           .scalar_subquery().label("paid"),
           select(func.sum(_CREDIT_NOTE.c.total))
           .where(_CREDIT_NOTE.c.order_id == bindparam("order_id"),
                  _CREDIT_NOTE.c.reason == CreditReason.CASE_CREDIT)
           .scalar_subquery().label("credited"))
    .where(_INVOICE.c.order_id == bindparam("order_id")).order_by(_INVOICE.c.version.desc()).limit(1))


def _current_invoice(order: Order) -> Row[*tuple[Any, ...]] | None:
    """The order's current invoice with what was paid and credited of the order, or None before it is invoiced;
    read once per unit of work until one of those is written (``core.session_memo``)."""
    return remembered(("billing.invoice_version", order.id),
                      lambda: db.session.execute(_CURRENT_INVOICE, {"order_id": order.id}).one_or_none(),
                      autoflush=True, tables=(Invoice.__tablename__, PaymentAllocation.__tablename__,
                                              CreditNote.__tablename__))


def _sum(value: Any) -> Decimal:
    return ZERO if value is None else money(Decimal(value))


def invoice_source(order: Order) -> DocumentSource:
    """The version of the order's invoice PDF: the invoice version, its status and what was paid and credited
    of the order, read by one statement."""
    invoice = _current_invoice(order)
    if invoice is None:
        raise NotFound(_("order %(number)s has no invoice yet", number=order.display_number), field="kind")
    return DocumentSource(_version(invoice, invoice.status, _sum(invoice.paid), _sum(invoice.credited)),
                          entity="invoice", entity_id=invoice.id)


def _latest_credit_note(order: Order) -> CreditNote:
    notes = credit_notes_of(order)
    if not notes:
        raise NotFound(_("order %(number)s has no credit note", number=order.display_number), field="kind")
    return notes[-1]


def order_kinds() -> list[DocumentKind]:
    """The order's invoice and its latest credit note. The customer's own copies: a customer user opens them
    without seeing billing's pages."""
    return [DocumentKind(INVOICE_DOCUMENT, _l("Invoice"), "invoice.html", "billing.view", invoice_document,
                         available=lambda order: _current_invoice(order) is not None,
                         source=invoice_source, customer_copy=True),
            DocumentKind(CREDIT_NOTE, _l("Credit note"), "credit_note.html", "billing.view",
                         context=lambda order: credit_note_context(_latest_credit_note(order), order),
                         available=lambda order: bool(credit_notes_of(order)),
                         source=lambda order: _credit_note_source(_latest_credit_note(order)), customer_copy=True)]


def version_kind(invoice: Invoice) -> DocumentKind:
    """One version of an invoice as it was issued, old or current."""
    return DocumentKind(INVOICE_VERSION, _l("Invoice"), "invoice.html", "billing.view",
                        context=lambda order: version_context(invoice, order),
                        source=lambda order: DocumentSource(_version(invoice, lines=tuple(invoice.lines)),
                                                            entity="invoice_version",
                                                            entity_id=invoice.id),
                        customer_copy=True)


def credit_note_context(credit_note: CreditNote, order: Order) -> dict[str, Any]:
    invoice = credit_note.invoice
    return {"credit_note": credit_note, "lines": list(credit_note.lines), "credited_invoice": invoice,
            "buyer": buyer_view(invoice.buyer if invoice is not None else None, order)}


def _credit_note_source(credit_note: CreditNote) -> DocumentSource:
    company = db.session.get_one(Company, credit_note.company_id)
    return DocumentSource("c-" + fingerprint(credit_note, *credit_note.lines, company,
                                             credit_note.invoice.buyer if credit_note.invoice else None),
                          entity="credit_note", entity_id=credit_note.id)


def credit_note_kind(credit_note: CreditNote) -> DocumentKind:
    """A credit note's PDF: what it takes back, of which invoice, and why."""
    return DocumentKind(CREDIT_NOTE, _l("Credit note"), "credit_note.html", "billing.view",
                        context=lambda order: credit_note_context(credit_note, order),
                        source=lambda order: _credit_note_source(credit_note), customer_copy=True)
