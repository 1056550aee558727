"""Receiving an order: the channel, where it came from and when it was received (which may be before entry)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.errors import ValidationError
from core.extensions import db
from core.models import Channel, Order, utcnow
from plugins.intake import services
from tests import factories
from tests.factories import portal_login
from tests.plugins.intake.helpers import api_body, draft, order_data
from tests.plugins.intake.test_views import form_data


def test_an_order_received_by_email_yesterday_keeps_its_source_and_receipt_time(world):
    received = datetime(2026, 11, 30, 16, 45, tzinfo=timezone(timedelta(hours=8)))

    order = draft(world, channel=Channel.EMAIL, source_reference="询价单 2026-11-30 16:40 王经理",
                  received_at=received)

    assert order.channel == Channel.EMAIL
    assert order.source_reference == "询价单 2026-11-30 16:40 王经理"
    assert order.received_at == received and order.received_at < order.created_at


def test_received_at_defaults_to_when_the_order_is_entered(world):
    before = utcnow()
    order = draft(world)
    assert before <= order.received_at <= utcnow()


def test_an_order_cannot_be_received_in_the_future(world):
    with pytest.raises(ValidationError) as refused:
        draft(world, received_at=utcnow() + timedelta(hours=2))
    assert refused.value.field == "received_at"
    assert "the time the order was received" in refused.value.message and "is in the future" in refused.value.message


def test_a_receipt_time_without_a_time_zone_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.create_draft(world.company, order_data(world, received_at=datetime(2026, 11, 30, 9, 0)),
                              world.users["sales"])
    assert refused.value.field == "received_at"
    assert refused.value.message == "the time the order was received needs a time zone"


def test_editing_a_draft_without_received_at_keeps_the_time_it_was_received(world):
    received = utcnow() - timedelta(days=1)
    order = draft(world, received_at=received)

    services.update_draft(order, {"notes": "加急"}, world.users["sales"])

    assert order.received_at == received


def test_the_api_takes_and_answers_channel_source_and_receipt(app, world):
    api = factories.ApiClient(app, world.users["sales"])

    created = api.post("/api/v1/orders", json=api_body(
        world, channel="ecommerce", source_reference="TB-3921004456", received_at="2026-11-30T21:05:00+08:00"))

    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    assert (order["channel"], order["source_reference"]) == ("ecommerce", "TB-3921004456")
    assert order["received_at"] == "2026-11-30T13:05:00+00:00"
    fetched = api.get(f"/api/v1/orders/{order['id']}").get_json()
    assert fetched["received_at"] == order["received_at"]
    patched = api.patch(f"/api/v1/orders/{order['id']}", json={"source_reference": "TB-3921004457"})
    assert patched.get_json()["source_reference"] == "TB-3921004457"


@pytest.mark.parametrize(("received_at", "message"), [
    ("2026-11-30T21:05:00", "Not a valid aware datetime."),
    ("yesterday", "Not a valid datetime."),
])
def test_the_api_refuses_a_receipt_time_it_cannot_place(app, world, received_at, message):
    api = factories.ApiClient(app, world.users["sales"])

    refused = api.post("/api/v1/orders", json=api_body(world, received_at=received_at))

    assert refused.status_code == 400
    assert {"field": "received_at", "message": message} in refused.get_json()["errors"]


def test_the_api_refuses_a_receipt_in_the_future_naming_the_field(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()

    refused = api.post("/api/v1/orders", json=api_body(world, received_at=tomorrow))

    assert refused.status_code == 400
    assert refused.get_json()["errors"][0]["field"] == "received_at"
    assert "is in the future" in refused.get_json()["errors"][0]["message"]


def test_the_order_form_records_the_receipt_on_the_companys_clock(app, world):
    client = portal_login(app, world.users["sales"])
    page = client.get("/orders/new").get_data(as_text=True)
    assert 'name="source_reference"' in page and 'name="received_at"' in page

    client.post("/orders/new", data=form_data(world, channel="email", received_at="2026-11-30T09:30",
                                              source_reference="邮件: 追加订单 11-30"))

    order = db.session.execute(select(Order)).scalar_one()
    assert order.source_reference == "邮件: 追加订单 11-30"
    assert order.received_at == datetime(2026, 11, 30, 1, 30, tzinfo=timezone.utc)  # 09:30 in Shanghai
    edit = client.get(f"/orders/{order.id}/edit").get_data(as_text=True)
    assert 'value="2026-11-30T09:30"' in edit
