"""Invoices' JSON API: the invoice list."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from plugins.billing.invoices import services
from plugins.billing.invoices.schemas import InvoicePageSchema, InvoiceQuerySchema

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
