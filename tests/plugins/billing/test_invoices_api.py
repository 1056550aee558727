"""Invoices' API: the invoice list, newest first, its paging and its cost."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Order, OrderStatus, utcnow
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.models import BillingPayment, PaymentAllocation, PaymentMethod
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories, orders
from tests.core.test_queries import statements
from tests.plugins.billing import listener
from tests.plugins.billing.open_item_rows import post_missing

TOTAL = "2316.50"


def pay(api, order, amount, role="finance", **extra):
    return api(role).post("/api/v1/payments", json={"order_id": order.id, "amount": amount, **extra})


def audit_of(order, action):
    return db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == action).order_by(AuditEntry.id)).scalars().all()


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
    paying = insert(BillingPayment).returning(BillingPayment.id, sort_by_parameter_order=True)
    payments = list(db.session.scalars(paying, [{
        "company_id": world.company.id, "customer_id": placed[order_id].customer_id, "currency": "CNY",
        "order_id": order_id, "invoice_id": invoice_id, "amount": Decimal("1.00"),
        "received_at": start, "method": PaymentMethod.BANK_TRANSFER, "is_prepayment": False,
    } for order_id, invoice_id in zip(order_ids, ids, strict=True)]))
    db.session.execute(insert(PaymentAllocation), [{
        "company_id": world.company.id, "payment_id": payment_id, "order_id": order_id, "invoice_id": invoice_id,
        "amount": Decimal("1.00"), "created_at": start,
    } for payment_id, order_id, invoice_id in zip(payments, order_ids, ids, strict=True)])
    post_missing(world.company.id, start.date())
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
