"""Portal pages of invoices: the invoice list (a list view with its receivables summary), recording a fapiao
from the order page, and the PDFs of any invoice version and credit note."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Select

from core.auth.context import require_actor, requires
from core.documents import kind_document_response
from core.formatting import money
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec, list_response, order_column
from core.models import Customer, Order, User
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors, required
from plugins.billing.invoices import credit_notes, documents, services
from plugins.billing.invoices.fapiao import fapiao_outstanding, record_fapiao
from plugins.billing.invoices.forms import FapiaoForm
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments import ledger, receivables

bp = Blueprint("billing", __name__)


def _invoices(user: User) -> Select[Any]:
    return services.visible_invoices(user).join(Customer, Order.customer_id == Customer.id)


INVOICE_LIST = ListSpec(
    name="invoices",
    source=_invoices,
    id=Invoice.id,
    columns=(
        Column("number", _l("Invoice"), Invoice.number, sortable=True),
        order_column(),
        Column("customer", _l("Customer"), Customer.name),
        Column("issued_at", _l("Issued"), Invoice.issued_at, Kind.DATETIME, sortable=True),
        Column("due_date", _l("Due"), Invoice.due_date, Kind.DATE, sortable=True),
        Column("total", _l("Total"), Invoice.total, Kind.MONEY, sortable=True),
        Column("paid", lazy_pgettext("amount", "Paid"), ledger.paid_on_invoice(), Kind.MONEY),
        Column("outstanding", _l("Outstanding"), ledger.outstanding_on_invoice(), Kind.MONEY),
        Column("currency", _l("Currency"), Invoice.currency),
        Column("status", _l("Status"), Invoice.status, Kind.CODE, badge=True),
    ),
    search=(Invoice.number, Order.number, Customer.name, Customer.code, Order.customer_reference),
    filters=(
        Filter("status", _l("Status"), Invoice.status, choices=InvoiceStatus),
        Filter("overdue", _l("Overdue only"), None, FilterKind.FLAG, condition=services.overdue_condition),
        Filter("without_fapiao", _l("Fapiao not yet recorded"), None, FilterKind.FLAG,
               condition=lambda user: fapiao_outstanding()),
        Filter("issued", _l("Issued"), Invoice.issued_at, FilterKind.DATE_RANGE),
        Filter("due", _l("Due"), Invoice.due_date, FilterKind.DATE_RANGE),
    ),
    group_bys=(
        GroupBy("status", _l("Status"), Invoice.status, filter="status"),
        GroupBy("customer", _l("Customer"), Order.customer_id, text=Customer.name,
                when=lambda user: user.customer_id is None),
    ),
    default_sort="-issued_at",
    carry={"order_id": Invoice.order_id},
)


@bp.route("/invoices")
@requires("billing.view")
def invoices():
    actor = require_actor()
    return list_response(INVOICE_LIST, actor, "billing/invoices/list.html",
                         summary=receivables.receivables_summary(actor))


@bp.route("/invoices/<id:invoice_id>/fapiao", methods=["POST"])
@requires("billing.fapiao.record")
def record_invoice_fapiao(invoice_id: int):
    actor = require_actor()
    invoice = services.get_invoice(actor, invoice_id)
    form = FapiaoForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        if form.credit_note_id.data:  # a red-letter fapiao stands against the version its credit note credits
            invoice = _credited_version(invoice, form.credit_note_id.data)
        record = attempt(lambda: record_fapiao(
            invoice, fapiao_type=form.fapiao_type.data, code=form.code.data, number=form.number.data,
            issued_on=form.issued_on.data, amount=required(form.amount.data),
            credit_note_id=form.credit_note_id.data, actor=actor))
        if record is not None:
            flash(_("Fapiao %(number)s of %(amount)s recorded against %(document)s.", number=record.number,
                    amount=money(record.amount), document=invoice.number), "success")
    return redirect(order_url(invoice.order_id))


def _credited_version(invoice: Invoice, credit_note_id: int) -> Invoice:
    """The version of ``invoice``'s order that the credit note credits (``invoice`` itself when it is none:
    the service then refuses the credit note, naming it)."""
    note = next((note for note in credit_notes.credit_notes_of(invoice.order) if note.id == credit_note_id), None)
    versions = {version.id: version for version in services.versions_of(invoice.order)}
    return versions.get(note.invoice_id, invoice) if note is not None and note.invoice_id else invoice


@bp.route("/invoices/<id:invoice_id>/document")
@requires("billing.view")
def invoice_document(invoice_id: int):
    actor = require_actor()
    invoice = services.get_invoice(actor, invoice_id)
    return kind_document_response(invoice.order, documents.version_kind(invoice), actor)


@bp.route("/credit-notes/<id:credit_note_id>/document")
@requires("billing.view")
def credit_note_document(credit_note_id: int):
    actor = require_actor()
    credit_note = credit_notes.get_credit_note(actor, credit_note_id)
    order = get_order(actor, credit_note.order_id)
    return kind_document_response(order, documents.credit_note_kind(credit_note), actor)
