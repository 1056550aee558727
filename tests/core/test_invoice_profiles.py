"""A customer's invoice profile and default delivery method: kept on the customer page and through the API,
the taxpayer id refused when it cannot be one and otherwise kept exactly as typed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core import masterdata
from core.errors import ValidationError
from core.extensions import db
from core.invoicing import tax_id_refusal
from core.models import AuditEntry, Customer, DeliveryMethod, InvoiceType
from tests import factories
from tests.core.test_masterdata_pages import NEW_CUSTOMER

CREDIT_CODE = "91310115MA1K4B2C3J"  # a unified social credit code, 18 characters
PROFILE = {"delivery_method": "freight", "invoice_type": "special", "invoice_title": "杭州西湖电气有限公司",
           "invoice_tax_id": CREDIT_CODE, "invoice_bank_account": "中国工商银行杭州西湖支行 1202 0219 0900 1234 567",
           "invoice_address_phone": "杭州市西湖区文三路 90 号 0571-8888 0001"}


def created(code: str = "C100") -> Customer:
    db.session.expire_all()
    return db.session.execute(select(Customer).where(Customer.code == code)).scalar_one()


@pytest.mark.parametrize("tax_id", [CREDIT_CODE, "11010119900307123X", "310115132201234",
                                    "31011519900307123401"])
def test_a_unified_social_credit_code_and_the_older_taxpayer_ids_are_taken(app, tax_id):
    assert tax_id_refusal(tax_id) is None


@pytest.mark.parametrize("tax_id, message", [
    ("91310115MA1K4B2C3", "the taxpayer id 91310115MA1K4B2C3 has 17 characters; it needs 18 (the unified social "
                          "credit code) or, for an older taxpayer id, 15 or 20"),
    ("91310115ma1k4b2c3j", "the taxpayer id 91310115ma1k4b2c3j has lower-case letters; its letters are upper case"),
    ("91310115MA1K 4B2C3", "the taxpayer id 91310115MA1K 4B2C3 may hold only digits 0-9 and letters A-Z, not ' '"),
    ("91310115MA1K4B2C3Ｊ", "the taxpayer id 91310115MA1K4B2C3Ｊ may hold only digits 0-9 and letters A-Z, not 'Ｊ'"),
    ("91310115MA1O4B2C3I", "the taxpayer id 91310115MA1O4B2C3I has I, O, which a unified social credit code never "
                           "holds (it has no I, O, S, V or Z)"),
])
def test_a_taxpayer_id_that_cannot_be_one_is_refused_saying_why(app, tax_id, message):
    assert tax_id_refusal(tax_id) == message


def test_sales_keeps_the_invoice_profile_and_delivery_method_on_the_customer_page(app, world):
    client = factories.portal_login(app, world.users["sales"])
    page = client.get("/customers/new").get_data(as_text=True)
    assert "<legend>Invoice</legend>" in page and 'name="invoice_tax_id"' in page
    assert '<option selected value="">No invoice</option>' in page
    assert '<option value="special">Special VAT invoice</option>' in page

    response = client.post("/customers/new", data={**NEW_CUSTOMER, **PROFILE,
                                                   "invoice_tax_id": f"  {CREDIT_CODE} "})

    assert response.status_code == 302
    customer = created()
    assert (customer.delivery_method, customer.invoice_type) == (DeliveryMethod.FREIGHT, InvoiceType.SPECIAL)
    assert customer.invoice_tax_id == CREDIT_CODE  # the surrounding spaces gone, nothing else
    assert customer.invoice_bank_account == PROFILE["invoice_bank_account"]  # the spaces of the account kept
    assert customer.invoice_address_phone == PROFILE["invoice_address_phone"]
    edit = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert f'value="{CREDIT_CODE}"' in edit and '<option selected value="special">' in edit

    client.post(f"/customers/{customer.id}", data={**NEW_CUSTOMER, **PROFILE, "invoice_type": "",
                                                   "delivery_method": ""})
    customer = created()
    assert customer.invoice_type is None and customer.delivery_method is None  # no invoice, no default
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.entity == "customer", AuditEntry.action == "updated")).scalar_one()
    assert entry.before["invoice_type"] == "special" and entry.after["invoice_type"] is None


def test_a_wrong_taxpayer_id_is_refused_next_to_its_field_and_nothing_is_saved(app, world):
    client = factories.portal_login(app, world.users["sales"])

    page = client.post("/customers/new", data={**NEW_CUSTOMER, **PROFILE, "invoice_tax_id": "91310115ma1k4b2c3j"})

    html = page.get_data(as_text=True)
    assert ('<span class="error" id="invoice_tax_id-error1">the taxpayer id 91310115ma1k4b2c3j has lower-case '
            "letters; its letters are upper case</span>") in html
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).first() is None


def test_the_master_data_service_refuses_a_wrong_taxpayer_id_whoever_calls_it(app, world):
    with pytest.raises(ValidationError) as refused:
        masterdata.update(world.customers[0], data={"invoice_tax_id": "12345"}, actor=None)

    assert refused.value.field == "invoice_tax_id"
    assert str(refused.value).startswith("the taxpayer id 12345 has 5 characters")
    masterdata.update(world.customers[0], data={"invoice_tax_id": f" {CREDIT_CODE}\t"}, actor=None)
    assert world.customers[0].invoice_tax_id == CREDIT_CODE


def test_the_customer_list_shows_the_invoice_and_the_delivery_method_through_their_labels(app, world):
    masterdata.update(world.customers[0], data={"invoice_type": InvoiceType.ORDINARY,
                                                "delivery_method": DeliveryMethod.PICKUP}, actor=None)
    db.session.commit()

    page = factories.portal_login(app, world.users["sales"]).get("/customers").get_data(as_text=True)

    assert "Ordinary VAT invoice" in page and "Customer pickup" in page


@pytest.fixture
def admin_api(app, world):
    return factories.ApiClient(app, world.users["administrator"])


def test_the_api_creates_reads_and_patches_a_customers_invoice_profile(admin_api):
    response = admin_api.post("/api/v1/customers", json={"code": "C100", "name": "杭州西湖电气", **PROFILE,
                                                         "invoice_tax_id": f" {CREDIT_CODE} "})

    assert response.status_code == 201, response.get_json()
    customer = response.get_json()
    assert {key: customer[key] for key in PROFILE} == PROFILE
    patched = admin_api.patch(f"/api/v1/customers/{customer['id']}",
                              json={"invoice_type": "ordinary", "invoice_bank_account": None,
                                    "delivery_method": None}).get_json()
    assert (patched["invoice_type"], patched["invoice_bank_account"], patched["delivery_method"]) == (
        "ordinary", None, None)
    assert patched["invoice_tax_id"] == CREDIT_CODE and patched["invoice_title"] == "杭州西湖电气有限公司"
    left_out = admin_api.post("/api/v1/customers", json={"code": "C101", "name": "无发票客户"}).get_json()
    assert (left_out["invoice_type"], left_out["delivery_method"], left_out["invoice_tax_id"]) == (None, None, None)


@pytest.mark.parametrize("field, value, message", [
    ("invoice_tax_id", "9131011", "the taxpayer id 9131011 has 7 characters; it needs 18 (the unified social credit "
                                  "code) or, for an older taxpayer id, 15 or 20"),
    ("invoice_tax_id", "91310115ma1k4b2c3j", "the taxpayer id 91310115ma1k4b2c3j has lower-case letters; its letters "
                                             "are upper case"),
    ("invoice_type", "vat", "Must be one of: ordinary, special."),
    ("delivery_method", "drone", "Must be one of: express, freight, pickup."),
    ("invoice_title", "抬" * 201, "Longer than maximum length 200."),
])
def test_the_api_refuses_a_wrong_invoice_profile_naming_the_field(admin_api, field, value, message):
    response = admin_api.post("/api/v1/customers", json={"code": "C100", "name": "杭州西湖电气", **PROFILE,
                                                         field: value})

    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"field": field, "message": message}]
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).first() is None


def test_the_customers_tax_and_bank_details_are_not_answered_to_a_role_that_sees_no_prices(app, world, admin_api):
    customer = admin_api.post("/api/v1/customers", json={"code": "C100", "name": "杭州西湖电气", **PROFILE}).get_json()

    production = factories.ApiClient(app, world.users["production"]).get(f"/api/v1/customers/{customer['id']}")

    assert production.status_code == 200 and production.get_json()["invoice_title"] == PROFILE["invoice_title"]
    assert production.get_json()["invoice_tax_id"] is None and production.get_json()["invoice_bank_account"] is None
    assert customer["invoice_tax_id"] == CREDIT_CODE  # the administrator reads them


def test_the_openapi_document_describes_the_invoice_profile(client):
    customer = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Customer"]["properties"]

    assert customer["invoice_type"]["enum"] == ["ordinary", "special", None]
    assert customer["invoice_tax_id"]["maxLength"] == 20 and "纳税人识别号" in customer["invoice_tax_id"]["description"]
    assert customer["delivery_method"]["enum"] == ["express", "freight", "pickup", None]
