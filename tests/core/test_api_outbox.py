"""The outbox over the API: administrators list and read outgoing messages and send a failed one again."""
from __future__ import annotations

from datetime import timedelta

from core.companies import set_role_permissions
from core.db import commit
from core.models import OutboxStatus, utcnow
from tests import factories
from tests.core.test_outbox_pages import message
from tests.factories import reload


def test_the_administrator_lists_messages_newest_first_filtered_and_searched(app, world):
    now = utcnow()
    sent = message(world.company.id, "wang@example.cn", "订单确认 SO-1", OutboxStatus.SENT, attempts=1,
                   sent_at=now, smtp_code=250, smtp_answer="2.0.0 Ok: queued as 4F2A")
    failed = message(world.company.id, "nobody@example.cn", "发票 SO-3", OutboxStatus.FAILED, attempts=5,
                     last_attempt_at=now - timedelta(minutes=1), smtp_code=550,
                     smtp_answer="5.1.1 Recipient address rejected", last_error="SMTPRecipientsRefused: 550")
    api = factories.ApiClient(app, world.users["administrator"])

    listed = api.get("/api/v1/outbox").get_json()
    assert [item["id"] for item in listed["items"]] == [failed.id, sent.id] and listed["total"] == 2
    first = listed["items"][0]
    assert (first["status"], first["attempts"], first["smtp_code"], first["smtp_answer"]) == (
        "failed", 5, 550, "5.1.1 Recipient address rejected")
    assert first["recipient"] == "nobody@example.cn" and first["last_attempt_at"].endswith("+00:00")
    assert [i["id"] for i in api.get("/api/v1/outbox?status=sent").get_json()["items"]] == [sent.id]
    assert [i["id"] for i in api.get("/api/v1/outbox?q=SO-3").get_json()["items"]] == [failed.id]

    one = api.get(f"/api/v1/outbox/{sent.id}").get_json()
    assert one["body"].startswith("订单确认 SO-1") and one["message_id"] == sent.message_id
    assert one["sent_at"] is not None and one["last_error"] is None


def test_a_bad_status_or_an_unknown_message_is_a_clear_error(app, world):
    api = factories.ApiClient(app, world.users["administrator"])

    bad = api.get("/api/v1/outbox?status=lost")
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == [
        {"field": "status", "message": "Must be one of: pending, sending, sent, failed."}]
    assert api.get("/api/v1/outbox/999").status_code == 404


def test_a_failed_message_is_sent_again_and_a_sent_one_is_refused(app, world):
    sent = message(world.company.id, "wang@example.cn", "订单确认", OutboxStatus.SENT, smtp_code=250)
    failed = message(world.company.id, "nobody@example.cn", "发票", OutboxStatus.FAILED, attempts=5)
    api = factories.ApiClient(app, world.users["administrator"])

    again = api.post(f"/api/v1/outbox/{failed.id}/send-again")
    refused = api.post(f"/api/v1/outbox/{sent.id}/send-again")

    assert again.status_code == 200 and again.get_json()["status"] == "pending"
    assert reload(failed).attempts == 0
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert reload(sent).status == OutboxStatus.SENT


def test_other_roles_and_companies_read_nothing(app, world):
    failed = message(world.company.id, "nobody@example.cn", "发票", OutboxStatus.FAILED)
    sales = factories.ApiClient(app, world.users["sales"])
    assert sales.get("/api/v1/outbox").status_code == 403
    other = factories.build_world(app, "OTHER")
    stranger = factories.ApiClient(app, other.users["administrator"])
    assert stranger.get("/api/v1/outbox").get_json()["items"] == []
    assert stranger.get(f"/api/v1/outbox/{failed.id}").status_code == 404
    assert stranger.post(f"/api/v1/outbox/{failed.id}/send-again").status_code == 404


def test_the_openapi_document_describes_the_outbox(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert {"get"} <= set(paths["/api/v1/outbox"]) and "get" in paths["/api/v1/outbox/{message_id}"]
    assert "post" in paths["/api/v1/outbox/{message_id}/send-again"]
    parameters = {p["name"] for p in paths["/api/v1/outbox"]["get"]["parameters"]}
    assert {"status", "q", "page", "per_page"} <= parameters


def test_a_caller_without_prices_reads_a_message_without_its_text(app, world):
    invoice = message(world.company.id, "wang@example.cn", "发票 SO-9", OutboxStatus.SENT, smtp_code=250)
    production = world.users["production"]
    set_role_permissions(production.roles[0], ["order.view", "admin.outbox"], actor=None)
    commit()

    read = factories.ApiClient(app, production).get(f"/api/v1/outbox/{invoice.id}").get_json()

    assert read["recipient"] == "wang@example.cn" and read["body"] is None
    admin = factories.ApiClient(app, world.users["administrator"])
    assert admin.get(f"/api/v1/outbox/{invoice.id}").get_json()["body"].startswith("发票 SO-9")
