"""Billing's portal pages: the invoice list and the payment form on the order page."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.models import OrderStatus, PaymentTerms
from plugins.billing.models import BillingPayment, Invoice, PaymentMethod
from tests.factories import portal_login
from tests.plugins.billing.conftest import fresh


def test_finance_records_a_payment_from_the_order_page(app, world, place_order, deliver):
    order = deliver(place_order())
    finance = portal_login(app, world.users["finance"])

    page = finance.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Invoice and payments" in page and f"INV-{order.number}" in page
    assert 'action="/orders/%d/payments"' % order.id in page and "2,316.50" in page

    response = finance.post(f"/orders/{order.id}/payments", data={
        "amount": "316.50", "received_at": "2026-01-05T10:00", "method": "cash", "reference": "收据 0042"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    payment = db.session.execute(select(BillingPayment)).scalar_one()
    assert payment.method == PaymentMethod.CASH and payment.reference == "收据 0042"
    assert payment.received_at.isoformat() == "2026-01-05T02:00:00+00:00"  # 10:00 in Shanghai

    page = finance.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Payment of 316.50 CNY recorded" in page
    assert "2,000.00 CNY" in page  # outstanding
    assert fresh(order.id).status == OrderStatus.DELIVERED


def test_a_payment_over_the_balance_is_refused_on_the_page(app, world, place_order, deliver):
    order = deliver(place_order())
    finance = portal_login(app, world.users["finance"])

    finance.post(f"/orders/{order.id}/payments", data={"amount": "9999.00", "method": "bank_transfer"})
    page = finance.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "more than the outstanding balance of 2,316.50 CNY" in page
    finance.post(f"/orders/{order.id}/payments", data={"amount": "lots", "method": "bank_transfer"})
    assert '<p class="flash error" role="alert">Amount: ' in finance.get(f"/orders/{order.id}").get_data(as_text=True)
    finance.post(f"/orders/{order.id}/payments", data={"amount": "100.005", "method": "bank_transfer"})
    assert "Amount: must have at most 2 decimal places; it is not rounded" in finance.get(
        f"/orders/{order.id}").get_data(as_text=True)
    assert db.session.execute(select(BillingPayment)).first() is None


def test_sales_sees_the_balance_but_no_payment_form(app, world, place_order, deliver):
    order = deliver(place_order())
    sales = portal_login(app, world.users["sales"])

    page = sales.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Invoice and payments" in page and "2,316.50" in page
    assert "Record payment" not in page
    assert sales.post(f"/orders/{order.id}/payments", data={"amount": "1.00"}).status_code == 403
    assert "Invoice and payments" not in portal_login(app, world.users["production"]).get(
        f"/orders/{order.id}").get_data(as_text=True)


def test_a_prepayment_order_page_says_what_holds_it_back(app, world, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    page = portal_login(app, world.users["finance"]).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "waiting for the prepayment" in page and "2,316.50" in page


def test_the_invoice_list_shows_what_is_outstanding_and_filters(app, world, api, place_order, deliver):
    open_order = deliver(place_order())
    paid_order = deliver(place_order(customer=1))
    api("finance").post("/api/v1/payments", json={"order_id": paid_order.id, "amount": "2316.50"})
    manager = portal_login(app, world.users["manager"])

    page = manager.get("/invoices").get_data(as_text=True)
    assert f"INV-{open_order.number}" in page and f"INV-{paid_order.number}" in page
    assert "1 open invoices" in page and "2,316.50" in page
    assert 'href="/invoices"' in page  # in the menu

    paid = manager.get("/invoices?status=paid").get_data(as_text=True)
    assert f"INV-{paid_order.number}" in paid and f"INV-{open_order.number}" not in paid
    by_number = manager.get(f"/invoices?q={open_order.number}").get_data(as_text=True)
    assert f"INV-{open_order.number}" in by_number and f"INV-{paid_order.number}" not in by_number
    assert "0.00</td>" in paid and "2,316.50</td>" in by_number  # outstanding
    bad = manager.get("/invoices?status=lost")
    assert bad.status_code == 400 and "status must be one of" in bad.get_data(as_text=True)
    grouped = manager.get("/invoices?group=status").get_data(as_text=True)
    assert '<a href="/invoices?status=issued">Issued</a></td>\n          <td class="num">1</td>' in grouped

    assert portal_login(app, world.users["production"]).get("/invoices").status_code == 403


def test_the_invoice_list_finds_overdue_invoices_and_exports_what_it_shows(app, world, api, place_order, deliver):
    late = deliver(place_order())
    current = deliver(place_order(customer=1))
    invoice = db.session.execute(select(Invoice).where(Invoice.order_id == late.id)).scalar_one()
    invoice.due_date = world.company.today() - timedelta(days=3)
    db.session.commit()
    manager = portal_login(app, world.users["manager"])

    overdue = manager.get("/invoices?overdue=1").get_data(as_text=True)
    assert f"INV-{late.number}" in overdue and f"INV-{current.number}" not in overdue
    sheet = load_workbook(io.BytesIO(manager.get("/invoices?overdue=1&format=xlsx").data)).active
    header, *rows = list(sheet.values)
    assert [row[0] for row in rows] == [f"INV-{late.number}"]
    assert rows[0][header.index("Outstanding")] == 2316.5 and rows[0][header.index("Status")] == "Issued"
    exported = manager.get("/invoices?sort=-total&format=csv").get_data(as_text=True)
    assert exported.count("INV-") == 2
