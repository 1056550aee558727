"""Invoices' JSON API: the invoice list, an invoice with its versions, credit notes and fapiao, recording a
fapiao, and the PDFs of any invoice version and credit note."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.documents import kind_document_response
from core.orders.queries import get_order
from plugins.billing.dates import company_today
from plugins.billing.invoices import credit_notes, documents, fapiao, services
from plugins.billing.invoices.models import CreditNote, FapiaoRecord, Invoice
from plugins.billing.invoices.schemas import (
    FapiaoRequestSchema, FapiaoSchema, InvoiceDetailSchema, InvoicePageSchema, InvoiceQuerySchema,
)

PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}

blp = ApiBlueprint("billing_api", __name__, description="Invoices, issued by the order's payment terms")


def invoice_payload(row: services.InvoiceBalance) -> dict[str, Any]:
    invoice = row.invoice
    return {
        "id": invoice.id, "number": invoice.number, "order_id": invoice.order_id,
        "order_number": invoice.order.number, "customer_id": invoice.order.customer_id,
        "customer_name": invoice.order.customer.name, "currency": invoice.currency,
        "subtotal": invoice.subtotal, "tax_total": invoice.tax_total, "total": invoice.total,
        "paid": row.paid, "outstanding": row.outstanding, "issued_at": invoice.issued_at,
        "due_date": invoice.due_date, "overdue": row.overdue, "status": invoice.status, "paid_at": invoice.paid_at,
    }


@blp.route("/invoices")
class Invoices(MethodView):
    @requires("billing.view")
    @blp.arguments(InvoiceQuerySchema, location="query")
    @blp.response(200, InvoicePageSchema)
    def get(self, args):
        """List the company's invoices, newest first, with what is paid and outstanding."""
        page = services.search_invoices(require_actor(), **args)
        page["items"] = [invoice_payload(row) for row in page["items"]]
        return page


def line_payload(line: Any) -> dict[str, Any]:
    return {name: getattr(line, name) for name in (
        "line_no", "description", "specification", "unit", "quantity", "unit_price", "tax_rate", "net_amount",
        "tax_amount", "amount")}


def credit_note_payload(note: CreditNote) -> dict[str, Any]:
    return {"id": note.id, "number": note.number, "invoice_id": note.invoice_id, "reason": note.reason,
            "note": note.note, "case_number": note.case_number, "currency": note.currency,
            "subtotal": note.subtotal, "tax_total": note.tax_total, "total": note.total,
            "issued_at": note.issued_at, "lines": [line_payload(line) for line in note.lines]}


def fapiao_payload(record: FapiaoRecord) -> dict[str, Any]:
    return {"id": record.id, "invoice_id": record.invoice_id, "credit_note_id": record.credit_note_id,
            "red": record.red, "fapiao_type": record.fapiao_type, "code": record.code, "number": record.number,
            "issued_on": record.issued_on, "amount": record.amount, "created_at": record.created_at}


def detail_payload(invoice: Invoice) -> dict[str, Any]:
    order = invoice.order
    [row] = services.balances([invoice], company_today(invoice.company_id))
    return {
        **invoice_payload(row), "version": invoice.version,
        "lines": [line_payload(line) for line in invoice.lines],
        "versions": [{"id": version.id, "version": version.version, "number": version.number,
                      "status": version.status, "issued_at": version.issued_at, "total": version.total,
                      "replaces_id": version.replaces_id} for version in services.versions_of(order)],
        "credit_notes": [credit_note_payload(note) for note in credit_notes.credit_notes_of(order)],
        "fapiao": [fapiao_payload(record) for record in fapiao.recorded_on(invoice)],
    }


@blp.route("/invoices/<id:invoice_id>")
class InvoiceDetail(MethodView):
    @requires("billing.view")
    @blp.response(200, InvoiceDetailSchema)
    def get(self, invoice_id):
        """One invoice version with its lines, every version of the order's invoice, the order's credit notes,
        and the fapiao recorded against it."""
        return detail_payload(services.get_invoice(require_actor(), invoice_id))


@blp.route("/invoices/<id:invoice_id>/fapiao")
class InvoiceFapiao(MethodView):
    @requires("billing.fapiao.record")
    @blp.arguments(FapiaoRequestSchema)
    @blp.response(201, FapiaoSchema)
    def post(self, data, invoice_id):
        """Record a fapiao the tax system issued against the invoice, or a red-letter one against its credit note.

        The fapiao recorded against an invoice add up to at most its total (a red-letter one's to the credit
        note's); a code and number already recorded is refused naming ``number``.
        """
        actor = require_actor()
        invoice = services.get_invoice(actor, invoice_id)
        return fapiao_payload(fapiao.record_fapiao(invoice, actor=actor, **data))


@blp.route("/invoices/<id:invoice_id>/document")
class InvoiceDocument(MethodView):
    @requires("billing.view")
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(304, description="Not Modified: the If-None-Match ETag is the stored document's")
    @blp.doc(responses=PDF)
    def get(self, invoice_id):
        """This invoice version as it was issued, a PDF in the customer's language, with an ETag."""
        actor = require_actor()
        invoice = services.get_invoice(actor, invoice_id)
        return kind_document_response(invoice.order, documents.version_kind(invoice), actor)


@blp.route("/credit-notes/<id:credit_note_id>/document")
class CreditNoteDocument(MethodView):
    @requires("billing.view")
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(304, description="Not Modified: the If-None-Match ETag is the stored document's")
    @blp.doc(responses=PDF)
    def get(self, credit_note_id):
        """A credit note, a PDF in the customer's language, with an ETag."""
        actor = require_actor()
        credit_note = credit_notes.get_credit_note(actor, credit_note_id)
        order = get_order(actor, credit_note.order_id)
        return kind_document_response(order, documents.credit_note_kind(credit_note), actor)
