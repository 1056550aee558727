"""An order's timeline as each reader sees it: staff everything, a customer the customer-facing entries."""
from __future__ import annotations

import pytest

from core import audit
from core.db import commit
from core.models import Channel, User
from core.orders import actions
from core.timeline import Actor, customer_actions, timeline
from plugins.intake import services as intake
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories
from tests.core.samples.inspection import services as inspection
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION
from tests.plugins.intake.helpers import draft, order_data


@pytest.fixture
def app(make_app):
    """Intake and the inspection sample: review is off, so the core approves an order at submission."""
    app = make_app(plugins=[INTAKE, INSPECTION])
    with app.app_context():
        yield app


def buyer_of(world: factories.World) -> User:
    assert world.customer_user is not None
    return world.customer_user


def test_hook_customer_timeline_actions(app, world):
    """A plugin's declared action reaches the customer with the values it names; an undeclared one never does."""
    order = intake.submit(draft(world), world.users["sales"])
    inspection.inspect(order, world.users["production"], "pressure test passed")
    audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                 action="credit_checked", actor=world.users["finance"], after={"limit": "500000"}, note="ok")
    commit()

    seen = timeline(order, buyer_of(world))
    staff = timeline(order, world.users["supervisor"])

    assert customer_actions(order)["goods_inspected"].fields == {"result"}
    assert [entry.action for entry in seen] == ["created", "submit", "review_decided", "goods_inspected"]
    inspected = seen[-1]
    assert inspected.after == {"result": "pressure test passed"}
    assert inspected.actor == Actor.COMPANY and inspected.actor_label == "Acme 贸易有限公司"
    assert [entry.action for entry in staff][-2:] == ["goods_inspected", "credit_checked"]
    assert staff[-2].actor_label == "Production User (acme-production)" and staff[-1].note == "ok"


def test_the_customer_sees_the_system_as_the_company_and_no_system_note(app, world):
    order = intake.submit(draft(world), world.users["sales"])  # approved by the core: review is off
    commit()

    decided = next(entry for entry in timeline(order, buyer_of(world)) if entry.action == "review_decided")
    for_staff = next(entry for entry in timeline(order, world.users["sales"]) if entry.action == "review_decided")

    assert decided.actor == Actor.COMPANY and decided.note is None
    assert decided.after == {"status": "approved", "outcome": "approved"}
    assert for_staff.actor == Actor.SYSTEM and for_staff.note == "review_not_enabled"
    assert for_staff.after is not None and "automatic" in for_staff.after


def test_the_customers_own_entries_are_theirs_with_their_notes_and_reasons(app, world):
    buyer = buyer_of(world)
    own = intake.create_draft(world.company, order_data(world, channel=Channel.PORTAL), buyer)
    actions.cancel(own, actor=buyer, reason="不需要了")
    staff_order = intake.submit(draft(world), world.users["sales"])
    actions.cancel(staff_order, actor=world.users["sales"], reason="库存不足")
    commit()

    mine = {entry.action: entry for entry in timeline(own, buyer)}
    theirs = {entry.action: entry for entry in timeline(staff_order, buyer)}

    assert mine["created"].actor == Actor.YOU and mine["cancel"].actor == Actor.YOU
    assert mine["cancel"].after == {"status": "cancelled", "reason": "不需要了"}
    assert theirs["cancel"].actor == Actor.COMPANY and theirs["cancel"].after == {"status": "cancelled"}


def test_a_staff_member_reading_their_own_entries_sees_their_name(app, world):
    order = draft(world)

    created = timeline(order, world.users["sales"])[0]

    assert created.actor == Actor.PERSON and created.actor_label == "Sales User (acme-sales)"
