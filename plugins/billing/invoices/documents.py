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

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import DocumentKind, DocumentSource
from core.documents import fingerprint
from core.errors import NotFound
from core.extensions import db
from core.models import Company, InvoiceType, Order, PaymentTerms
from plugins.billing.invoices.credit_notes import credit_notes_of
from plugins.billing.invoices.models import INVOICE_DOCUMENT, CreditNote, Invoice
from plugins.billing.invoices.services import BUYER_FIELDS, CLOSED, buyer_of, invoice_for
from plugins.billing.payments.ledger import ZERO, balance, credited_total, paid_total

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


def _version(invoice: Invoice, *live: Any) -> str:
    company = db.session.get_one(Company, invoice.company_id)
    return f"v{invoice.version}-" + fingerprint(invoice.number, invoice.issued_at, invoice.due_date, invoice.buyer,
                                                invoice.subtotal, invoice.tax_total, invoice.total,
                                                *invoice.lines, company, *live)


def invoice_source(order: Order) -> DocumentSource:
    """The version of the order's invoice PDF: the invoice version, its status and what was paid against it."""
    invoice = _invoice_of(order)
    return DocumentSource(_version(invoice, invoice.status, paid_total(order), credited_total(order)),
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
                         available=lambda order: invoice_for(order) is not None,
                         source=invoice_source, customer_copy=True),
            DocumentKind(CREDIT_NOTE, _l("Credit note"), "credit_note.html", "billing.view",
                         context=lambda order: credit_note_context(_latest_credit_note(order), order),
                         available=lambda order: bool(credit_notes_of(order)),
                         source=lambda order: _credit_note_source(_latest_credit_note(order)), customer_copy=True)]


def version_kind(invoice: Invoice) -> DocumentKind:
    """One version of an invoice as it was issued, old or current."""
    return DocumentKind(INVOICE_VERSION, _l("Invoice"), "invoice.html", "billing.view",
                        context=lambda order: version_context(invoice, order),
                        source=lambda order: DocumentSource(_version(invoice), entity="invoice_version",
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
