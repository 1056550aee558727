"""Portal pages of the billing plugin: the invoice list (a list view) and the order page's payment form."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Select

from core.auth.context import require_actor, requires
from core.formatting import money
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec, list_response, order_column
from core.models import Customer, Order, User
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors, required
from plugins.billing import services
from plugins.billing.forms import PaymentForm
from plugins.billing.models import Invoice, InvoiceStatus

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
        Column("paid", lazy_pgettext("amount", "Paid"), services.paid_on_invoice(), Kind.MONEY),
        Column("outstanding", _l("Outstanding"), services.outstanding_on_invoice(), Kind.MONEY),
        Column("currency", _l("Currency"), Invoice.currency),
        Column("status", _l("Status"), Invoice.status, Kind.CODE, badge=True),
    ),
    search=(Invoice.number, Order.number, Customer.name, Customer.code, Order.customer_reference),
    filters=(
        Filter("status", _l("Status"), Invoice.status, choices=InvoiceStatus),
        Filter("overdue", _l("Overdue only"), None, FilterKind.FLAG, condition=services.overdue_condition),
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
    return list_response(INVOICE_LIST, actor, "billing/invoices.html", summary=services.receivables_summary(actor))


@bp.route("/orders/<id:order_id>/payments", methods=["POST"])
@requires("billing.payment.record")
def record_payment(order_id: int):
    actor = require_actor()
    order = get_order(actor, order_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        received_at = form.received_at.data
        if received_at is not None:  # the browser sends the company's local time, without a zone
            received_at = received_at.replace(tzinfo=services.company_zone(actor.company_id))
        payment = attempt(lambda: services.record_payment(
            order, amount=required(form.amount.data), received_at=received_at, method=form.method.data,
            reference=form.reference.data, actor=actor))
        if payment is not None:
            flash(_("Payment of %(amount)s %(currency)s recorded for order %(number)s.",
                    amount=money(payment.amount), currency=order.currency, number=order.display_number), "success")
    return redirect(order_url(order_id))
