"""Payments' portal pages: the payment form in the order page's billing section, a customer's account."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.companies import set_role_permissions
from core.db import commit
from core.extensions import db
from core.models import OrderStatus, PaymentTerms, Role
from plugins.billing.dates import company_today
from plugins.billing.invoices.models import Invoice
from plugins.billing.payments.models import BillingPayment, PaymentMethod
from plugins.billing.payments.views import ALLOCATE
from tests.core.test_queries import statements
from tests.factories import ApiClient, portal_login
from tests.plugins.billing.account_rows import owing_invoices
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


def _monthly(place_order, deliver, count, customer=0):
    return [deliver(place_order(PaymentTerms.MONTHLY, customer=customer)) for _ in range(count)]


def _invoice_id(order) -> int:
    return db.session.execute(select(Invoice.id).where(Invoice.order_id == order.id)).scalar_one()


def test_finance_records_a_payment_allocated_across_invoices_on_the_customers_account(
        app, world, place_order, deliver):
    first, second = _monthly(place_order, deliver, 2)
    finance = portal_login(app, world.users["finance"])
    url = f"/customers/{world.customers[0].id}/account"

    page = finance.get(url).get_data(as_text=True)
    assert invoice_number(first) in page and f'name="allocate-{_invoice_id(second)}"' in page
    assert "4,633.00" in page  # outstanding on both

    response = finance.post(f"/customers/{world.customers[0].id}/payments", data={
        "amount": "3000.00", "method": "other", "reference": "汇款 77",
        f"allocate-{_invoice_id(second)}": "2316.50", f"allocate-{_invoice_id(first)}": "600.00"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert fresh(second.id).status == OrderStatus.COMPLETED and fresh(first.id).status == OrderStatus.DELIVERED
    page = finance.get(url).get_data(as_text=True)
    assert "Payment of 3,000.00 CNY recorded" in page
    assert "1,716.50" in page and "83.50" in page  # outstanding on the first; the credit
    assert "1,633.00" in page  # the balance: outstanding less credit

    refused = finance.post(f"/customers/{world.customers[0].id}/payments", data={
        "amount": "100.00", "method": "cash", f"allocate-{_invoice_id(first)}": "5000.00"})
    assert refused.status_code == 302
    assert "invoice %s still owes" % invoice_number(first) in finance.get(url).get_data(as_text=True)


def test_finance_reverses_a_wrong_payment_with_its_reason_from_the_account(app, world, place_order, deliver):
    (order,) = _monthly(place_order, deliver, 1)
    finance = portal_login(app, world.users["finance"])
    finance.post(f"/orders/{order.id}/payments", data={"amount": "500.00", "method": "cash"})
    payment = db.session.execute(select(BillingPayment)).scalar_one()

    finance.post(f"/payments/{payment.id}/reverse", data={"reason": ""})
    assert not db.session.get(BillingPayment, payment.id).reversed
    response = finance.post(f"/payments/{payment.id}/reverse", data={"reason": "现金未到账"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(BillingPayment, payment.id).reversal_reason == "现金未到账"
    page = finance.get(f"/customers/{world.customers[0].id}/account").get_data(as_text=True)
    assert "Payment of 500.00 CNY reversed" in page and "现金未到账" in page
    assert "2,316.50" in page


def test_the_customer_reads_their_own_account_without_staffs_forms(app, world, place_order, deliver):
    _monthly(place_order, deliver, 1)
    buyer = portal_login(app, world.users["customer"])
    own = buyer.get("/my-balance")
    assert own.status_code == 302 and own.headers["Location"].endswith(f"/customers/{world.customers[0].id}/account")
    page = buyer.get(own.headers["Location"]).get_data(as_text=True)
    assert "2,316.50" in page and "allocate-" not in page and "/reverse" not in page
    assert buyer.get(f"/customers/{world.customers[1].id}/account").status_code == 404
    assert buyer.post(f"/customers/{world.customers[0].id}/payments", data={"amount": "1.00"}).status_code == 403


def test_the_account_page_and_its_api_cost_the_same_statements_for_2_invoices_and_payments_as_for_12(
        app, world, place_order, deliver):
    finance = portal_login(app, world.users["finance"])
    api = ApiClient(app, world.users["finance"])
    url = f"/customers/{world.customers[0].id}/account"
    counts = []
    for more in (2, 10):
        for order in _monthly(place_order, deliver, more):
            finance.post(f"/orders/{order.id}/payments", data={"amount": "100.00", "method": "cash"})
        with statements(db.engine) as page:
            assert finance.get(url).status_code == 200
        with statements(db.engine) as answer:
            assert api.get(f"/api/v1/customers/{world.customers[0].id}/balance").status_code == 200
        counts.append((len(page), len(answer)))
    assert counts[0] == counts[1], counts
    assert len(api.get(f"/api/v1/customers/{world.customers[0].id}/balance").get_json()["payments"]) == 12


def test_sales_agree_a_customers_prepayment_share_on_their_account(app, world):
    sales = portal_login(app, world.users["sales"])
    url = f"/customers/{world.customers[0].id}/account"
    assert "the whole total" in sales.get(url).get_data(as_text=True)
    assert sales.post(f"/customers/{world.customers[0].id}/prepayment-share", data={"percent": "30"}).status_code == 302
    page = sales.get(url).get_data(as_text=True)
    assert "Prepayment share of" in page and "30.00% of the total" in page
    sales.post(f"/customers/{world.customers[0].id}/prepayment-share", data={"percent": "120"})
    assert "at most 100" in sales.get(url).get_data(as_text=True)
    assert portal_login(app, world.users["finance"]).post(
        f"/customers/{world.customers[0].id}/prepayment-share", data={"percent": "10"}).status_code == 403


def _figure(amount) -> str:
    return f"{amount:,.2f}"


@pytest.mark.usefixtures("hand_built_open_items")
def test_the_account_page_sums_and_pages_3_open_invoices_as_60_in_the_same_statements(app, world):
    """The totals are sums in the database, the open invoices a keyset-paged list: 60 cost what 3 do."""
    finance = portal_login(app, world.users["finance"])
    url = f"/customers/{world.customers[0].id}/account"
    today = company_today(world.company.id)
    counts, owing = [], []
    for more in (3, 57):
        owing += owing_invoices(world, more, start=len(owing))
        with statements(db.engine) as seen:
            page = finance.get(url)
        assert page.status_code == 200
        counts.append(len(seen))
        text = page.get_data(as_text=True)
        outstanding = sum((row.owed for row in owing), Decimal("0.00"))
        overdue = sum((row.owed for row in owing if row.due_date < today), Decimal("0.00"))
        assert _figure(outstanding) in text and _figure(overdue) in text, (outstanding, overdue)
        assert f"{len(owing)} open invoices" in text
        assert f"{sum(row.due_date < today for row in owing)} overdue invoices" in text
    assert counts[0] == counts[1], counts

    # The first page: the 50 due first, each with its allocation field; the next page the other 10.
    by_due = sorted(owing, key=lambda row: (row.due_date, row.invoice_id))
    text = finance.get(url).get_data(as_text=True)
    assert text.count(f'name="{ALLOCATE}') == 50
    assert f'name="{ALLOCATE}{by_due[49].invoice_id}"' in text and f"{ALLOCATE}{by_due[50].invoice_id}" not in text
    after = re.search(r'href="([^"]*after=[^"]*)" rel="next"', text).group(1).replace("&amp;", "&")
    rest = finance.get(after).get_data(as_text=True)
    assert rest.count(f'name="{ALLOCATE}') == 10 and f'name="{ALLOCATE}{by_due[50].invoice_id}"' in rest
    overdue_only = finance.get(f"{url}?overdue=1").get_data(as_text=True)
    assert overdue_only.count(f'name="{ALLOCATE}') == 20
    exported = finance.get(f"{url}?format=csv&sort=-due_date")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    lines = exported.get_data(as_text=True).splitlines()
    assert len(lines) == 61 and "AG-" in lines[1] and "Outstanding" in lines[0]
    assert finance.get(f"{url}?sort=customer").status_code == 400


@pytest.mark.usefixtures("hand_built_open_items")
def test_the_account_without_prices_lists_the_open_invoices_without_amounts(app, world):
    owing_invoices(world, 3)
    role = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                 Role.name == "production")).scalar_one()
    set_role_permissions(role, [*role.permissions, "billing.account.view"], actor=None)
    commit()
    text = portal_login(app, world.users["production"]).get(
        f"/customers/{world.customers[0].id}/account").get_data(as_text=True)
    assert "Open invoices" in text and "AG-" in text
    assert "Outstanding" not in text and "Invoice total" not in text and ALLOCATE not in text
