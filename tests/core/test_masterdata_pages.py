"""Customer and product pages: sales keeps customers, the administrator keeps products."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry, Customer, PaymentTerms, Product
from tests import factories

NEW_CUSTOMER = {"code": "C100", "name": "杭州西湖电气", "contact": "陈工", "phone": "0571-8888",
                "email": "", "province": "浙江", "city": "杭州", "address": "", "credit_limit": "200000",
                "payment_terms": "monthly", "active": "y"}


def test_sales_creates_and_edits_a_customer(app, world):
    client = factories.portal_login(app, world.users["sales"])
    assert client.post("/customers/new", data=NEW_CUSTOMER).status_code == 302
    customer = db.session.execute(select(Customer).where(Customer.code == "C100")).scalar_one()
    assert customer.credit_limit == Decimal("200000.00") and customer.payment_terms == PaymentTerms.MONTHLY
    assert customer.email is None  # blank stays empty, not ""
    client.post(f"/customers/{customer.id}", data={**NEW_CUSTOMER, "credit_limit": "250000.50"})
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).credit_limit == Decimal("250000.50")
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.entity == "customer", AuditEntry.action == "updated")).scalar_one()
    assert entry.before["credit_limit"] == "200000.00" and entry.after["credit_limit"] == "250000.50"
    listing = client.get("/customers?q=西湖").get_data(as_text=True)
    assert "杭州西湖电气" in listing and "北京燕山化工股份公司" not in listing


def test_a_customers_language_is_chosen_on_their_page_and_none_is_the_companys(app, world):
    client = factories.portal_login(app, world.users["sales"])
    assert client.post("/customers/new", data={**NEW_CUSTOMER, "language": "en"}).status_code == 302
    customer = db.session.execute(select(Customer).where(Customer.code == "C100")).scalar_one()
    assert customer.language == "en"
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert '<option selected value="en">English</option>' in page

    client.post(f"/customers/{customer.id}", data={**NEW_CUSTOMER, "language": ""})
    db.session.expire_all()
    assert db.session.get_one(Customer, customer.id).language is None
    refused = client.post(f"/customers/{customer.id}", data={**NEW_CUSTOMER, "language": "de"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)


def test_a_duplicate_customer_code_is_refused_and_nothing_is_saved(app, world):
    client = factories.portal_login(app, world.users["sales"])
    page = client.post("/customers/new", data={**NEW_CUSTOMER, "code": "C001"}).get_data(as_text=True)
    assert '<span class="error" id="code-error1">the code C001 is already used</span>' in page  # by the code
    assert db.session.execute(select(Customer).where(Customer.name == "杭州西湖电气")).first() is None


def test_every_error_of_a_customer_is_shown_at_once_next_to_its_field(app, world):
    client = factories.portal_login(app, world.users["sales"])
    page = client.post("/customers/new", data={**NEW_CUSTOMER, "name": "", "email": "not-an-address",
                                               "credit_limit": "1.001"}).get_data(as_text=True)
    for field_id in ("name", "email", "credit_limit"):
        assert f'id="{field_id}-error1"' in page and f'aria-describedby="{field_id}-error1"' in page, field_id
        assert f'<a href="#{field_id}">' in page  # listed in the summary too
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).first() is None


def test_a_floor_price_above_the_list_price_is_refused_on_the_page(app, world):
    client = factories.portal_login(app, world.users["administrator"])
    page = client.post("/products/new", data={"code": "P100", "name": "球阀", "unit": "个", "list_price": "10",
                                              "floor_price": "12", "tax_rate": "0.13", "active": "y"})
    assert "must not exceed the list price" in page.get_data(as_text=True)
    assert db.session.execute(select(Product).where(Product.code == "P100")).first() is None


def test_production_may_read_products_but_not_change_them(app, world):
    client = factories.portal_login(app, world.users["production"])
    assert "不锈钢阀门 DN50" in client.get("/products").get_data(as_text=True)
    assert client.get("/products/new").status_code == 403
    assert client.get(f"/products/{world.products[0].id}").status_code == 403
    assert client.get("/customers").status_code == 200


def test_another_companys_customer_cannot_be_opened(app, world):
    rival = factories.company("RIVAL")
    theirs = factories.customer(rival, "C009", "深圳湾科技有限公司")
    client = factories.portal_login(app, world.users["sales"])
    assert client.get(f"/customers/{theirs.id}").status_code == 404
    assert "深圳湾科技有限公司" not in client.get("/customers").get_data(as_text=True)


def test_figures_with_more_places_than_stored_are_refused_on_the_page_not_rounded(app, world):
    admin = factories.portal_login(app, world.users["administrator"])
    product = {"code": "P100", "name": "球阀", "unit": "个", "list_price": "10", "floor_price": "8",
               "tax_rate": "0.13", "active": "y"}
    for field, wrong, message in (("list_price", "10.125", "at most 2 decimal places"),
                                  ("tax_rate", "0.12345", "at most 4 decimal places"),
                                  ("list_price", "NaN", "Not a valid decimal value."),
                                  ("floor_price", "1e12", "at most 12 digits before the decimal point")):
        page = admin.post("/products/new", data={**product, field: wrong})
        assert page.status_code == 200 and message in page.get_data(as_text=True), (field, wrong)
    assert db.session.execute(select(Product).where(Product.code == "P100")).first() is None
    sales = factories.portal_login(app, world.users["sales"])
    page = sales.post("/customers/new", data={**NEW_CUSTOMER, "credit_limit": "200000.001"})
    assert "at most 2 decimal places" in page.get_data(as_text=True)
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).first() is None


def test_production_reads_products_and_customers_without_their_amounts(app, world):
    client = factories.portal_login(app, world.users["production"])
    products = client.get("/products").get_data(as_text=True)
    assert "不锈钢阀门 DN50" in products and "DN50 PN16" in products
    assert "120.00" not in products and "100.00" not in products and "List price" not in products
    customers = client.get("/customers").get_data(as_text=True)
    assert "上海华东机电有限公司" in customers
    assert "500000.00" not in customers and "500,000.00" not in customers and "Credit limit" not in customers
    assert "120.00" in factories.portal_login(app, world.users["sales"]).get("/products").get_data(as_text=True)


def test_a_role_that_may_keep_master_data_but_not_see_prices_edits_everything_else(app, world):
    from core.companies import set_role_permissions
    from core.db import commit

    role = world.users["production"].roles[0]
    set_role_permissions(role, role.permissions | {"product.manage", "customer.manage"}, actor=None)
    commit()
    client = factories.portal_login(app, world.users["production"])
    product = world.products[0]
    form = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'name="name"' in form and 'name="list_price"' not in form and "120.00" not in form
    saved = client.post(f"/products/{product.id}", data={
        "code": "P001", "name": "球阀", "unit": "个", "tax_rate": "0.13", "active": "y",
        "list_price": "1.00", "floor_price": "1.00"})  # sent anyway: the form has no such fields
    assert saved.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Product, product.id)
    assert (changed.name, changed.list_price, changed.floor_price) == ("球阀", Decimal("120.00"), Decimal("100.00"))
    assert "/products/new" not in client.get("/products").get_data(as_text=True)
    refused = client.get("/products/new")
    assert refused.status_code == 403 and "order.view_prices" in refused.get_data(as_text=True)
    assert client.post("/customers/new", data={**NEW_CUSTOMER, "credit_limit": "999999"}).status_code == 302
    customer = db.session.execute(select(Customer).where(Customer.code == "C100")).scalar_one()
    assert customer.credit_limit == Decimal("0.00")  # left to someone who may see credit limits


def test_the_customer_list_searches_sorts_groups_and_exports_without_amounts_for_production(app, world):
    factories.customer(world.company, "C003", "杭州西湖电气", province="浙江", city="杭州")
    client = factories.portal_login(app, world.users["production"])

    assert "杭州西湖电气" in client.get("/customers?q=c003").get_data(as_text=True)
    listed = client.get("/customers?sort=-code").get_data(as_text=True)
    assert listed.index("C003") < listed.index("C002") < listed.index("C001")
    grouped = client.get("/customers?group=province").get_data(as_text=True)
    assert "<td>上海</td>\n          <td class=\"num\">1</td>" in grouped
    exported = client.get("/customers?format=csv").get_data(as_text=True).lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(exported)))
    assert [row[0] for row in rows] == ["C001", "C002", "C003"] and "Credit limit" not in header
    assert client.get("/customers?sort=credit_limit").status_code == 400
    sales = factories.portal_login(app, world.users["sales"])
    assert "Credit limit" in sales.get("/customers?format=csv").get_data(as_text=True)
    assert "P002" in sales.get("/products?sort=-list_price&q=密封").get_data(as_text=True)
