"""Payments' JSON API: recording a payment, an order's payments."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.errors import NotFound
from core.orders.queries import get_order
from plugins.billing.dates import company_today
from plugins.billing.invoices.api import invoice_payload
from plugins.billing.invoices.services import balances, invoice_for
from plugins.billing.payments import ledger, services
from plugins.billing.payments.models import BillingPayment
from plugins.billing.payments.schemas import OrderPaymentsSchema, PaymentRequestSchema, PaymentResultSchema

blp = ApiBlueprint("billing_payments_api", __name__, description="Payments received against orders")


def payment_payload(payment: BillingPayment) -> dict[str, Any]:
    return {
        "id": payment.id, "order_id": payment.order_id, "invoice_id": payment.invoice_id,
        "amount": payment.amount, "received_at": payment.received_at, "method": payment.method,
        "reference": payment.reference, "is_prepayment": payment.is_prepayment,
        "recorded_by": payment.recorded_by.name if payment.recorded_by else None,
        "created_at": payment.created_at,
    }


@blp.route("/payments")
class Payments(MethodView):
    @requires("billing.payment.record")
    @blp.arguments(PaymentRequestSchema)
    @blp.response(201, PaymentResultSchema)
    def post(self, data):
        """Record a payment received for an order; it may not exceed the outstanding balance.

        A payment before delivery is a prepayment; paying a delivered order in full completes it.
        """
        actor = require_actor()
        try:
            order = get_order(actor, data["order_id"])
        except NotFound as error:
            raise NotFound(error.message, field="order_id") from None
        payment = services.record_payment(
            order, amount=data["amount"], received_at=data["received_at"], method=data["method"],
            reference=data["reference"], actor=actor,
        )
        paid = ledger.paid_total(order)
        return {**payment_payload(payment), "order_status": order.status, "fully_paid": paid >= order.total,
                "outstanding": ledger.outstanding(order)}


@blp.route("/orders/<id:order_id>/payments")
class OrderPayments(MethodView):
    @requires("billing.view")
    @blp.response(200, OrderPaymentsSchema)
    def get(self, order_id):
        """An order's payments, oldest first, with its invoice and balance."""
        actor = require_actor()
        order = get_order(actor, order_id)
        payments = ledger.payments_for(order)
        paid = sum((payment.amount for payment in payments), ledger.ZERO)
        invoice = invoice_for(order)
        return {
            "order_id": order.id, "currency": order.currency, "total": order.total, "paid": paid,
            "outstanding": ledger.outstanding(order), "fully_paid": paid >= order.total,
            "invoice": (invoice_payload(balances([invoice], company_today(order.company_id))[0])
                        if invoice else None),
            "items": [payment_payload(payment) for payment in payments],
        }
