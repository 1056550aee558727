"""The order's invoice and delivery method: taken from the customer when the order names none, kept as typed
otherwise, checked before submission (a special VAT invoice needs every detail), shown and printed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.masterdata import update as update_master
from core.models import AuditEntry, Customer, DeliveryMethod, InvoiceType, Order, OrderStatus, Role, RolePermission
from plugins.intake import checks, imports, mappings, services
from plugins.intake.checks import Check, ChecksFailed, Severity
from tests import factories
from tests.factories import portal_login
from tests.plugins.intake.helpers import api_body, draft, next_week, order_data
from tests.plugins.intake.test_documents import confirmation, text
from tests.plugins.intake.test_imports import GENERIC_HEADER, csv_bytes
from tests.plugins.intake.test_new_customer import NEW
from tests.plugins.intake.test_views import form_data

TAX_ID = "91310115MA1K4B2C3J"
SPECIAL = {"invoice_type": InvoiceType.SPECIAL, "invoice_title": "上海华东机电有限公司", "invoice_tax_id": TAX_ID,
           "invoice_bank_account": "中国工商银行上海张江支行 1001 2345 6789 0123 456",
           "invoice_address_phone": "上海市浦东新区张江路 88 号 021-5080 1234"}
DETAILS = ("invoice_title", "invoice_tax_id", "invoice_bank_account", "invoice_address_phone")


def invoice_of(order: Order) -> dict[str, object]:
    return {key: getattr(order, key) for key in ("invoice_type", *DETAILS)}


def with_profile(customer: Customer, **profile: object) -> Customer:
    update_master(customer, data={**SPECIAL, **profile}, actor=None)
    commit()
    return customer


def problems_of(order: Order) -> list[tuple[str, Check, Severity, str]]:
    return [(p.field, p.check, p.severity, p.message) for p in checks.check_order(order)]


# --- the customer's defaults -------------------------------------------------------


def test_an_order_naming_no_invoice_and_no_delivery_method_takes_the_customers(world):
    with_profile(world.customers[0], delivery_method=DeliveryMethod.FREIGHT)
    data = order_data(world)
    del data["delivery_method"]

    order = services.create_draft(world.company, data, world.users["sales"])

    assert invoice_of(order) == SPECIAL
    assert order.delivery_method == DeliveryMethod.FREIGHT
    assert checks.check_order(order) == []


def test_without_a_default_delivery_method_the_order_goes_by_express(world):
    data = order_data(world, delivery_method=None)

    assert services.create_draft(world.company, data, world.users["sales"]).delivery_method == DeliveryMethod.EXPRESS


def test_a_delivery_method_the_order_names_beats_the_customers(world):
    with_profile(world.customers[0], delivery_method=DeliveryMethod.FREIGHT)

    assert draft(world, delivery_method=DeliveryMethod.PICKUP).delivery_method == DeliveryMethod.PICKUP


def test_details_typed_with_the_customers_invoice_stay_as_typed_and_the_rest_come_from_the_customer(world):
    with_profile(world.customers[0])

    order = draft(world, invoice_title=" 上海华东机电有限公司（张江分公司） ", invoice_bank_account="")

    assert order.invoice_type == InvoiceType.SPECIAL
    assert order.invoice_title == "上海华东机电有限公司（张江分公司）"  # typed, without its surrounding spaces
    assert order.invoice_bank_account == SPECIAL["invoice_bank_account"]  # left empty: the customer's
    assert order.invoice_tax_id == TAX_ID


def test_an_order_naming_its_invoice_type_takes_nothing_of_the_customers_profile(world):
    with_profile(world.customers[0])

    ordinary = draft(world, invoice_type=InvoiceType.ORDINARY, invoice_title="王小明")
    none = draft(world, invoice_type=None)

    assert invoice_of(ordinary) == {"invoice_type": InvoiceType.ORDINARY, "invoice_title": "王小明",
                                    "invoice_tax_id": None, "invoice_bank_account": None,
                                    "invoice_address_phone": None}
    assert invoice_of(none) == dict.fromkeys(("invoice_type", *DETAILS))


def test_a_wrong_taxpayer_id_is_kept_as_typed_on_the_draft(world):
    order = draft(world, invoice_type=InvoiceType.ORDINARY, invoice_title="王小明", invoice_tax_id=" 9131-0115 ")

    assert order.invoice_tax_id == "9131-0115"  # kept, and named by the checks


def test_editing_a_draft_changes_only_the_invoice_fields_sent(world):
    with_profile(world.customers[0])
    order = draft(world)

    services.update_draft(order, {"notes": "加急"}, world.users["sales"])
    assert invoice_of(order) == SPECIAL
    services.update_draft(order, {"invoice_bank_account": "招商银行上海分行 2100 0000 0001"}, world.users["sales"])
    assert order.invoice_bank_account == "招商银行上海分行 2100 0000 0001" and order.invoice_tax_id == TAX_ID


def test_an_edit_asking_for_the_customers_invoice_takes_the_new_customers_profile(world):
    order = draft(world)
    assert invoice_of(order) == dict.fromkeys(("invoice_type", *DETAILS))  # C001 wants no invoice
    other = with_profile(world.customers[1], invoice_type=InvoiceType.ORDINARY, invoice_title="北京燕山化工股份公司",
                         invoice_tax_id="911101081019876544", invoice_bank_account=None, invoice_address_phone=None)

    services.update_draft(order, {"customer_id": other.id, "invoice_type": services.FROM_CUSTOMER},
                          world.users["sales"])

    assert invoice_of(order) == {"invoice_type": InvoiceType.ORDINARY, "invoice_title": "北京燕山化工股份公司",
                                 "invoice_tax_id": "911101081019876544", "invoice_bank_account": None,
                                 "invoice_address_phone": None}


def test_the_invoice_entered_is_audited_with_the_order(world):
    with_profile(world.customers[0])

    order = draft(world)

    entry = db.session.execute(select(AuditEntry).where(AuditEntry.order_id == order.id,
                                                        AuditEntry.action == "created")).scalar_one()
    assert entry.after["invoice_type"] == "special" and entry.after["invoice_tax_id"] == TAX_ID


# --- the checks, one per message ------------------------------------------------------

SPECIAL_NEEDS = [
    ("invoice_title", Check.INVOICE_TITLE_MISSING,
     "a special VAT invoice needs the invoice title, the company name as registered; ask the customer"),
    ("invoice_tax_id", Check.INVOICE_TAX_ID_MISSING,
     "a special VAT invoice needs the customer's taxpayer id; ask the customer"),
    ("invoice_bank_account", Check.INVOICE_BANK_MISSING,
     "a special VAT invoice needs the customer's bank and account; ask the customer"),
    ("invoice_address_phone", Check.INVOICE_ADDRESS_MISSING,
     "a special VAT invoice needs the customer's registered address and phone; ask the customer"),
]


@pytest.mark.parametrize("field, check, message", SPECIAL_NEEDS)
def test_a_special_invoice_missing_a_detail_is_blocked_at_that_detail(world, field, check, message):
    order = draft(world, **{**SPECIAL, field: None})

    assert problems_of(order) == [(field, check, Severity.BLOCKING, message)]


def test_a_special_invoice_without_any_detail_names_each_of_them(world):
    order = draft(world, invoice_type=InvoiceType.SPECIAL)

    assert [(field, check) for field, check, _severity, _message in problems_of(order)] == [
        (field, check) for field, check, _message in SPECIAL_NEEDS]


def test_an_ordinary_invoice_needs_the_title(world):
    order = draft(world, invoice_type=InvoiceType.ORDINARY)

    assert problems_of(order) == [(
        "invoice_title", Check.INVOICE_TITLE_MISSING, Severity.BLOCKING,
        "an ordinary VAT invoice needs the invoice title, the company or person invoiced; ask the customer")]


def test_an_ordinary_invoice_to_a_person_needs_no_taxpayer_id_nor_bank(world):
    assert problems_of(draft(world, invoice_type=InvoiceType.ORDINARY, invoice_title="王小明")) == []


def test_a_taxpayer_id_given_must_be_one_whatever_the_invoice(world):
    ordinary = draft(world, invoice_type=InvoiceType.ORDINARY, invoice_title="广州珠江设备贸易有限公司",
                     invoice_tax_id="91440101MA5CXY12L")
    special = draft(world, **{**SPECIAL, "invoice_tax_id": "91310115ma1k4b2c3j"})

    assert problems_of(ordinary) == [(
        "invoice_tax_id", Check.INVOICE_TAX_ID_INVALID, Severity.BLOCKING,
        "the taxpayer id 91440101MA5CXY12L has 17 characters; it needs 18 (the unified social credit code) or, "
        "for an older taxpayer id, 15 or 20; correct it or ask the customer")]
    assert problems_of(special) == [(
        "invoice_tax_id", Check.INVOICE_TAX_ID_INVALID, Severity.BLOCKING,
        "the taxpayer id 91310115ma1k4b2c3j has lower-case letters; its letters are upper case; correct it or ask "
        "the customer")]


def test_no_invoice_needs_nothing(world):
    assert problems_of(draft(world, invoice_type=None)) == []


def test_a_blocked_invoice_stops_the_submission_and_the_draft_gets_no_number(world):
    order = draft(world, invoice_type=InvoiceType.SPECIAL, invoice_title="上海华东机电有限公司")

    with pytest.raises(ChecksFailed) as refused:
        services.submit(order, world.users["sales"], confirm_warnings=True)

    assert [error["field"] for error in refused.value.errors] == [
        "invoice_tax_id", "invoice_bank_account", "invoice_address_phone"]
    assert order.status == OrderStatus.DRAFT and order.number is None


# --- the API --------------------------------------------------------------------------


def test_an_integration_leaving_out_the_invoice_and_delivery_method_gets_the_customers(app, world):
    with_profile(world.customers[0], delivery_method=DeliveryMethod.PICKUP)
    body = api_body(world)
    del body["delivery_method"]

    response = factories.ApiClient(app, world.users["sales"]).post("/api/v1/orders", json=body)

    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["delivery_method"] == "pickup"
    assert {key: order[key] for key in ("invoice_type", *DETAILS)} == {**SPECIAL, "invoice_type": "special"}
    assert order["invoice_requirements"] is None


def test_an_integration_asks_for_no_invoice_with_null_and_for_its_own_details(app, world):
    with_profile(world.customers[0])
    api = factories.ApiClient(app, world.users["sales"])

    none = api.post("/api/v1/orders", json=api_body(world, invoice_type=None, delivery_method=None)).get_json()
    own = api.post("/api/v1/orders", json=api_body(world, invoice_type="ordinary", invoice_title="王小明",
                                                   invoice_requirements="随货开票", confirm_duplicate=True)).get_json()

    assert none["invoice_type"] is None and none["invoice_title"] is None and none["delivery_method"] == "express"
    assert (own["invoice_type"], own["invoice_title"], own["invoice_tax_id"], own["invoice_requirements"]) == (
        "ordinary", "王小明", None, "随货开票")


def test_an_integration_patches_the_invoice_of_a_draft_and_submitting_it_names_what_is_missing(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    order = draft(world)

    patched = api.patch(f"/api/v1/orders/{order.id}", json={"invoice_type": "special",
                                                            "invoice_title": "上海华东机电有限公司",
                                                            "invoice_tax_id": "  91310115MA1K4B2C3J "})
    submitted = api.post(f"/api/v1/orders/{order.id}/submit", json={})

    assert patched.status_code == 200 and patched.get_json()["invoice_tax_id"] == TAX_ID
    assert submitted.status_code == 422
    assert [(e["field"], e["code"]) for e in submitted.get_json()["errors"]] == [
        ("invoice_bank_account", "invoice_bank_missing"), ("invoice_address_phone", "invoice_address_missing")]


@pytest.mark.parametrize("field, value, message", [
    ("invoice_type", "vat", "Must be one of: ordinary, special."),
    ("invoice_tax_id", "9" * 41, "Longer than maximum length 40."),
    ("invoice_address_phone", "址" * 201, "Longer than maximum length 200."),
    ("delivery_method", "drone", "Must be one of: express, freight, pickup."),
])
def test_an_integration_sending_a_wrong_invoice_field_is_told_which(app, world, field, value, message):
    response = factories.ApiClient(app, world.users["sales"]).post("/api/v1/orders",
                                                                  json=api_body(world, **{field: value}))

    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"field": field, "message": message}]
    assert db.session.execute(select(Order)).first() is None


def test_the_openapi_document_says_the_invoice_and_delivery_method_may_be_left_out(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    create = schemas["OrderCreate"]

    assert "delivery_method" not in create.get("required", [])
    assert create["properties"]["invoice_type"]["enum"] == ["ordinary", "special", None]
    assert "the customer's invoice profile" in create["properties"]["invoice_type"]["description"]
    assert set(schemas["Order"]["properties"]) >= {"invoice_type", *DETAILS, "invoice_requirements"}


# --- the portal -----------------------------------------------------------------------


def test_the_order_form_offers_the_customers_invoice_and_delivery_method_first(app, world):
    page = portal_login(app, world.users["sales"]).get("/orders/new").get_data(as_text=True)

    assert "<legend>Invoice</legend>" in page
    assert '<option selected value="">The customer&#39;s invoice (and its details left empty)</option>' in page
    assert '<option value="none">No invoice</option>' in page
    assert '<option value="special">Special VAT invoice</option>' in page
    assert '<option selected value="">The customer&#39;s (express when it has none)</option>' in page
    for name in DETAILS + ("invoice_requirements",):
        assert f'name="{name}"' in page, name


def test_a_clerk_leaving_the_invoice_to_the_customer_gets_the_customers_profile(app, world):
    with_profile(world.customers[0], delivery_method=DeliveryMethod.FREIGHT)
    client = portal_login(app, world.users["sales"])

    response = client.post("/orders/new", data=form_data(world, delivery_method="", invoice_type="",
                                                         invoice_title="", invoice_tax_id=""))

    assert response.status_code == 302, response.get_data(as_text=True)
    order = db.session.execute(select(Order)).scalar_one()
    assert invoice_of(order) == SPECIAL and order.delivery_method == DeliveryMethod.FREIGHT


def test_a_clerk_chooses_no_invoice_or_types_one_on_the_form(app, world):
    with_profile(world.customers[0])
    client = portal_login(app, world.users["sales"])

    client.post("/orders/new", data=form_data(world, invoice_type="none"))
    client.post("/orders/new", data=form_data(world, invoice_type="ordinary", invoice_title="王小明",
                                              invoice_tax_id=" 91310115ma1k4b2c3j ", confirm_duplicate="y"))

    none, ordinary = db.session.execute(select(Order).order_by(Order.id)).scalars()
    assert invoice_of(none) == dict.fromkeys(("invoice_type", *DETAILS))
    assert (ordinary.invoice_type, ordinary.invoice_title, ordinary.invoice_tax_id) == (
        InvoiceType.ORDINARY, "王小明", "91310115ma1k4b2c3j")  # as typed: the re-check names it
    recheck = client.get(f"/orders/{ordinary.id}/recheck").get_data(as_text=True)
    assert ('<li class="error" data-field="invoice_tax_id">the taxpayer id 91310115ma1k4b2c3j has lower-case '
            "letters; its letters are upper case; correct it or ask the customer</li>") in recheck


def test_the_edit_form_shows_the_drafts_own_invoice(app, world):
    client = portal_login(app, world.users["sales"])
    none = draft(world, invoice_type=None)
    special = draft(world, **SPECIAL)

    none_page = client.get(f"/orders/{none.id}/edit").get_data(as_text=True)
    special_page = client.get(f"/orders/{special.id}/edit").get_data(as_text=True)

    assert '<option selected value="none">No invoice</option>' in none_page
    assert '<option selected value="special">Special VAT invoice</option>' in special_page
    assert f'value="{TAX_ID}"' in special_page
    client.post(f"/orders/{none.id}/edit", data=form_data(world, invoice_type="none", notes="改期"))
    db.session.expire_all()
    assert db.session.get(Order, none.id).invoice_type is None  # still none, not the customer's


def test_a_new_customer_entered_with_the_order_brings_its_invoice_profile(app, world):

    client = portal_login(app, world.users["sales"])
    new = {**NEW, "new_customer-delivery_method": "pickup", "new_customer-invoice_type": "special",
           "new_customer-invoice_title": "苏州新达精密机械有限公司",
           "new_customer-invoice_tax_id": "91320594MA1N8XY20W",
           "new_customer-invoice_bank_account": "中国银行苏州工业园区支行 5432 1234 5678",
           "new_customer-invoice_address_phone": "苏州工业园区星湖街 328 号 0512-6688 1234"}
    page = client.get("/orders/new").get_data(as_text=True)
    assert 'name="new_customer-invoice_tax_id"' in page and "<legend>The new customer's invoice</legend>" in page

    response = client.post("/orders/new", data=form_data(world, **new, delivery_method="", invoice_type=""))

    assert response.status_code == 302, response.get_data(as_text=True)
    order = db.session.execute(select(Order)).scalar_one()
    assert order.customer.invoice_type == InvoiceType.SPECIAL and order.customer.invoice_tax_id == "91320594MA1N8XY20W"
    assert order.invoice_type == InvoiceType.SPECIAL and order.invoice_title == "苏州新达精密机械有限公司"
    assert order.delivery_method == DeliveryMethod.PICKUP


def test_a_new_customers_wrong_taxpayer_id_is_refused_next_to_it(app, world):

    client = portal_login(app, world.users["sales"])

    page = client.post("/orders/new", data=form_data(world, **NEW, **{"new_customer-invoice_tax_id": "9132 0594"}))

    html = page.get_data(as_text=True)
    assert ('id="new_customer-invoice_tax_id-error1">the taxpayer id 9132 0594 has 9 characters; it needs 18 '
            "(the unified social credit code) or, for an older taxpayer id, 15 or 20</span>") in html
    assert db.session.execute(select(Order)).first() is None


def test_a_customer_ordering_in_the_portal_gets_their_own_invoice_profile(app, world):
    with_profile(world.customers[0], delivery_method=DeliveryMethod.FREIGHT)
    role = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                 Role.name == "customer")).scalar_one()
    db.session.add(RolePermission(role_id=role.id, permission="order.create"))
    db.session.commit()
    client = portal_login(app, world.users["customer"])

    client.post("/orders/new", data=form_data(world, delivery_method="", invoice_type="",
                                              **{"lines-2-unit_price": ""}))

    db.session.rollback()
    order = db.session.execute(select(Order)).scalar_one()
    assert invoice_of(order) == SPECIAL and order.delivery_method == DeliveryMethod.FREIGHT


def test_the_recheck_and_order_pages_show_the_invoice_as_entered(app, world):
    order = draft(world, **SPECIAL, invoice_requirements="发票随货寄出")
    client = portal_login(app, world.users["sales"])

    for page in (client.get(f"/orders/{order.id}/recheck").get_data(as_text=True),
                 client.get(f"/orders/{order.id}").get_data(as_text=True)):
        assert "<dt>Invoice</dt><dd>Special VAT invoice</dd>" in page
        assert f"<dt>Taxpayer id</dt><dd>{TAX_ID}</dd>" in page
        assert f"<dt>Bank and account</dt><dd>{SPECIAL['invoice_bank_account']}</dd>" in page
        assert f"<dt>Registered address and phone</dt><dd>{SPECIAL['invoice_address_phone']}</dd>" in page
        assert "<dt>Other invoice requirements</dt><dd>发票随货寄出</dd>" in page
    assert "<dt>Invoice</dt><dd>No invoice</dd>" in client.get(
        f"/orders/{draft(world, invoice_type=None).id}").get_data(as_text=True)


def test_the_confirmation_prints_the_invoice_in_chinese(app, world, tmp_path):
    order = services.submit(draft(world, **SPECIAL, invoice_requirements="发票随货寄出"), world.users["sales"])
    world.customers[0].language = "zh_CN"  # a document speaks its customer's language, whoever prints it
    world.users["sales"].locale = "en"
    db.session.commit()

    printed = text(confirmation(app, world.users["sales"], order, tmp_path))

    for shown in ("增值税专用发票", "开票抬头", "上海华东机电有限公司", "纳税人识别号", TAX_ID, "开户行及账号",
                  "1001 2345 6789 0123 456", "地址、电话", "021-5080 1234", "其他开票要求", "发票随货寄出"):
        assert shown in printed, shown


# --- the import -----------------------------------------------------------------------


def generic_file(world) -> bytes:
    return csv_bytes([GENERIC_HEADER, ["X1", "C001", "P001", "3", "120.00", next_week().isoformat()]])


def test_an_imported_order_takes_the_customers_invoice_profile(app, world):
    with_profile(world.customers[0])

    result = imports.import_orders(world.company, "orders.csv", generic_file(world), mappings.BUILT_IN["generic"],
                                   world.users["sales"])

    assert result.errors == [] and len(result.created) == 1
    assert invoice_of(db.session.get(Order, result.created[0])) == SPECIAL


def test_an_import_for_a_customer_whose_special_invoice_lacks_details_reports_what_is_missing(app, world):
    with_profile(world.customers[0], invoice_bank_account=None)

    result = imports.import_orders(world.company, "orders.csv", generic_file(world), mappings.BUILT_IN["generic"],
                                   world.users["sales"])

    assert result.created == []
    assert [(error.row, error.reason) for error in result.errors] == [
        (2, "a special VAT invoice needs the customer's bank and account; ask the customer")]
