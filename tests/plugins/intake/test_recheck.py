"""Re-check, then submit: a read-only summary of exactly what will be submitted, confirmed by the clerk."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.masterdata import update as update_master
from core.models import AuditEntry, OrderStatus
from plugins.intake import services
from tests.factories import portal_login, reload
from tests.plugins.intake.helpers import draft


def test_the_recheck_page_shows_exactly_what_will_be_submitted(app, world):
    order = draft(world, source_reference="电话 王经理 11-30", notes="送货前电话联系",
                  lines=[{"product_id": world.products[0].id, "quantity": 2},
                         {"product_id": world.products[1].id, "quantity": 10, "unit_price": Decimal("8.00")}])
    client = portal_login(app, world.users["sales"])

    page = client.get(f"/orders/{order.id}/recheck").get_data(as_text=True)

    assert f"Re-check order #{order.id}" in page
    for shown in ("上海华东机电有限公司", "电话 王经理 11-30", "送货前电话联系", "不锈钢阀门 DN50", "耐高温密封圈",
                  "120.00", "8.00", "361.60", "Confirm and submit for review"):
        assert shown in page
    assert f'name="version" type="hidden" value="{order.version}"' in page
    assert 'name="confirm_warnings"' not in page  # nothing to confirm


def test_blocking_problems_are_listed_and_nothing_can_be_submitted(app, world):
    order = draft(world)
    update_master(world.products[0], data={"active": False}, actor=None)
    db.session.commit()

    page = portal_login(app, world.users["sales"]).get(f"/orders/{order.id}/recheck").get_data(as_text=True)

    assert "Must be corrected" in page and "line 1: product P001 is no longer sold" in page
    assert 'data-field="lines[0].product_id"' in page
    assert "Confirm and submit for review" not in page and "Correct the draft" in page


def test_warnings_are_submitted_only_once_the_clerk_ticks_the_confirmation(app, world):
    order = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 1, "unit_price": Decimal("95.00")}])
    client = portal_login(app, world.users["sales"])
    page = client.get(f"/orders/{order.id}/recheck").get_data(as_text=True)
    assert "line 1: the unit price is under the floor price of product P001; finance will review it" in page
    assert 'name="confirm_warnings"' in page

    with app.app_context():
        refused = client.post(f"/orders/{order.id}/submit", data={"version": order.version}, follow_redirects=True)
    assert "Confirm the warnings to submit the order" in refused.get_data(as_text=True)
    assert reload(order).status == OrderStatus.DRAFT

    with app.app_context():
        client.post(f"/orders/{order.id}/submit", data={"version": order.version, "confirm_warnings": "y"})

    db.session.rollback()
    submitted = reload(order)
    assert submitted.status == OrderStatus.APPROVED and submitted.number
    assert db.session.execute(select(AuditEntry.actor_id).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "warnings_confirmed")).scalar_one() == \
        world.users["sales"].id


def test_a_draft_edited_after_the_recheck_page_was_shown_is_not_submitted(app, world):
    order = draft(world)
    client = portal_login(app, world.users["sales"])
    shown = order.version
    services.update_draft(order, {"notes": "改为 3 个"}, world.users["customer_service"])
    db.session.commit()

    response = client.post(f"/orders/{order.id}/submit", data={"version": shown}, follow_redirects=True)

    assert "was changed after you re-checked it; re-check it again" in response.get_data(as_text=True)
    assert reload(order).status == OrderStatus.DRAFT


def test_the_draft_panel_leads_to_the_recheck(app, world):
    order = draft(world)
    detail = portal_login(app, world.users["sales"]).get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'href="/orders/{order.id}/recheck"' in detail
