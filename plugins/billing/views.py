"""Portal pages of the billing plugin: the invoice list and the order page's payment form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors, required
from plugins.billing import services
from plugins.billing.forms import InvoiceFilterForm, PaymentForm
from plugins.billing.models import InvoiceStatus

bp = Blueprint("billing", __name__)

PER_PAGE = 25


@bp.route("/invoices")
@requires("billing.view")
def invoices():
    actor = require_actor()
    form = InvoiceFilterForm(request.args)
    filters: dict = {}
    if form.validate():
        filters = {
            "status": InvoiceStatus(form.status.data) if form.status.data else None,
            "number": (form.number.data or "").strip() or None,
            "overdue": form.overdue.data,
            "page": form.page.data or 1,
        }
    else:
        flash_form_errors(form)
    page = services.search_invoices(actor, per_page=PER_PAGE, **filters)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "billing/invoices.html", form=form, page=page, query=query, pages=-(-page["total"] // PER_PAGE),
        summary=services.receivables_summary(actor),
    )


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
                    amount=payment.amount, currency=order.currency, number=order.display_number), "success")
    return redirect(order_url(order_id))
