"""Customers order in the portal: a draft for the clerk's re-check, or submitted directly when the company allows."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import Channel, Order, OrderStatus, Role, RolePermission
from plugins.intake.settings import update_settings
from tests.factories import portal_login
from tests.plugins.intake.helpers import draft
from tests.plugins.intake.test_views import form_data


def let_customers_order(world) -> None:
    role = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                 Role.name == "customer")).scalar_one()
    db.session.add(RolePermission(role_id=role.id, permission="order.create"))
    db.session.commit()


def placed() -> Order:
    db.session.rollback()
    return db.session.execute(select(Order)).scalar_one()


def test_a_customers_portal_order_arrives_as_a_draft_for_the_clerks_recheck(app, world):
    let_customers_order(world)
    client = portal_login(app, world.users["customer"])

    response = client.post("/orders/new", data=form_data(world, channel="phone", **{"lines-2-unit_price": ""}),
                           follow_redirects=True)

    order = placed()
    assert order.channel == Channel.PORTAL  # whatever the form said
    assert order.status == OrderStatus.DRAFT and order.created_by_id == world.users["customer"].id
    assert f"Thank you: order #{order.id} is received; we will check it and confirm it." in \
        response.get_data(as_text=True)


def test_a_company_may_let_portal_orders_be_submitted_directly(app, world):
    update_settings(world.company, {"portal_submits_directly": True}, world.users["administrator"])
    let_customers_order(world)
    client = portal_login(app, world.users["customer"])

    response = client.post("/orders/new", data=form_data(world, **{"lines-2-unit_price": ""}), follow_redirects=True)

    order = placed()
    assert order.status == OrderStatus.APPROVED and order.number  # review is off: approved on submission
    assert f"Thank you: order {order.number} is submitted." in response.get_data(as_text=True)


def test_a_portal_order_with_something_to_confirm_waits_for_a_clerk(app, world):
    update_settings(world.company, {"portal_submits_directly": True}, world.users["administrator"])
    let_customers_order(world)
    client = portal_login(app, world.users["customer"])

    client.post("/orders/new", data=form_data(world, **{"lines-2-unit_price": "5.00"}))  # under the floor price

    assert placed().status == OrderStatus.DRAFT


def test_a_customer_s_own_user_is_quoted_without_the_clerk_s_checks(app, world):
    draft(world, lines=[{"product_id": world.products[0].id, "quantity": 2},
                        {"product_id": world.products[1].id, "quantity": 50, "unit_price": "7.80"}])
    let_customers_order(world)
    buyer = portal_login(app, world.customer_user)
    yesterday = world.company.today() - timedelta(days=1)

    answer = buyer.post("/orders/new/quote", data=form_data(world, requested_date=yesterday.isoformat()))

    assert answer.status_code == 200 and answer.get_json()["checks"] == {}  # no other order's number, no hold
    assert answer.get_json()["total"] == "711.90"  # quoted all the same: 271.20 + 440.70
