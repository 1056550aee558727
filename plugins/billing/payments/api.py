"""Payments' JSON API: recording a payment with its allocations, reversing one, an order's payments, a
customer's balance."""
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
from plugins.billing.payments import account, ledger, services
from plugins.billing.payments.allocations import unallocated, unallocated_of
from plugins.billing.payments.models import BillingPayment
from plugins.billing.payments.schemas import (
    AccountQuerySchema, CustomerBalanceSchema, OrderPaymentsSchema, PaymentRequestSchema, PaymentResultSchema,
    PrepaymentShareRequestSchema, PrepaymentShareSchema, ReverseRequestSchema,
)

blp = ApiBlueprint("billing_payments_api", __name__, description="Payments received from customers")


def payment_payload(payment: BillingPayment, left: Any = None) -> dict[str, Any]:
    return {
        "id": payment.id, "customer_id": payment.customer_id, "order_id": payment.order_id,
        "invoice_id": payment.invoice_id, "currency": payment.currency, "amount": payment.amount,
        "unallocated": left, "received_at": payment.received_at, "method": payment.method,
        "reference": payment.reference, "is_prepayment": payment.is_prepayment,
        "recorded_by": payment.recorded_by.name if payment.recorded_by else None,
        "created_at": payment.created_at, "reversed_at": payment.reversed_at,
        "reversal_reason": payment.reversal_reason,
        "allocations": [{"invoice_id": allocation.invoice_id, "order_id": allocation.order_id,
                         "amount": allocation.amount, "reversed": allocation.reversed_at is not None}
                        for allocation in payment.allocations],
    }


def _result(payment: BillingPayment) -> dict[str, Any]:
    left = unallocated_of(payment)  # from the allocations the answer lists: not asked of the database again
    body = {**payment_payload(payment, left), "order_status": None, "fully_paid": None, "outstanding": None}
    if payment.order_id is not None:
        order = get_order(require_actor(), payment.order_id)
        owed = ledger.outstanding(order)
        body.update(order_status=order.status, fully_paid=owed <= ledger.ZERO, outstanding=owed)
    return body


@blp.route("/payments")
class Payments(MethodView):
    @requires("billing.payment.record")
    @blp.arguments(PaymentRequestSchema)
    @blp.response(201, PaymentResultSchema)
    def post(self, data):
        """Record a payment received from a customer, allocated across their invoices.

        With ``order_id`` it pays that order (at most what it still owes). With ``customer_id``,
        ``allocations`` say what it pays of which invoice (each at most what the invoice still owes,
        together at most the amount); without them the oldest due invoices are paid first. What no
        allocation takes is kept as the customer's credit and applied to their next invoice when it is
        issued. A payment before delivery is a prepayment; the same payment recorded twice (the same
        reference) is refused. Paying a delivered order in full completes it.
        """
        actor = require_actor()
        order = customer = None
        if data["order_id"] is not None:
            try:
                order = get_order(actor, data["order_id"])
            except NotFound as error:
                raise NotFound(error.message, field="order_id") from None
        elif data["customer_id"] is not None:
            customer = account.get_account_customer(actor, data["customer_id"])
        shares = (None if data["allocations"] is None else
                  [services.Share(row["invoice_id"], row["amount"], index)
                   for index, row in enumerate(data["allocations"])])
        payment = services.record_payment(
            order, customer=customer, amount=data["amount"], currency=data["currency"], allocations=shares,
            received_at=data["received_at"], method=data["method"], reference=data["reference"], actor=actor,
        )
        return _result(payment)


@blp.route("/payments/<id:payment_id>/reverse")
class PaymentReversal(MethodView):
    @requires("billing.payment.record")
    @blp.arguments(ReverseRequestSchema)
    @blp.response(200, PaymentResultSchema)
    def post(self, data, payment_id):
        """Reverse a wrong payment with the reason: it is kept, marked reversed, its allocations undone, and
        what it paid owes again. A payment that paid an order since completed is refused (409): the core
        cannot re-open a completed order."""
        actor = require_actor()
        payment = services.get_payment(actor, payment_id)
        return _result(services.reverse_payment(payment, reason=data["reason"], actor=actor))


@blp.route("/orders/<id:order_id>/payments")
class OrderPayments(MethodView):
    @requires("billing.view")
    @blp.response(200, OrderPaymentsSchema)
    def get(self, order_id):
        """An order's payments, oldest first, with its invoice and balance; reversed ones stay listed."""
        actor = require_actor()
        order = get_order(actor, order_id)
        payments = ledger.payments_for(order)
        paid = ledger.paid_total(order)
        invoice = invoice_for(order)
        owed = ledger.outstanding(order)
        left = unallocated(payment.id for payment in payments)
        return {
            "order_id": order.id, "currency": order.currency, "total": order.total, "paid": paid,
            "outstanding": owed, "fully_paid": paid >= order.total,
            "invoice": (invoice_payload(balances([invoice], company_today(order.company_id))[0])
                        if invoice else None),
            "items": [payment_payload(payment, left.get(payment.id, ledger.ZERO)) for payment in payments],
        }


@blp.route("/customers/<id:customer_id>/balance")
class CustomerBalance(MethodView):
    @requires("billing.account.view")
    @blp.arguments(AccountQuerySchema, location="query")
    @blp.response(200, CustomerBalanceSchema)
    def get(self, args, customer_id):
        """A customer's account: per currency what their open invoices owe (of it overdue, and by days past
        due), their credit (what of their payments no allocation takes) and the balance; a page of their
        open invoices, oldest due first (follow ``next`` for more); their latest payments. A customer's own
        users read their own."""
        customer = account.get_account_customer(require_actor(), customer_id)
        found = account.customer_account(customer)
        page = account.open_invoices_page(customer, **args)
        return {
            **page,
            "customer_id": customer.id, "customer_name": customer.name, "as_of": found.today,
            "totals": [{"currency": t.currency, "outstanding": t.outstanding, "credit": t.credit,
                        "balance": t.balance, "open_count": t.open_count, "overdue": t.overdue,
                        "overdue_count": t.overdue_count,
                        "ageing": [{"bucket": bucket.key, "label": str(bucket.label), "amount": amount}
                                   for bucket, amount in t.aged]}
                       for t in found.totals],
            "invoices": [{"id": invoice.id, "number": invoice.number, "order_id": invoice.order_id,
                          "order_number": invoice.order.number, "currency": invoice.currency,
                          "total": invoice.total, "outstanding": owed, "due_date": invoice.due_date,
                          "status": invoice.status}
                         for invoice, owed in page["items"]],
            "payments": [payment_payload(payment, left) for payment, left in found.payments],
        }


@blp.route("/customers/<id:customer_id>/prepayment-share")
class CustomerPrepaymentShare(MethodView):
    @requires("customer.manage")
    @blp.arguments(PrepaymentShareRequestSchema)
    @blp.response(200, PrepaymentShareSchema)
    def put(self, data, customer_id):
        """Agree the share of the total the customer's prepayment orders pay before execution (their contract's
        default); an order's own share overrides it. Null: the whole total."""
        actor = require_actor()
        customer = account.get_account_customer(actor, customer_id)
        share = services.set_prepayment_percent(customer, data["percent"], actor=actor)
        percent = share.percent if share is not None else None
        return {"customer_id": customer.id, "order_id": None, "percent": percent,
                "applies": percent if percent is not None else services.HUNDRED}


@blp.route("/orders/<id:order_id>/prepayment-share")
class OrderPrepaymentShare(MethodView):
    @requires("customer.manage")
    @blp.arguments(PrepaymentShareRequestSchema)
    @blp.response(200, PrepaymentShareSchema)
    def put(self, data, order_id):
        """Agree the share of this prepayment order's total paid before execution, overriding the customer's
        default. Null: the customer's default applies again."""
        actor = require_actor()
        order = get_order(actor, order_id)
        share = services.set_prepayment_percent(order.customer, data["percent"], order=order, actor=actor)
        return {"customer_id": order.customer_id, "order_id": order.id,
                "percent": share.percent if share is not None else None,
                "applies": services.prepayment_percent(order)}
