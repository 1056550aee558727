"""Portal pages of payments: finance records a payment from the order page's billing section or from a
customer's account (allocated across their invoices), reverses a wrong one; the account page shows a
customer's invoices, payments, credit and balance to staff and to the customer's own users."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row

from core.auth.context import require_actor, requires, sees_prices
from core.formatting import money
from core.labels import choices
from core.listview import Column, Filter, FilterKind, Kind, ListSpec, export_format, list_response, order_column
from core.models import Customer, User
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors, required
from plugins.billing.collection import follow_ups, hold
from plugins.billing.collection import services as collection
from plugins.billing.collection.models import FollowUpKind
from plugins.billing.dates import company_today, company_zone
from plugins.billing.payments import account, services
from plugins.billing.payments.forms import PaymentForm, ReverseForm
from plugins.billing.payments.models import PaymentMethod

bp = Blueprint("billing_payments", __name__)

ALLOCATE = "allocate-"
LARGEST_ID = 2**31 - 1  # the account form's field of each open invoice: allocate-<invoice id>


def _received_at(form: PaymentForm, company_id: int) -> datetime | None:
    received_at = form.received_at.data
    if received_at is not None:  # the browser sends the company's local time, without a zone
        received_at = received_at.replace(tzinfo=company_zone(company_id))
    return received_at


def _an_id(text: str) -> bool:
    """An invoice id as the form may name one: digits, within the database's ids (no overflow)."""
    return text.isascii() and text.isdigit() and 0 < int(text) <= LARGEST_ID


@bp.route("/orders/<id:order_id>/payments", methods=["POST"])
@requires("billing.payment.record")
def record_payment(order_id: int):
    actor = require_actor()
    order = get_order(actor, order_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        payment = attempt(lambda: services.record_payment(
            order, amount=required(form.amount.data), received_at=_received_at(form, actor.company_id),
            method=form.method.data, reference=form.reference.data, actor=actor))
        if payment is not None:
            flash(_("Payment of %(amount)s %(currency)s recorded for order %(number)s.",
                    amount=money(payment.amount), currency=order.currency, number=order.display_number), "success")
    return redirect(order_url(order_id))


@bp.route("/my-balance")
@requires("billing.account.view")
def own_account():
    """A customer's user reads their own account; staff read the customers' invoices in the invoice list."""
    actor = require_actor()
    if actor.customer_id is None:
        return redirect(url_for("billing.invoices"))
    return redirect(url_for("billing_payments.customer_account", customer_id=actor.customer_id))


def _invoice_document(row: Row[Any]) -> str:
    return url_for("billing.invoice_document", invoice_id=row.id)


def _staff(user: User) -> bool:
    return user.customer_id is None


def _open_invoices_spec(customer: Customer) -> ListSpec:
    """The customer's open invoices as the account lists them: oldest due first, what each still owes by its
    open items; keyset-paged and exported by the list view, the same statements on any page."""
    found = account.OpenInvoiceColumns(customer)
    return ListSpec(
        name=f"account-{customer.id}-open-invoices",
        source=lambda _user: found.rows(),
        id=found.id,
        columns=(
            Column("number", _l("Invoice"), found.number, sortable=True, href=_invoice_document, when=_staff),
            Column("number", _l("Invoice"), found.number, sortable=True, when=lambda user: not _staff(user)),
            replace(order_column(), expr=found.order_number),
            Column("issued_at", _l("Issued"), found.issued_at, Kind.DATETIME),
            Column("due_date", _l("Due"), found.due_date, Kind.DATE, sortable=True),
            Column("status", _l("Status"), found.status, Kind.CODE, badge=True),
            Column("total", _l("Invoice total"), found.total, Kind.MONEY),
            Column("outstanding", _l("Outstanding"), found.open, Kind.MONEY),
            Column("currency", _l("Currency"), found.currency),
        ),
        search=(found.number, found.order_number, found.customer_reference),
        filters=(Filter("overdue", _l("Overdue only"), None, FilterKind.FLAG,
                        condition=lambda user: found.due_date < company_today(user.company_id)),),
        default_sort="due_date",
        carry={"order_id": found.order_id},
    )


@bp.route("/customers/<id:customer_id>/account")
@requires("billing.account.view")
def customer_account(customer_id: int):
    """The account: its totals, a page of its open invoices (the list view: search, overdue only, sort,
    pages, export), the payment form allocating across the page's invoices, the latest payments."""
    actor = require_actor()
    customer = account.get_account_customer(actor, customer_id)
    spec = _open_invoices_spec(customer)
    if export_format() is not None:  # the open invoices' file alone
        return list_response(spec, actor, "billing/payments/account.html")
    found = account.customer_account(customer)
    staff = _staff(actor)
    can_record = staff and actor.can("billing.payment.record") and sees_prices(actor)
    return list_response(spec, actor, "billing/payments/account.html", account=found, can_record=can_record,
                         collection=collection.customer_collection(customer) if staff else None,
                         can_follow_up=staff and actor.can(follow_ups.FOLLOW_UP),
                         can_hold=staff and actor.can(hold.PLACE), can_release=staff and actor.can(hold.RELEASE),
                         follow_up_kinds=choices(FollowUpKind),
                         methods=choices(PaymentMethod), allocate=ALLOCATE, staff=staff,
                         share=services.customer_prepayment_percent(customer),
                         can_agree=staff and actor.can("customer.manage"))


@bp.route("/customers/<id:customer_id>/prepayment-share", methods=["POST"])
@requires("customer.manage")
def agree_prepayment_share(customer_id: int):
    """Sales agree the share of the total the customer's prepayment orders pay before execution."""
    actor = require_actor()
    customer = account.get_account_customer(actor, customer_id)
    percent = request.form.get("percent", "")
    if attempt(lambda: services.set_prepayment_percent(customer, percent, actor=actor) or True):
        flash(_("Prepayment share of %(customer)s saved.", customer=customer.name), "success")
    return redirect(url_for("billing_payments.customer_account", customer_id=customer_id))


@bp.route("/customers/<id:customer_id>/payments", methods=["POST"])
@requires("billing.payment.record")
def record_customer_payment(customer_id: int):
    """A payment of the customer, allocated as the form's invoice fields say (all empty: oldest due first)."""
    actor = require_actor()
    customer = account.get_account_customer(actor, customer_id)
    form = PaymentForm()
    shares = [services.Share(int(name[len(ALLOCATE):]), value.strip(), index)
              for index, (name, value) in enumerate(
                  (name, value) for name, value in request.form.items()
                  if name.startswith(ALLOCATE) and _an_id(name[len(ALLOCATE):]) and value.strip())]
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        payment = attempt(lambda: services.record_payment(
            customer=customer, amount=required(form.amount.data), received_at=_received_at(form, actor.company_id),
            method=form.method.data, reference=form.reference.data, allocations=shares or None, actor=actor))
        if payment is not None:
            flash(_("Payment of %(amount)s %(currency)s recorded for %(customer)s.", amount=money(payment.amount),
                    currency=payment.currency, customer=customer.name), "success")
    return redirect(url_for("billing_payments.customer_account", customer_id=customer_id))


@bp.route("/payments/<id:payment_id>/reverse", methods=["POST"])
@requires("billing.payment.record")
def reverse_payment(payment_id: int):
    actor = require_actor()
    payment = services.get_payment(actor, payment_id)
    form = ReverseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        reversed_ = attempt(lambda: services.reverse_payment(payment, reason=form.reason.data, actor=actor))
        if reversed_ is not None:
            flash(_("Payment of %(amount)s %(currency)s reversed.", amount=money(reversed_.amount),
                    currency=reversed_.currency), "success")
    return redirect(url_for("billing_payments.customer_account", customer_id=payment.customer_id))
