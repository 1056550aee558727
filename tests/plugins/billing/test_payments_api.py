"""Payments' API: payments by settlement mode, permissions and company scoping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OrderStatus, PaymentTerms
from core.modules import set_enabled
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.models import BillingPayment
from tests import factories
from tests.plugins.billing import listener
from tests.plugins.billing.conftest import fresh, invoice_number

TOTAL = "2316.50"


def pay(api, order, amount, role="finance", **extra):
    return api(role).post("/api/v1/payments", json={"order_id": order.id, "amount": amount, **extra})


def audit_of(order, action):
    return db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == action).order_by(AuditEntry.id)).scalars().all()


def test_a_cash_on_delivery_order_is_invoiced_on_delivery_and_completes_when_paid_in_full(
        api, place_order, deliver):
    order = place_order(PaymentTerms.CASH_ON_DELIVERY)
    assert order.status == OrderStatus.APPROVED
    assert api("finance").get(f"/api/v1/invoices?order_id={order.id}").get_json()["total"] == 0

    order = deliver(order)
    invoices = api("finance").get(f"/api/v1/invoices?order_id={order.id}").get_json()
    assert invoices["total"] == 1
    invoice = invoices["items"][0]
    assert invoice["number"] == invoice_number(order) and invoice["number"].startswith("INV")
    assert (invoice["subtotal"], invoice["tax_total"], invoice["total"]) == ("2050.00", "266.50", TOTAL)
    assert invoice["status"] == "issued" and invoice["outstanding"] == TOTAL

    response = pay(api, order, TOTAL, reference="BOC-20261127-01")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["order_status"] == "completed"
    assert body["fully_paid"] is True and body["outstanding"] == "0.00"
    assert body["is_prepayment"] is False and body["method"] == "bank_transfer"
    assert body["amount"] == TOTAL and body["reference"] == "BOC-20261127-01"

    assert fresh(order.id).status == OrderStatus.COMPLETED
    (order_id, event), = listener.RECEIVED
    assert order_id == order.id and event.fully_paid is True and event.amount == Decimal(TOTAL)
    assert event.payment_id == body["id"] and event.is_prepayment is False
    assert db.session.execute(select(Invoice)).scalar_one().status == InvoiceStatus.PAID
    assert [entry.after["fully_paid"] for entry in audit_of(order, "pay")] == [True]
    assert len(audit_of(order, "complete")) == 1


def test_a_partial_payment_leaves_the_order_delivered_with_the_outstanding_shown(api, place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))

    response = pay(api, order, "1000.00", method="cheque")
    assert response.status_code == 201
    body = response.get_json()
    assert body["order_status"] == "delivered"
    assert body["fully_paid"] is False and body["outstanding"] == "1316.50"
    assert listener.RECEIVED[-1][1].fully_paid is False

    invoice = api("finance").get(f"/api/v1/invoices?order_id={order.id}").get_json()["items"][0]
    assert (invoice["paid"], invoice["outstanding"], invoice["status"]) == ("1000.00", "1316.50", "issued")
    payments = api("finance").get(f"/api/v1/orders/{order.id}/payments").get_json()
    assert (payments["paid"], payments["outstanding"], payments["fully_paid"]) == ("1000.00", "1316.50", False)
    assert [p["method"] for p in payments["items"]] == ["cheque"]
    assert payments["items"][0]["invoice_id"] == payments["invoice"]["id"]
    assert fresh(order.id).status == OrderStatus.DELIVERED

    rest = pay(api, order, "1316.50")
    assert rest.get_json()["order_status"] == "completed"


def test_paying_more_than_outstanding_is_refused_naming_the_amount(api, place_order, deliver):
    order = deliver(place_order())
    assert pay(api, order, "2000.00").status_code == 201

    response = pay(api, order, "316.51")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    error, = response.get_json()["errors"]
    assert error["field"] == "amount" and "316.50" in error["message"]
    assert db.session.execute(select(BillingPayment.amount)).scalars().all() == [Decimal("2000.00")]
    assert fresh(order.id).status == OrderStatus.DELIVERED


def test_bad_payment_input_is_refused_naming_the_field(api, place_order, deliver):
    order = deliver(place_order())
    naive = datetime(2026, 11, 27, 9, 30).isoformat()
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    cases = [
        ({"amount": "100.00"}, "order_id"),
        ({"order_id": order.id}, "amount"),
        ({"order_id": order.id, "amount": "abc"}, "amount"),
        ({"order_id": order.id, "amount": "0"}, "amount"),
        ({"order_id": order.id, "amount": "-5.00"}, "amount"),
        ({"order_id": order.id, "amount": "NaN"}, "amount"),
        ({"order_id": order.id, "amount": "1.234"}, "amount"),
        ({"order_id": order.id, "amount": "1e40"}, "amount"),
        ({"order_id": order.id, "amount": "10.00", "received_at": naive}, "received_at"),
        ({"order_id": order.id, "amount": "10.00", "received_at": tomorrow}, "received_at"),
        ({"order_id": order.id, "amount": "10.00", "method": "bitcoin"}, "method"),
        ({"order_id": order.id, "amount": "10.00", "reference": "x" * 121}, "reference"),
        ({"order_id": "seven", "amount": "10.00"}, "order_id"),
        ({"order_id": order.id + 0.5, "amount": "10.00"}, "order_id"),
        ({"order_id": str(order.id), "amount": "10.00"}, "order_id"),
        ({"order_id": True, "amount": "10.00"}, "order_id"),
        ({"order_id": order.id, "amount": "10.1234567890"}, "amount"),
    ]
    for body, field in cases:
        response = api("finance").post("/api/v1/payments", json=body)
        assert response.status_code == 400, (body, response.get_json())
        assert field in [error["field"] for error in response.get_json()["errors"]], (body, response.get_json())
    assert db.session.execute(select(BillingPayment)).first() is None


def test_a_payment_is_taken_only_from_approval_on(api, place_order):
    draft = place_order(submit=False)
    response = pay(api, draft, "10.00")
    assert response.status_code == 409
    assert "is Draft; it cannot take a payment" in response.get_json()["detail"]


def test_a_payment_received_earlier_keeps_its_date(api, place_order, deliver):
    order = deliver(place_order())
    received = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    body = pay(api, order, "100.00", received_at=received.isoformat(), method="cash").get_json()
    assert datetime.fromisoformat(body["received_at"]) == received
    assert db.session.execute(select(BillingPayment)).scalar_one().received_at == received


def test_finance_may_record_payments_sales_may_not(api, place_order, deliver):
    order = deliver(place_order())

    refused = pay(api, order, "100.00", role="sales")
    assert refused.status_code == 403
    assert refused.get_json()["permissions"] == ["billing.payment.record"]
    assert refused.get_json()["detail"] == "you need the permission “Record payments received” for this"
    assert pay(api, order, "100.00", role="production").status_code == 403
    assert db.session.execute(select(BillingPayment)).first() is None

    assert pay(api, order, "100.00", role="finance").status_code == 201
    assert api("sales").get(f"/api/v1/orders/{order.id}/payments").status_code == 200
    assert api("production").get("/api/v1/invoices").status_code == 403


def test_another_companys_order_is_not_found(app, api, place_order, deliver):
    order = deliver(place_order())
    other = factories.build_world(app, code="XYZ")
    stranger = factories.ApiClient(app, other.users["finance"])

    response = stranger.post("/api/v1/payments", json={"order_id": order.id, "amount": "100.00"})
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["field"] == "order_id"
    assert stranger.get(f"/api/v1/orders/{order.id}/payments").status_code == 404
    assert stranger.get("/api/v1/invoices").get_json()["total"] == 0
    assert stranger.get(f"/api/v1/invoices?order_id={order.id}").get_json()["items"] == []
    assert db.session.execute(select(BillingPayment)).first() is None


def test_an_order_submitted_while_billing_was_off_settles_without_payments(app, api, world, place_order):
    set_enabled(world.company, "billing", False, actor=None)
    order = place_order()
    set_enabled(world.company, "billing", True, actor=None)
    commit()

    response = pay(api, order, "100.00")
    assert response.status_code == 409
    assert "without billing" in response.get_json()["detail"]
    assert db.session.execute(select(BillingPayment)).first() is None
