"""The checks before submission: each problem next to its field, blocking ones stop it, warnings are confirmed."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import commit
from core.errors import Conflict
from core.extensions import db
from core.masterdata import update as update_master
from core.models import AuditEntry, DeliveryMethod, OrderStatus
from plugins.intake import checks, services
from plugins.intake.checks import Check, ChecksFailed, Severity
from plugins.intake.manifest import MANIFEST
from tests import factories
from tests.plugins.intake import credit_hold
from tests.plugins.intake.helpers import api_body, draft

ONE_LINE = "the contact person is missing; ask the customer who to contact"


def problems_of(order) -> list[tuple[str, Check, Severity, str]]:
    return [(p.field, p.check, p.severity, p.message) for p in checks.check_order(order)]


def test_a_complete_order_has_no_problems(world):
    assert checks.check_order(draft(world)) == []


def test_missing_contact_details_block_the_order_at_their_fields(world):
    for field in ("contact", "phone", "address"):
        update_master(world.customers[0], data={field: None}, actor=None)  # nothing to default from

    order = draft(world)

    assert problems_of(order) == [
        ("contact", Check.CONTACT_MISSING, Severity.BLOCKING, ONE_LINE),
        ("phone", Check.PHONE_MISSING, Severity.BLOCKING, "the contact's phone number is missing; ask the customer"),
        ("delivery_address", Check.ADDRESS_MISSING, Severity.BLOCKING,
         "the delivery address is missing; ask the customer where to deliver"),
    ]


def test_an_order_the_customer_picks_up_needs_no_delivery_address(world):
    update_master(world.customers[0], data={"address": None}, actor=None)
    assert problems_of(draft(world, delivery_method=DeliveryMethod.PICKUP)) == []


def test_a_quantity_of_zero_blocks_its_line(world):
    order = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 1},
                                {"product_id": world.products[1].id, "quantity": 5}])
    order.lines[1].quantity = Decimal("0")  # as an import or an older draft may hold it

    assert problems_of(order) == [("lines[1].quantity", Check.QUANTITY_ZERO, Severity.BLOCKING,
                                   "line 2: the quantity must be greater than 0")]


def test_a_price_under_the_floor_price_is_a_warning_without_amounts(world):
    order = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 1},
                                {"product_id": world.products[0].id, "quantity": 1, "unit_price": Decimal("99.99")}])

    assert problems_of(order) == [(
        "lines[1].unit_price", Check.PRICE_UNDER_FLOOR, Severity.WARNING,
        "line 2: the unit price is under the floor price of product P001; finance will review it")]


def test_a_discontinued_product_blocks_its_line(world):
    order = draft(world)
    update_master(world.products[0], data={"active": False}, actor=None)

    assert problems_of(order) == [("lines[0].product_id", Check.PRODUCT_DISCONTINUED, Severity.BLOCKING,
                                   "line 1: product P001 is no longer sold")]


def test_a_delivery_date_in_the_past_blocks_the_order(world):
    yesterday = world.company.today() - timedelta(days=1)
    order = draft(world, requested_date=yesterday)

    assert problems_of(order) == [(
        "requested_date", Check.DATE_IN_PAST, Severity.BLOCKING,
        f"the requested delivery date {yesterday.isoformat()} is in the past; confirm a new date with the customer")]


def test_a_delivery_date_sooner_than_the_lead_time_is_a_warning_naming_the_slowest_product(world):
    update_master(world.products[0], data={"lead_time_days": 10}, actor=None)
    update_master(world.products[1], data={"lead_time_days": 3}, actor=None)
    today = world.company.today()
    order = draft(world, requested_date=today + timedelta(days=5),
                  lines=[{"product_id": world.products[1].id, "quantity": 1},
                         {"product_id": world.products[0].id, "quantity": 1}])

    assert problems_of(order) == [(
        "requested_date", Check.DATE_BEFORE_LEAD_TIME, Severity.WARNING,
        f"the requested delivery date {(today + timedelta(days=5)).isoformat()} is sooner than product P001 can be "
        f"delivered (10 days of lead time: {(today + timedelta(days=10)).isoformat()} at the soonest)")]
    assert checks.check_order(draft(world, requested_date=today + timedelta(days=10))) == []


def test_hook_customer_credit_hold(make_app):
    app = make_app(plugins=[MANIFEST, credit_hold.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        credit_hold.HELD.clear()
        credit_hold.HELD["C001"] = "上海华东机电有限公司 is on credit hold: 2 invoice(s) unpaid"
        try:
            held, free = draft(world), draft(world, customer_id=world.customers[1].id)

            assert problems_of(held) == [("customer_id", Check.CREDIT_HOLD, Severity.WARNING,
                                          "上海华东机电有限公司 is on credit hold: 2 invoice(s) unpaid")]
            assert problems_of(free) == []
        finally:
            credit_hold.HELD.clear()


def test_checking_a_batch_of_orders_finds_what_checking_each_finds_asking_the_hook_once_per_customer(make_app):
    app = make_app(plugins=[MANIFEST, credit_hold.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        update_master(world.products[0], data={"lead_time_days": 10}, actor=None)
        commit()
        credit_hold.HELD.clear()
        credit_hold.HELD["C001"] = "上海华东机电有限公司 is on credit hold: 2 invoice(s) unpaid"
        try:
            soon, later = (world.company.today() + timedelta(days=days) for days in (5, 14))
            orders = [draft(world, requested_date=later),
                      draft(world, customer_id=world.customers[1].id, requested_date=soon),
                      draft(world, customer_id=world.customers[1].id, requested_date=later)]
            one_by_one = [checks.check_order(order) for order in orders]
            credit_hold.ASKED.clear()

            batch = checks.batch_for(world.company, world.customers)
            assert [checks.check_order(order, batch=batch) for order in orders] == one_by_one
            assert [[p.check for p in problems] for problems in one_by_one] == [
                [Check.CREDIT_HOLD], [Check.DATE_BEFORE_LEAD_TIME], []]
            assert credit_hold.ASKED == ["C001", "C002"]
        finally:
            credit_hold.HELD.clear()
            credit_hold.ASKED.clear()


def test_without_a_credit_department_nobody_is_on_hold(world):
    assert checks.check_order(draft(world)) == []  # intake alone: the hook has no answer


def test_form_inputs_and_messages_by_field_for_the_inline_errors(world):
    problems = [checks.Problem("lines[2].unit_price", Check.PRICE_UNDER_FLOOR, Severity.WARNING, "under the floor"),
                checks.Problem("phone", Check.PHONE_MISSING, Severity.BLOCKING, "no phone"),
                checks.Problem("lines[2].unit_price", Check.QUANTITY_ZERO, Severity.BLOCKING, "second")]

    assert checks.by_field(problems) == {"lines-2-unit_price": ["under the floor", "second"], "phone": ["no phone"]}


# --- submission ------------------------------------------------------------------


def test_blocking_problems_stop_the_submission_and_list_every_one(world):
    update_master(world.customers[0], data={"phone": None}, actor=None)
    order = draft(world, requested_date=world.company.today() - timedelta(days=1))

    with pytest.raises(ChecksFailed) as refused:
        services.submit(order, world.users["sales"], confirm_warnings=True)

    assert [p.field for p in refused.value.problems] == ["phone", "requested_date"]
    assert refused.value.message.startswith("The order cannot be submitted: the contact's phone number is missing")
    db.session.rollback()
    assert order.status == OrderStatus.DRAFT and order.number is None


def test_warnings_need_a_confirmation_which_is_recorded(world):
    order = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 1, "unit_price": Decimal("90.00")}])

    with pytest.raises(ChecksFailed) as refused:
        services.submit(order, world.users["sales"])
    assert refused.value.message == ("Confirm the warnings to submit the order: line 1: the unit price is under "
                                     "the floor price of product P001; finance will review it")
    db.session.rollback()

    services.submit(order, world.users["sales"], confirm_warnings=True)
    commit()

    confirmation = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "warnings_confirmed")).scalar_one()
    assert confirmation.actor_id == world.users["sales"].id and confirmation.at is not None
    assert confirmation.after == {"warnings": [{"check": "price_under_floor", "field": "lines[0].unit_price"}]}
    assert order.status == OrderStatus.APPROVED


def test_a_draft_edited_after_the_recheck_is_not_submitted_blindly(world):
    order = draft(world)
    seen = order.version
    services.update_draft(order, {"notes": "客户改了数量"}, world.users["customer_service"])
    commit()

    with pytest.raises(Conflict) as refused:
        services.submit(order, world.users["sales"], version=seen)

    assert refused.value.field == "version"
    assert refused.value.message == (f"order {order.display_number} was changed after you re-checked it; "
                                     "re-check it again")


def test_the_api_answers_422_listing_every_problem_with_its_field_and_severity(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    created = api.post("/api/v1/orders", json=api_body(world, contact=None, lines=[
        {"product_id": world.products[0].id, "quantity": "1", "unit_price": "80.00"}])).get_json()
    update_master(world.customers[0], data={"contact": None}, actor=None)
    db.session.commit()
    api.patch(f"/api/v1/orders/{created['id']}", json={"contact": None})

    refused = api.post(f"/api/v1/orders/{created['id']}/submit", json={"confirm_warnings": True})

    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"] == [
        {"field": "contact", "code": "contact_missing", "severity": "blocking", "message": ONE_LINE},
        {"field": "lines[0].unit_price", "code": "price_under_floor", "severity": "warning",
         "message": "line 1: the unit price is under the floor price of product P001; finance will review it"},
    ]


def test_the_api_submits_with_warnings_only_when_the_client_confirms_them(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    created = api.post("/api/v1/orders", json=api_body(world, lines=[
        {"product_id": world.products[0].id, "quantity": "1", "unit_price": "80.00"}])).get_json()

    unconfirmed = api.post(f"/api/v1/orders/{created['id']}/submit")
    confirmed = api.post(f"/api/v1/orders/{created['id']}/submit", json={"confirm_warnings": True})

    assert unconfirmed.status_code == 422
    assert unconfirmed.get_json()["detail"].startswith("Confirm the warnings to submit the order:")
    assert confirmed.status_code == 200 and confirmed.get_json()["number"]


def test_the_api_refuses_a_submission_of_a_version_edited_since(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    created = api.post("/api/v1/orders", json=api_body(world)).get_json()
    api.patch(f"/api/v1/orders/{created['id']}", json={"notes": "改"})

    refused = api.post(f"/api/v1/orders/{created['id']}/submit", json={"version": created["version"]})

    assert refused.status_code == 409 and refused.get_json()["errors"][0]["field"] == "version"


# --- an order being entered: the checks its fields so far allow (the order form's live quote) -------------


def test_an_order_being_entered_is_checked_only_on_what_is_entered(world):
    yesterday = world.company.today() - timedelta(days=1)

    assert checks.check_entry(world.company, None, None, []) == []
    assert [(p.field, p.check) for p in checks.check_entry(world.company, None, yesterday, [])] == [
        ("requested_date", Check.DATE_IN_PAST)]  # no customer, no line yet: the date alone is checked


def test_an_entered_line_under_the_floor_price_is_a_warning_at_its_price(world):
    cheap = services.NewLine(world.products[1], {"quantity": Decimal("3"), "unit_price": Decimal("5.99")})
    fine = services.NewLine(world.products[0], {"quantity": Decimal("1"), "unit_price": Decimal("100.00")})

    found = checks.check_entry(world.company, world.customers[0], world.company.today() + timedelta(days=7),
                               [fine, cheap])

    assert [(p.field, p.check, p.severity, p.message) for p in found] == [
        ("lines[1].unit_price", Check.PRICE_UNDER_FLOOR, Severity.WARNING,
         "line 2: the unit price is under the floor price of product P002; finance will review it")]


def test_an_entered_customer_on_credit_hold_is_a_warning_at_the_customer(make_app):
    app = make_app(plugins=[MANIFEST, credit_hold.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        credit_hold.HELD.clear()
        credit_hold.HELD["C002"] = "北京燕山化工股份公司 is on credit hold: 1 invoice(s) unpaid"
        try:
            held = checks.check_entry(world.company, world.customers[1], None, [])
            free = checks.check_entry(world.company, world.customers[0], None, [])
        finally:
            credit_hold.HELD.clear()
            credit_hold.ASKED.clear()

    assert [(p.field, p.check, p.severity, p.message) for p in held] == [
        ("customer_id", Check.CREDIT_HOLD, Severity.WARNING,
         "北京燕山化工股份公司 is on credit hold: 1 invoice(s) unpaid")]
    assert free == []
