"""Logistics' settings page: an administrator chooses that a new expected date goes to the customer at once
(instead of after the salesperson confirms it) and how the company ships; every change is checked and audited."""
from __future__ import annotations

import re

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry
from plugins.logistics.incidents import services as incidents
from plugins.logistics.incidents import sweep
from plugins.logistics.shipments import services as shipping
from tests import factories, orders
from tests.factories import portal_login
from tests.plugins.logistics import execution as setup
from tests.plugins.logistics import risk

SHIPPING = {"shipping-carriers": "顺丰速运\n\n德邦物流 \n", "shipping-partial_delivery": "y",
            "shipping-check_mode": "block"}


def box(page: str, name: str) -> str:
    """The page's checkbox named ``name``."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found is not None, name
    return found.group(0)


def test_only_an_administrator_opens_the_logistics_settings_from_the_settings_menu(app, world):
    for role in ("sales", "logistics", "production", "customer"):
        user = world.customer_user if role == "customer" else world.users[role]
        client = portal_login(app, user)
        assert client.get("/logistics/settings").status_code == 403, role
        assert client.post("/logistics/settings/delay-notices", data={"notices-notify_at_once": "y"}).status_code == 403
    assert not sweep.notifies_at_once(world.company.id)

    admin = portal_login(app, world.users["administrator"])
    menu = admin.get("/inbox").get_data(as_text=True)
    page = admin.get("/logistics/settings").get_data(as_text=True)

    assert 'href="/logistics/settings"' in menu and "Logistics settings" in menu
    assert "Delay notices" in page and "Tell the customer a new expected date at once" in page
    assert "checked" not in box(page, "notices-notify_at_once")
    assert 'name="shipping-carriers"' in page and '<option selected value="warn">' in page


def test_with_at_once_set_on_the_page_the_sweep_tells_the_customer_without_the_salesperson(app, world):
    setup.template(world)
    world.customers[0].email = "buyer@example.com"
    commit()
    admin = portal_login(app, world.users["administrator"])

    response = admin.post("/logistics/settings/delay-notices", data={"notices-notify_at_once": "y"},
                          follow_redirects=True)

    assert "The delay notices&#39; setting is saved." in response.get_data(as_text=True)
    db.session.expire_all()
    assert sweep.notifies_at_once(world.company.id)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity == "risk_settings")).scalar_one()
    assert (entry.actor_id, entry.before, entry.after) == (
        world.users["administrator"].id, {"notify_at_once": False}, {"notify_at_once": True})
    assert "checked" in box(admin.get("/logistics/settings").get_data(as_text=True), "notices-notify_at_once")

    # An order that can no longer make its date: the customer's notice is sent by the sweep itself.
    order = risk.confirmed_order(world)
    incidents.record_incident(order, world.users["production"], kind="material_shortage", delay_hours="500",
                              description="钢材断货")
    commit()
    sweep.sweep(risk.company(world), risk.after_the_deadline(order))
    commit()
    assert [status for _, status in risk.notices(order)] == ["sent"]
    assert [mail.recipient for mail in risk.mail(order)] == ["buyer@example.com"]


def test_turned_off_again_the_notice_waits_for_the_salesperson(app, world):
    setup.template(world)
    admin = portal_login(app, world.users["administrator"])
    admin.post("/logistics/settings/delay-notices", data={"notices-notify_at_once": "y"})

    # An unticked box is sent as nothing: the setting goes off.
    admin.post("/logistics/settings/delay-notices", data={})

    db.session.expire_all()
    assert not sweep.notifies_at_once(world.company.id)
    assert len(db.session.execute(select(AuditEntry).where(AuditEntry.entity == "risk_settings")).all()) == 2
    order = risk.confirmed_order(world)
    sweep.sweep(risk.company(world), risk.after_the_deadline(order))
    commit()
    assert [status for _, status in risk.notices(order)] == ["pending"] and risk.mail(order) == []


def test_the_administrator_sets_the_carriers_partial_delivery_and_the_check_mode(app, world):
    admin = portal_login(app, world.users["administrator"])

    response = admin.post("/logistics/settings/shipping", data=SHIPPING, follow_redirects=True)

    assert "The shipping settings are saved." in response.get_data(as_text=True)
    db.session.expire_all()
    saved = shipping.settings_for(world.company.id)
    assert (saved.carriers, saved.partial_delivery, saved.check_mode.value) == (["顺丰速运", "德邦物流"], True, "block")
    page = admin.get("/logistics/settings").get_data(as_text=True)
    assert "顺丰速运\n德邦物流</textarea>" in page and '<option selected value="block">' in page

    admin.post("/logistics/settings/shipping", data={**SHIPPING, "shipping-partial_delivery": ""})
    db.session.expire_all()
    assert shipping.settings_for(world.company.id).partial_delivery is False
    [first, second] = db.session.execute(select(AuditEntry).where(AuditEntry.action == "logistics_settings_changed")
                                         .order_by(AuditEntry.id)).scalars()
    assert first.after["check_mode"] == "block" and second.after["partial_delivery"] is False


def test_a_carrier_listed_twice_or_an_unknown_check_mode_is_refused_at_its_field_and_nothing_changes(app, world):
    admin = portal_login(app, world.users["administrator"])

    twice = admin.post("/logistics/settings/shipping", data={**SHIPPING, "shipping-carriers": "顺丰速运\n顺丰速运"})
    mode = admin.post("/logistics/settings/shipping", data={**SHIPPING, "shipping-check_mode": "maybe"})

    html = twice.get_data(as_text=True)
    assert twice.status_code == 200
    assert 'id="shipping-carriers-error1">carrier 顺丰速运 is listed twice' in html
    assert "顺丰速运\n顺丰速运</textarea>" in html  # what was typed stays
    assert 'id="shipping-check_mode-error1">' in mode.get_data(as_text=True)
    db.session.expire_all()
    saved = shipping.settings_for(world.company.id)
    assert (saved.carriers, saved.check_mode.value) == ([], "warn")
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "logistics_settings_changed")).first() \
        is None


def test_the_page_reads_as_many_statements_with_many_orders_and_carriers_as_with_one(app, world):
    admin = portal_login(app, world.users["administrator"])
    orders.submitted(world)
    admin.post("/logistics/settings/shipping", data=SHIPPING)
    commit()
    with setup.statements() as before:
        assert admin.get("/logistics/settings").status_code == 200
    for n in range(5):
        factories.user(world.company, "logistics", username=f"shipper-{n}")
        orders.submitted(world)
    admin.post("/logistics/settings/shipping", data={
        **SHIPPING, "shipping-carriers": "\n".join(f"承运商 {n}" for n in range(20))})
    admin.post("/logistics/settings/delay-notices", data={"notices-notify_at_once": "y"})
    commit()

    with setup.statements() as after:
        assert admin.get("/logistics/settings").status_code == 200

    assert len(after) == len(before)
    assert not [s for s in after if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
