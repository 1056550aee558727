"""Marshmallow schemas of payments' API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import validate

from core.api.fields import MONEY_FLAG, IdField, MoneyField
from core.api.schemas import PageArgsSchema, PageSchema, PricedSchema
from core.models import OrderStatus
from plugins.billing.invoices.models import InvoiceStatus
from plugins.billing.invoices.schemas import Amount, InvoiceSchema
from plugins.billing.payments.account import LISTED
from plugins.billing.payments.models import PaymentMethod


class AllocationRequestSchema(PricedSchema):
    invoice_id = IdField(required=True)
    amount = MoneyField(
        required=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False),
        metadata={"description": "what of the payment pays this invoice: greater than zero, at most what the "
                                 "invoice still owes", "example": "500.00"},
    )


class PaymentRequestSchema(PricedSchema):
    order_id = IdField(load_default=None, metadata={
        "description": "pay this order (its invoice, or the order before it is invoiced); or give customer_id"})
    customer_id = IdField(load_default=None, metadata={
        "description": "the customer who paid, for a payment across their invoices; taken from order_id if given"})
    currency = ma.fields.String(load_default=None, validate=validate.Length(equal=3), metadata={
        "description": "the payment's currency, that of the invoices it pays; the order's or the company's "
                       "when omitted", "example": "CNY"})
    allocations = ma.fields.List(ma.fields.Nested(AllocationRequestSchema), load_default=None, metadata={
        "description": "what the payment pays of which invoice of the customer; omitted, the oldest due "
                       "invoices are paid first. What no allocation takes is the customer's credit"})
    amount = MoneyField(
        required=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False),
        metadata={"description": "a decimal string greater than zero, at most two decimal places",
                  "example": "1130.00"},
    )
    received_at = ma.fields.AwareDateTime(
        load_default=None, metadata={"description": "when the money arrived, with its time zone; now when omitted"}
    )
    method = ma.fields.Enum(PaymentMethod, by_value=True, load_default=PaymentMethod.BANK_TRANSFER)
    reference = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120),
                                 metadata={"description": "the bank's or the customer's reference"})

    @ma.validates_schema
    def names_who_paid(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("order_id") is None and data.get("customer_id") is None:
            message = _("give the order paid (order_id) or the customer who paid (customer_id)")
            raise ma.ValidationError({"order_id": [message], "customer_id": [message]})


class AllocationSchema(PricedSchema):
    invoice_id = ma.fields.Integer(allow_none=True, metadata={"description": "null before the order is invoiced"})
    order_id = ma.fields.Integer()
    amount = Amount()
    reversed = ma.fields.Boolean()


class PaymentSchema(PricedSchema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    order_id = ma.fields.Integer(allow_none=True)
    invoice_id = ma.fields.Integer(allow_none=True)
    currency = ma.fields.String()
    amount = Amount()
    unallocated = Amount(metadata={"description": "what no allocation takes: the customer's credit"})
    allocations = ma.fields.List(ma.fields.Nested(AllocationSchema))
    reversed_at = ma.fields.AwareDateTime(allow_none=True)
    reversal_reason = ma.fields.String(allow_none=True)
    received_at = ma.fields.AwareDateTime()
    method = ma.fields.Enum(PaymentMethod, by_value=True)
    reference = ma.fields.String(allow_none=True)
    is_prepayment = ma.fields.Boolean()
    recorded_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class PaymentResultSchema(PaymentSchema):
    order_status = ma.fields.Enum(OrderStatus, by_value=True, allow_none=True,
                                  metadata={"description": "the paid order's status, for a payment of one order"})
    fully_paid = ma.fields.Boolean(allow_none=True)
    outstanding = Amount()


class PrepaymentShareRequestSchema(ma.Schema):
    percent = ma.fields.Decimal(required=True, allow_none=True, as_string=True, places=None, metadata={
        MONEY_FLAG: False, "description": "the prepayment's share of the total, above 0 and at most 100, two places at most; "
                       "null takes the agreement away", "example": "30.00"})


class PrepaymentShareSchema(ma.Schema):
    customer_id = ma.fields.Integer()
    order_id = ma.fields.Integer(allow_none=True)
    percent = ma.fields.Decimal(as_string=True, allow_none=True, metadata={
        MONEY_FLAG: False, "description": "the share agreed here; null: none here (the customer's default, else 100)"})
    applies = ma.fields.Decimal(as_string=True, metadata={
        MONEY_FLAG: False, "description": "the share that applies, in percent"})


class ReverseRequestSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500),
                              metadata={"description": "why the payment was wrong, kept with it"})


class AccountQuerySchema(PageArgsSchema):
    """Which page of the account's open invoices (``core.db.page_of``): the first, or the one after a cursor
    (``next``); no page numbers, as the account is not one of the numbered lists."""

    class Meta:
        exclude = ("page",)

    per_page = ma.fields.Integer(load_default=LISTED, validate=validate.Range(min=1, max=200))


class AccountInvoiceSchema(PricedSchema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    order_id = ma.fields.Integer()
    order_number = ma.fields.String(allow_none=True)
    currency = ma.fields.String()
    total = Amount()
    outstanding = Amount(metadata={"description": "what the invoice still owes"})
    due_date = ma.fields.Date()
    status = ma.fields.Enum(InvoiceStatus, by_value=True)


class AgeingAmountSchema(PricedSchema):
    bucket = ma.fields.String(metadata={"description": "the bucket's key: ``not_due``, ``1_30``, ... ``over_180`` "
                                                       "(the company's ageing buckets in days)",
                                        "example": "1_30"})
    label = ma.fields.String(metadata={"description": "the bucket's name in the reader's language"})
    amount = Amount(metadata={"description": "owed on the open invoices as many days past due as the bucket says"})


class AccountTotalsSchema(PricedSchema):
    currency = ma.fields.String()
    outstanding = Amount(metadata={"description": "owed on the customer's open invoices"})
    credit = Amount(metadata={"description": "what of their payments no allocation takes"})
    balance = Amount(metadata={"description": "outstanding less credit; negative when the company owes them"})
    open_count = ma.fields.Integer(metadata={"description": "how many open invoices owe the outstanding amount"})
    overdue = Amount(metadata={"description": "of the outstanding amount, what is owed past its due date"})
    overdue_count = ma.fields.Integer(metadata={"description": "how many open invoices are past their due date"})
    ageing = ma.fields.List(ma.fields.Nested(AgeingAmountSchema), metadata={
        "description": "the outstanding amount by days past due, one figure per bucket, in the buckets' order"})


class CustomerBalanceSchema(PageSchema):
    """The account, with a page of its open invoices: ``total``, ``next_cursor`` and ``next`` are that list's."""

    customer_id = ma.fields.Integer()
    customer_name = ma.fields.String()
    as_of = ma.fields.Date(metadata={"description": "the company's today, which overdue and the ageing count from"})
    totals = ma.fields.List(ma.fields.Nested(AccountTotalsSchema))
    invoices = ma.fields.List(ma.fields.Nested(AccountInvoiceSchema), metadata={
        "description": "a page of the customer's open invoices, oldest due first; follow ``next`` for the rest"})
    payments = ma.fields.List(ma.fields.Nested(PaymentSchema), metadata={
        "description": f"the customer's latest {LISTED} payments, newest first"})


class OrderPaymentsSchema(PricedSchema):
    order_id = ma.fields.Integer()
    currency = ma.fields.String()
    total = Amount()
    paid = Amount()
    outstanding = Amount()
    fully_paid = ma.fields.Boolean()
    invoice = ma.fields.Nested(InvoiceSchema, allow_none=True)
    items = ma.fields.List(ma.fields.Nested(PaymentSchema))
