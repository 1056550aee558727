"""Portal pages of payments: finance records a payment from the order page's billing section."""
from __future__ import annotations

from flask import Blueprint, flash, redirect
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.formatting import money
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors, required
from plugins.billing.dates import company_zone
from plugins.billing.payments import services
from plugins.billing.payments.forms import PaymentForm

bp = Blueprint("billing_payments", __name__)


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
            received_at = received_at.replace(tzinfo=company_zone(actor.company_id))
        payment = attempt(lambda: services.record_payment(
            order, amount=required(form.amount.data), received_at=received_at, method=form.method.data,
            reference=form.reference.data, actor=actor))
        if payment is not None:
            flash(_("Payment of %(amount)s %(currency)s recorded for order %(number)s.",
                    amount=money(payment.amount), currency=order.currency, number=order.display_number), "success")
    return redirect(order_url(order_id))
