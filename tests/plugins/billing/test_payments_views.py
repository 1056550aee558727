"""Payments' portal pages: the payment form in the order page's billing section."""
from __future__ import annotations


from sqlalchemy import select

from core.extensions import db
from core.models import OrderStatus, PaymentTerms
from plugins.billing.payments.models import BillingPayment, PaymentMethod
from tests.factories import portal_login
from tests.plugins.billing.conftest import fresh, invoice_number


def test_finance_records_a_payment_from_the_order_page(app, world, place_order, deliver):
    order = deliver(place_order())
    finance = portal_login(app, world.users["finance"])

    page = finance.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Invoice and payments" in page and invoice_number(order) in page
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
