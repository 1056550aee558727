"""Possible duplicates: flagged at save and at submit, confirmed distinct (recorded) or discarded."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Order, utcnow
from plugins.intake import duplicates, services
from plugins.intake.duplicates import DuplicateSuspected
from plugins.intake.settings import update_settings
from tests import factories
from tests.core.test_queries import statements
from tests.factories import portal_login
from tests.plugins.intake.helpers import api_body, draft, order_data
from tests.plugins.intake.test_views import form_data


def order_count() -> int:
    return db.session.execute(select(func.count()).select_from(Order)).scalar_one()


def enter(world, **overrides):
    order = services.create_draft(world.company, order_data(world, **overrides), world.users["sales"],
                                  check_duplicates=True, confirm_duplicate=overrides.pop("confirm", False))
    commit()
    return order


def test_the_same_customer_and_lines_within_the_window_is_flagged_at_save(world):
    first = enter(world)

    with pytest.raises(DuplicateSuspected) as flagged:
        enter(world)

    assert flagged.value.others == [first]
    assert flagged.value.field == "confirm_duplicate"
    assert flagged.value.message == (
        f"order {first.display_number} is for the same customer with the same lines, received within the "
        "duplicate window; this may be the same order twice: confirm it is distinct or discard it")


def test_other_lines_another_customer_or_outside_the_window_are_not_duplicates(world):
    enter(world, received_at=utcnow() - timedelta(days=8))

    enter(world)  # eight days apart: the default window is seven
    enter(world, lines=[{"product_id": world.products[0].id, "quantity": 3}])
    enter(world, customer_id=world.customers[1].id)

    assert order_count() == 4


def test_the_window_is_the_companys_setting(world):
    update_settings(world.company, {"duplicate_window_days": 30}, world.users["administrator"])
    first = enter(world, received_at=utcnow() - timedelta(days=20))

    with pytest.raises(DuplicateSuspected) as flagged:
        enter(world)
    assert flagged.value.others == [first]


def test_the_same_source_reference_is_flagged_whatever_the_content(world):
    first = enter(world, source_reference="JD-88231")

    with pytest.raises(DuplicateSuspected) as flagged:
        enter(world, source_reference="JD-88231", customer_id=world.customers[1].id)

    assert flagged.value.others == [first]
    assert flagged.value.message == (
        f"order {first.display_number} has the same source reference JD-88231; this may be the same order twice: "
        "confirm it is distinct or discard it")


def test_two_platform_orders_with_the_same_content_are_distinct_by_their_references(world):
    enter(world, source_reference="TB-1001")
    enter(world, source_reference="TB-1002")
    assert order_count() == 2


def test_confirming_an_order_distinct_is_recorded_and_not_asked_again_at_submit(world):
    first = enter(world)
    second = enter(world, confirm=True)

    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == second.id, AuditEntry.action == "duplicate_confirmed")).scalar_one()
    assert entry.actor_id == world.users["sales"].id
    assert entry.after == {"distinct_from": [first.id], "numbers": [first.display_number]}

    services.submit(second, world.users["sales"], check_duplicates=True)
    assert second.number is not None


def test_a_duplicate_entered_without_the_check_is_flagged_at_submit(world):
    first = draft(world)
    second = draft(world)  # entered through a path that did not look (a service call)

    with pytest.raises(DuplicateSuspected) as flagged:
        services.submit(second, world.users["sales"], check_duplicates=True)
    assert flagged.value.others == [first]
    db.session.rollback()

    services.submit(second, world.users["sales"], check_duplicates=True, confirm_duplicate=True)
    assert duplicates.confirmed_distinct(second) == {first.id}


def test_a_cancelled_order_is_no_duplicate(world):
    first = enter(world)
    services.cancel(first, world.users["sales"], "客户重复下单")
    commit()
    enter(world)
    assert order_count() == 2


def test_the_api_answers_409_with_a_link_to_the_existing_order(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    first = api.post("/api/v1/orders", json=api_body(world)).get_json()

    again = api.post("/api/v1/orders", json=api_body(world))

    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    body = again.get_json()
    assert body["duplicates"] == [{"id": first["id"], "number": None, "status": "draft",
                                   "href": f"/api/v1/orders/{first['id']}"}]
    assert body["errors"][0]["field"] == "confirm_duplicate"
    assert order_count() == 1  # nothing was saved

    confirmed = api.post("/api/v1/orders", json=api_body(world, confirm_duplicate=True))
    assert confirmed.status_code == 201 and order_count() == 2


def test_the_api_flags_a_duplicate_at_submit_unless_confirmed(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    api.post("/api/v1/orders", json=api_body(world))
    second = api.post("/api/v1/orders", json=api_body(world, confirm_duplicate=True)).get_json()
    third = api.post("/api/v1/orders", json=api_body(world, confirm_duplicate=True)).get_json()
    # Told apart either way round: the third was confirmed distinct from the first two.
    assert api.post(f"/api/v1/orders/{second['id']}/submit").status_code == 200
    assert api.post(f"/api/v1/orders/{third['id']}/submit").status_code == 200

    # Entered through a path that did not look: flagged when it is submitted.
    later = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 2},
                                {"product_id": world.products[1].id, "quantity": 10, "unit_price": "8.00"}])

    refused = api.post(f"/api/v1/orders/{later.id}/submit")
    assert refused.status_code == 409 and [d["id"] for d in refused.get_json()["duplicates"]] == [
        1, second["id"], third["id"]]
    assert api.post(f"/api/v1/orders/{later.id}/submit", json={"confirm_duplicate": True}).status_code == 200


def test_an_idempotent_retry_replays_rather_than_flagging(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    key = {"Idempotency-Key": "shop-1"}
    first = api.post("/api/v1/orders", json=api_body(world), headers=key)
    retry = api.post("/api/v1/orders", json=api_body(world), headers=key)
    assert retry.status_code == 201 and retry.get_json()["id"] == first.get_json()["id"]


def test_the_order_form_names_the_possible_duplicate_and_saves_once_confirmed(app, world):
    client = portal_login(app, world.users["sales"])
    client.post("/orders/new", data=form_data(world))
    first = db.session.execute(select(Order)).scalar_one()

    flagged = client.post("/orders/new", data=form_data(world)).get_data(as_text=True)

    assert "This order may have been entered already:" in flagged
    assert f'href="/orders/{first.id}"' in flagged and 'name="confirm_duplicate"' in flagged
    assert order_count() == 1
    with app.app_context():  # a request of its own, as in production (the failed one marked the test's context)
        saved = client.post("/orders/new", data=form_data(world, confirm_duplicate="y"))
    db.session.rollback()  # end the test's read, to see what the request committed
    assert saved.status_code == 302 and order_count() == 2


def _history(world, count: int) -> None:
    """``count`` recent orders of the first customer, each with lines no other order has."""
    for n in range(count):
        services.create_draft(world.company, order_data(world, lines=[
            {"product_id": world.products[0].id, "quantity": 100 + n}]), world.users["sales"])
    commit()


def _the_check(world) -> tuple[int, int]:
    """The statements the check sends and the orders it loads, for an order with one possible duplicate."""
    db.session.expire_all()  # nothing of the history loaded, as in a request of its own
    entered = services.create_draft(world.company, order_data(world), world.users["sales"])
    loaded: list[Order] = []

    def record(order, *_) -> None:
        loaded.append(order)

    for name in ("load", "refresh"):
        event.listen(Order, name, record)
    try:
        with statements(db.engine) as seen:
            found = duplicates.unconfirmed(entered)
    finally:
        for name in ("load", "refresh"):
            event.remove(Order, name, record)
    db.session.rollback()
    assert len(found) == 1
    return len(seen), len(loaded)


def test_the_check_issues_as_many_statements_for_200_recent_orders_of_the_customer_as_for_10(world):
    enter(world)  # the one order the next is a possible duplicate of
    _history(world, 10)
    statements_with_10, loaded_with_10 = _the_check(world)

    _history(world, 190)
    statements_with_200, loaded_with_200 = _the_check(world)

    assert statements_with_200 == statements_with_10
    assert loaded_with_10 == loaded_with_200 == 1  # only the possible duplicate, not the customer's history


def test_a_confirmation_names_only_the_orders_with_the_same_lines_not_the_customers_other_orders(world):
    first = enter(world)
    _history(world, 5)
    second = enter(world, confirm=True)

    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == second.id, AuditEntry.action == "duplicate_confirmed")).scalar_one()
    assert entry.after == {"distinct_from": [first.id], "numbers": [first.display_number]}


def test_an_order_whose_lines_are_edited_to_match_becomes_a_possible_duplicate(world):
    first = enter(world)
    other = enter(world, lines=[{"product_id": world.products[1].id, "quantity": 1}])
    assert duplicates.find_duplicates(other) == []

    with pytest.raises(DuplicateSuspected) as flagged:
        services.update_draft(other, {"lines": [{"product_id": world.products[0].id, "quantity": "2.000"}]},
                              world.users["sales"], check_duplicates=True)

    assert flagged.value.others == [first]
