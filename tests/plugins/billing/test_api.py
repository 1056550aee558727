"""Billing's API: invoices, payments by settlement mode, permissions and company scoping."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Order, OrderStatus, PaymentTerms, utcnow
from core.modules import set_enabled
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing.models import BillingPayment, Invoice, InvoiceStatus, PaymentMethod
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories, orders
from tests.core.test_queries import statements
from tests.plugins.billing import listener
from tests.plugins.billing.conftest import fresh

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
    assert invoice["number"] == f"INV-{order.number}"
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


def test_invoices_are_listed_newest_first_and_filtered_by_status(api, place_order, deliver):
    first = deliver(place_order())
    second = deliver(place_order(customer=1))
    pay(api, first, TOTAL)

    everything = api("manager").get("/api/v1/invoices").get_json()
    assert [item["order_id"] for item in everything["items"]] == [second.id, first.id]
    paid = api("manager").get("/api/v1/invoices?status=paid").get_json()
    assert [item["order_id"] for item in paid["items"]] == [first.id]
    assert paid["items"][0]["outstanding"] == "0.00" and paid["items"][0]["paid_at"] is not None
    issued = api("manager").get("/api/v1/invoices?status=issued&per_page=1").get_json()
    assert issued["total"] == 1 and issued["items"][0]["customer_name"] == "北京燕山化工股份公司"

    bad = api("manager").get("/api/v1/invoices?status=lost")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "status"


def invoices(world, count: int, *, start: datetime, step: timedelta = timedelta(minutes=1)) -> list[int]:
    """``count`` delivered orders with their invoices, issued from ``start`` on, each paid 1.00, in bulk."""
    order_ids = orders.bulk(world, count, start=start, step=step, status=OrderStatus.DELIVERED)
    placed = {o.id: o for o in db.session.execute(select(Order).where(Order.id.in_(order_ids))).scalars()}
    ids = list(db.session.scalars(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), [{
        "company_id": world.company.id, "order_id": order_id, "number": f"INV-{placed[order_id].number}",
        "currency": "CNY", "subtotal": placed[order_id].subtotal, "tax_total": placed[order_id].tax_total,
        "total": placed[order_id].total, "issued_at": start + step * n, "due_date": date.today() + timedelta(days=30),
        "status": InvoiceStatus.ISSUED} for n, order_id in enumerate(order_ids)]))
    db.session.execute(insert(BillingPayment), [{
        "company_id": world.company.id, "order_id": order_id, "invoice_id": invoice_id, "amount": Decimal("1.00"),
        "received_at": start, "method": PaymentMethod.BANK_TRANSFER, "is_prepayment": False,
    } for order_id, invoice_id in zip(order_ids, ids)])
    commit()
    return ids


def test_walking_next_visits_every_invoice_once_newest_first_while_invoices_are_issued(api, world):
    issued = invoices(world, 5, start=utcnow() - timedelta(days=2))
    seen, path = [], "/api/v1/invoices?per_page=2"
    while path:
        page = api("finance").get(path).get_json()
        seen += page["items"]
        invoices(world, 1, start=utcnow())  # a newer invoice between two pages
        path = page["next"]
    assert [item["id"] for item in seen] == issued[::-1]
    assert {(item["paid"], item["outstanding"]) for item in seen} == {("1.00", str(Decimal(seen[0]["total"]) - 1))}
    assert {item["customer_name"] for item in seen} == {customer.name for customer in world.customers}


def test_a_tampered_invoice_cursor_or_a_page_past_the_reach_is_a_400_naming_it(api, world):
    invoices(world, 2, start=utcnow())
    cursor = api("finance").get("/api/v1/invoices?per_page=1").get_json()["next_cursor"]
    position, _, signature = cursor.partition(".")
    forged = f"{position}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}"
    tampered = api("finance").get(f"/api/v1/invoices?cursor={forged}")
    assert tampered.status_code == 400 and tampered.get_json()["errors"][0]["field"] == "cursor"
    too_far = api("finance").get("/api/v1/invoices?page=401")
    assert too_far.status_code == 400 and too_far.get_json()["errors"][0]["field"] == "page"


def test_the_invoice_list_costs_the_same_statements_for_10_invoices_as_for_1000(make_app):
    app = make_app(plugins=[INTAKE, BILLING, listener.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        finance = factories.ApiClient(app, world.users["finance"])
        engine = db.engine
        invoices(world, 10, start=utcnow() - timedelta(days=30))
    finance.get("/api/v1/me", buffered=True)  # the token's first use is recorded; the calls measured come after it
    counts = {}
    for size in (10, 1_000):
        if size > 10:
            with app.app_context():
                world.company, world.users["sales"] = db.session.merge(world.company), db.session.merge(
                    world.users["sales"])
                world.customers = [db.session.merge(c) for c in world.customers]
                world.products = [db.session.merge(p) for p in world.products]
                invoices(world, size - 10, start=utcnow() - timedelta(days=20))
        for path in ("/api/v1/invoices?per_page=5", "/api/v1/invoices?status=issued&per_page=5"):
            with statements(engine) as seen:
                response = finance.get(path)
                response.close()
            last = seen
            assert response.status_code == 200 and len(response.get_json()["items"]) == 5
            following = response.get_json()["next"]
            with statements(engine) as more:
                finance.get(following).close()
            counts.setdefault(path, {})[size] = (len(seen), len(more))
    for path, by_size in counts.items():
        assert by_size[10] == by_size[1_000], (path, by_size)
    # Besides the caller's own: the invoices with their orders and customers in one statement, the
    # payments received for them in one, one count; no order, customer or line read apart.
    assert [sum(part in statement for statement in last)
            for part in ("FROM billing_invoice JOIN", "FROM billing_payment", "count(*)", "FROM order_line",
                         "FROM customer")] == [2, 1, 1, 0, 0], last


def test_an_order_submitted_while_billing_was_off_settles_without_payments(app, api, world, place_order):
    set_enabled(world.company, "billing", False, actor=None)
    order = place_order()
    set_enabled(world.company, "billing", True, actor=None)
    commit()

    response = pay(api, order, "100.00")
    assert response.status_code == 409
    assert "without billing" in response.get_json()["detail"]
    assert db.session.execute(select(BillingPayment)).first() is None
