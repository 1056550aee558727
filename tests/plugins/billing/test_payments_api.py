"""Payments' API: payments by settlement mode, permissions and company scoping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.companies import set_role_permissions
from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OrderStatus, PaymentTerms, Role
from core.modules import set_enabled
from plugins.billing.dates import company_today
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.models import BillingPayment
from tests import factories
from tests.core.test_queries import statements
from tests.plugins.billing import listener
from tests.plugins.billing.account_rows import owing_invoices
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


# --- payments across invoices, reversal and the customer's balance ----------------------------


def _monthly(place_order, deliver, count, customer=0):
    return [deliver(place_order(PaymentTerms.MONTHLY, customer=customer)) for _ in range(count)]


def test_a_payment_across_invoices_with_allocations_and_the_customers_balance(api, world, place_order, deliver):
    first, second = _monthly(place_order, deliver, 2)
    first_invoice, second_invoice = (db.session.execute(select(Invoice.id).where(Invoice.order_id == o.id))
                                     .scalar_one() for o in (first, second))
    response = api("finance").post("/api/v1/payments", json={
        "customer_id": world.customers[0].id, "amount": "3000.00", "method": "cash",
        "allocations": [{"invoice_id": second_invoice, "amount": "2316.50"},
                        {"invoice_id": first_invoice, "amount": "500.00"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["order_id"] is None and body["unallocated"] == "183.50" and body["order_status"] is None
    assert [(a["invoice_id"], a["amount"]) for a in body["allocations"]] == [
        (second_invoice, "2316.50"), (first_invoice, "500.00")]
    assert fresh(second.id).status == OrderStatus.COMPLETED

    balance = api("finance").get(f"/api/v1/customers/{world.customers[0].id}/balance")
    assert balance.status_code == 200 and balance.headers["Content-Type"] == "application/json"
    account = balance.get_json()
    (totals,) = account["totals"]
    assert {key: totals[key] for key in ("currency", "outstanding", "credit", "balance", "open_count")} == {
        "currency": "CNY", "outstanding": "1816.50", "credit": "183.50", "balance": "1633.00", "open_count": 1}
    # The open invoices only (the paid one is settled), a page of them with the list's paging fields.
    assert [(i["id"], i["outstanding"]) for i in account["invoices"]] == [(first_invoice, "1816.50")]
    assert (account["total"], account["next_cursor"], account["next"]) == (1, None, None)
    assert [p["id"] for p in account["payments"]] == [body["id"]]

    # The customer reads their own account, not another customer's.
    own = api("customer").get(f"/api/v1/customers/{world.customers[0].id}/balance")
    assert own.status_code == 200 and own.get_json()["totals"][0]["balance"] == "1633.00"
    assert api("customer").get(f"/api/v1/customers/{world.customers[1].id}/balance").status_code == 404


def test_a_reader_without_prices_sees_the_account_without_amounts(app, api, world, place_order, deliver):
    _monthly(place_order, deliver, 1)
    role = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                 Role.name == "production")).scalar_one()
    set_role_permissions(role, [*role.permissions, "billing.account.view"], actor=None)
    commit()
    account = api("production").get(f"/api/v1/customers/{world.customers[0].id}/balance").get_json()
    assert account["totals"][0]["outstanding"] is None and account["totals"][0]["balance"] is None
    assert account["invoices"][0]["total"] is None and account["invoices"][0]["number"]


def test_bad_allocations_are_refused_naming_the_field_and_nothing_is_saved(api, world, place_order, deliver):
    (first,) = _monthly(place_order, deliver, 1)
    (other,) = _monthly(place_order, deliver, 1, customer=1)
    mine, theirs = (db.session.execute(select(Invoice.id).where(Invoice.order_id == o.id)).scalar_one()
                    for o in (first, other))
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    customer = world.customers[0].id
    cases = [
        ({"customer_id": customer, "amount": "0"}, "amount"),
        ({"customer_id": customer, "amount": "-1.00"}, "amount"),
        ({"customer_id": customer, "amount": "10.00", "received_at": tomorrow}, "received_at"),
        ({"customer_id": customer, "amount": "10.00", "currency": "USD",
          "allocations": [{"invoice_id": mine, "amount": "10.00"}]}, "currency"),
        ({"customer_id": customer, "amount": "10.00", "allocations": [{"invoice_id": mine, "amount": "20.00"}]},
         "allocations"),
        ({"customer_id": customer, "amount": "3000.00", "allocations": [{"invoice_id": mine, "amount": "2400.00"}]},
         "allocations[0].amount"),
        ({"customer_id": customer, "amount": "10.00", "allocations": [{"invoice_id": theirs, "amount": "10.00"}]},
         "allocations[0].invoice_id"),
        ({"customer_id": customer, "amount": "10.00", "allocations": [{"invoice_id": mine, "amount": "0"}]},
         "allocations"),
        ({"customer_id": 99999999, "amount": "10.00"}, "customer_id"),
        ({"customer_id": customer, "amount": "10.00", "allocations": "all"}, "allocations"),
    ]
    for body, field in cases:
        response = api("finance").post("/api/v1/payments", json=body)
        assert 400 <= response.status_code < 500, (body, response.get_json())
        fields = [error.get("field") for error in response.get_json().get("errors", [])] + [
            response.get_json().get("field")]
        assert any(name and name.startswith(field) for name in fields), (body, response.get_json())
    assert db.session.execute(select(BillingPayment)).first() is None


def test_a_payment_of_another_company_is_not_found(app, api, world, place_order, deliver):
    (first,) = _monthly(place_order, deliver, 1)
    elsewhere = factories.build_world(app, code="BETA")
    invoice = db.session.execute(select(Invoice.id).where(Invoice.order_id == first.id)).scalar_one()
    response = factories.ApiClient(app, elsewhere.users["finance"]).post("/api/v1/payments", json={
        "customer_id": elsewhere.customers[0].id, "amount": "10.00",
        "allocations": [{"invoice_id": invoice, "amount": "10.00"}]})
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "allocations[0].invoice_id"
    payment = pay(api, first, "10.00").get_json()
    other = factories.ApiClient(app, elsewhere.users["finance"]).post(
        f"/api/v1/payments/{payment['id']}/reverse", json={"reason": "x"})
    assert other.status_code == 404


def test_reversing_through_the_api(api, place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))
    payment = pay(api, order, "1000.00", reference="BOC-9").get_json()
    assert api("finance").post(f"/api/v1/payments/{payment['id']}/reverse", json={}).get_json()[
        "errors"][0]["field"] == "reason"
    assert api("sales").post(f"/api/v1/payments/{payment['id']}/reverse", json={"reason": "x"}).status_code == 403

    reversed_ = api("finance").post(f"/api/v1/payments/{payment['id']}/reverse", json={"reason": "金额录错"})
    assert reversed_.status_code == 200, reversed_.get_json()
    body = reversed_.get_json()
    assert body["reversal_reason"] == "金额录错" and body["reversed_at"] and body["outstanding"] == TOTAL
    assert [a["reversed"] for a in body["allocations"]] == [True]
    again = api("finance").post(f"/api/v1/payments/{payment['id']}/reverse", json={"reason": "again"})
    assert again.status_code == 409
    listed = api("finance").get(f"/api/v1/orders/{order.id}/payments").get_json()
    assert [p["reversed_at"] is not None for p in listed["items"]] == [True] and listed["paid"] == "0.00"


def test_a_payment_that_completed_its_order_is_not_reversed(api, place_order, deliver):
    order = deliver(place_order())
    payment = pay(api, order, TOTAL).get_json()
    refused = api("finance").post(f"/api/v1/payments/{payment['id']}/reverse", json={"reason": "录错"})
    assert refused.status_code == 409 and order.display_number in refused.get_json()["detail"]
    assert fresh(order.id).status == OrderStatus.COMPLETED


def test_the_same_prepayment_recorded_twice_through_the_api_is_refused(api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    assert pay(api, order, "1000.00", reference="ICBC-1").status_code == 201
    again = pay(api, order, "1000.00", reference="ICBC-1")
    assert again.status_code == 409 and again.get_json()["errors"][0]["field"] == "reference"


def test_sales_agree_a_prepayment_share_for_a_customer_and_for_one_order(api, world, place_order):
    customer = world.customers[0].id
    agreed = api("sales").put(f"/api/v1/customers/{customer}/prepayment-share", json={"percent": "30"})
    assert agreed.status_code == 200, agreed.get_json()
    assert agreed.get_json() == {"customer_id": customer, "order_id": None, "percent": "30.00", "applies": "30.00"}
    order = place_order(PaymentTerms.PREPAYMENT)
    own = api("sales").put(f"/api/v1/orders/{order.id}/prepayment-share", json={"percent": "50.5"}).get_json()
    assert (own["percent"], own["applies"]) == ("50.50", "50.50")
    back = api("sales").put(f"/api/v1/orders/{order.id}/prepayment-share", json={"percent": None}).get_json()
    assert (back["percent"], back["applies"]) == (None, "30.00")

    # 30% of 2,316.50 is 694.95: paid, the order may go into production.
    assert pay(api, order, "694.95").status_code == 201
    assert api("sales").get(f"/api/v1/orders/{order.id}/payments").get_json()["outstanding"] == "1621.55"

    for bad in ("0", "101", "abc", "12.345", "NaN"):
        refused = api("sales").put(f"/api/v1/customers/{customer}/prepayment-share", json={"percent": bad})
        assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "percent", bad
    assert api("finance").put(f"/api/v1/customers/{customer}/prepayment-share",
                              json={"percent": "10"}).status_code == 403


@pytest.mark.usefixtures("hand_built_open_items")
def test_the_balance_sums_and_pages_3_open_invoices_as_60_in_the_same_statements(app, api, world):
    """The totals are sums in the database, the open invoices a page followed by ``next``: 60 cost what 3 do."""
    url = f"/api/v1/customers/{world.customers[0].id}/balance"
    today = company_today(world.company.id)
    api("finance")  # its token, made on first use, before the statements are counted
    counts, owing = [], []
    for more in (3, 57):
        owing += owing_invoices(world, more, start=len(owing))
        with statements(db.engine) as seen:
            response = api("finance").get(url)
        assert response.status_code == 200, response.get_json()
        counts.append(len(seen))
        (totals,) = response.get_json()["totals"]
        outstanding = sum((row.owed for row in owing), Decimal("0.00"))
        overdue = [row for row in owing if row.due_date < today]
        assert (totals["outstanding"], totals["balance"], totals["credit"], totals["open_count"]) == (
            f"{outstanding:.2f}", f"{outstanding:.2f}", "0.00", len(owing))
        assert (totals["overdue"], totals["overdue_count"]) == (
            f"{sum((row.owed for row in overdue), Decimal('0.00')):.2f}", len(overdue))
        assert sum(Decimal(bucket["amount"]) for bucket in totals["ageing"]) == outstanding
        assert totals["ageing"][0]["bucket"] == "not_due" and Decimal(totals["ageing"][0]["amount"]) == sum(
            (row.owed for row in owing if row.due_date >= today), Decimal("0.00"))
    assert counts[0] == counts[1], counts

    # The open invoices, oldest due first, 50 to a page; ``next`` has the other 10, then none.
    by_due = sorted(owing, key=lambda row: (row.due_date, row.invoice_id))
    first = api("finance").get(url).get_json()
    assert first["total"] == 60 and first["per_page"] == 50
    assert [(i["id"], i["outstanding"]) for i in first["invoices"]] == [
        (row.invoice_id, f"{row.owed:.2f}") for row in by_due[:50]]
    rest = api("finance").get(first["next"]).get_json()
    assert [i["id"] for i in rest["invoices"]] == [row.invoice_id for row in by_due[50:]] and rest["next"] is None
    assert rest["totals"] == first["totals"]
    small = api("finance").get(f"{url}?per_page=7").get_json()
    assert len(small["invoices"]) == 7 and small["next"].startswith(url)
    for bad in ("per_page=0", "per_page=500", "cursor=nonsense.token", "cursor="):
        refused = api("finance").get(f"{url}?{bad}")
        assert refused.status_code == 400, (bad, refused.get_json())
