"""A customer not yet in the books, entered on the order form and created with the order."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Customer, Order, PaymentTerms
from tests.factories import portal_login
from tests.plugins.intake.test_views import form_data

NEW = {"customer_id": "", "new_customer-code": "C900", "new_customer-name": "苏州新达精密机械有限公司",
       "new_customer-contact": "周工", "new_customer-phone": "0512-6688 1234",
       "new_customer-email": "", "new_customer-payment_terms": "monthly", "new_customer-credit_limit": "50000.00",
       "new_customer-province": "江苏", "new_customer-city": "苏州", "new_customer-address": "  工业园区星湖街 328 号 "}


def customers() -> int:
    return db.session.execute(select(func.count()).select_from(Customer)).scalar_one()


def test_a_clerk_enters_a_new_customer_with_the_order_and_both_are_saved(app, world):
    client = portal_login(app, world.users["sales"])

    response = client.post("/orders/new", data=form_data(world, **NEW))

    assert response.status_code == 302, response.get_data(as_text=True)
    order = db.session.execute(select(Order)).scalar_one()
    customer = order.customer
    assert (customer.code, customer.name, customer.contact, customer.phone, customer.payment_terms) == (
        "C900", "苏州新达精密机械有限公司", "周工", "0512-6688 1234", PaymentTerms.MONTHLY)
    assert customer.address == "工业园区星湖街 328 号" and customer.company_id == world.company.id
    assert order.payment_terms == PaymentTerms.MONTHLY  # the order takes the new customer's terms
    created = db.session.execute(select(AuditEntry).where(AuditEntry.entity == "customer",
                                                          AuditEntry.entity_id == customer.id)).scalar_one()
    assert created.action == "created" and created.actor_id == world.users["sales"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Customer C900 苏州新达精密机械有限公司 created." in page


def test_the_new_customer_is_checked_as_the_customer_page_checks_one_and_nothing_is_saved(app, world):
    client = portal_login(app, world.users["sales"])

    page = client.post("/orders/new", data=form_data(world, **{**NEW, "new_customer-name": "",
                                                               "new_customer-email": "not-an-email"}))

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and customers() == 2
    assert 'id="new_customer-name-error1"' in html and 'id="new_customer-email-error1"' in html
    assert "New customer: Name" in html  # in the summary at the top, linked to the field
    assert "<details class=\"new-customer wide\" open>" in html


def test_a_code_already_used_is_refused_next_to_the_new_customer_s_code(app, world):
    client = portal_login(app, world.users["sales"])

    page = client.post("/orders/new", data=form_data(world, **{**NEW, "new_customer-code": "C001"}))

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and customers() == 2
    assert db.session.execute(select(Order)).first() is None
    assert 'id="new_customer-code-error1">the code C001 is already used</span>' in html


def test_without_a_customer_picked_or_entered_the_form_asks_for_one(app, world):
    page = portal_login(app, world.users["sales"]).post("/orders/new", data=form_data(world, customer_id=""))

    assert "Choose the customer who placed the order, or enter a new customer." in page.get_data(as_text=True)


def test_who_may_not_create_customers_gets_no_new_customer_fields(app, world):
    page = portal_login(app, world.users["customer_service"]).get("/orders/new").get_data(as_text=True)
    sales_page = portal_login(app, world.users["sales"]).get("/orders/new").get_data(as_text=True)

    assert 'name="new_customer-code"' not in page
    assert 'name="new_customer-code"' in sales_page
    ignored = portal_login(app, world.users["customer_service"]).post(
        "/orders/new", data=form_data(world, **{**NEW, "customer_id": str(world.customers[0].id)}))
    assert ignored.status_code == 302 and customers() == 2  # the fields they could not see are not read
