"""Portal pages of invoices: the invoice list (a list view with its receivables summary)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Select

from core.auth.context import require_actor, requires
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec, list_response, order_column
from core.models import Customer, Order, User
from plugins.billing.invoices import services
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
