"""Collection on the portal: finance's dunning levels page, and the customer's account page listing the notices
sent, the promises and follow-ups, with their forms and the hold's release; its statements stay constant."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import Company, utcnow
from plugins.billing.collection import hold, levels
from plugins.billing.collection.models import FollowUp, PaymentPromise
from tests import factories
from tests.core.test_queries import statements
from tests.plugins.billing.collection_helpers import dun, falls_due, invoice_of


def csrf_free(app):
    app.config["WTF_CSRF_ENABLED"] = False


def test_finance_saves_the_levels_and_falling_days_are_refused(app, world):
    csrf_free(app)
    client = factories.portal_login(app, world.users["finance"])
    page = client.get("/billing/dunning-levels")
    assert page.status_code == 200 and 'name="days-1" inputmode="numeric" size="5" value="7"' in page.get_data(
        as_text=True)
    saved = client.post("/billing/dunning-levels", data={
        "days-1": "10", "channel-1": "email", "tone-1": "reminder",
        "days-2": "40", "channel-2": "call", "tone-2": "final", "holds-2": "on"}, follow_redirects=True)
    assert saved.status_code == 200
    assert [(lv.days, lv.holds_credit) for lv in levels.company_levels(world.company.id)] == [(10, False), (40, True)]
    refused = client.post("/billing/dunning-levels", data={
        "days-1": "10", "channel-1": "email", "tone-1": "reminder",
        "days-2": "9", "channel-2": "call", "tone-2": "final"}, follow_redirects=True)
    assert refused.status_code == 200
    assert [lv.days for lv in levels.company_levels(world.company.id)] == [10, 40]
    assert factories.portal_login(app, world.users["sales"]).get("/billing/dunning-levels").status_code == 403


def test_the_account_page_lists_what_was_sent_and_takes_promises_follow_ups_and_releases(
        app, world, place_order, deliver):
    csrf_free(app)
    today = db.session.get_one(Company, world.company.id).today()
    order = falls_due(deliver(place_order()), today - timedelta(days=70))
    for _ in range(4):
        dun(world.company, utcnow())
    customer = world.customers[0]
    url = f"/customers/{customer.id}/account"
    sales = factories.portal_login(app, world.users["sales"])
    text = sales.get(url).get_data(as_text=True)
    assert "Dunning notices sent" in text and text.count(invoice_of(order).number) >= 4
    assert "On credit hold" in text and "Release the hold" not in text

    sales.post(f"/customers/{customer.id}/follow-ups", data={"kind": "called", "outcome": "下周付款",
                                                            "invoice_id": str(invoice_of(order).id)})
    sales.post(f"/customers/{customer.id}/promises", data={"amount": "1000.00", "invoice_id": "",
                                                          "promised_for": (today + timedelta(days=5)).isoformat()})
    sales.post(f"/customers/{customer.id}/promises", data={"amount": "1.00", "invoice_id": "",
                                                          "promised_for": (today - timedelta(days=5)).isoformat()})
    assert db.session.execute(select(func.count(FollowUp.id))).scalar_one() == 1
    assert db.session.execute(select(func.count(PaymentPromise.id))).scalar_one() == 1
    text = sales.get(url).get_data(as_text=True)
    assert "下周付款" in text and "Whole account" in text

    manager = factories.portal_login(app, world.users["manager"])
    assert "Release the hold" in manager.get(url).get_data(as_text=True)
    manager.post(f"/customers/{customer.id}/credit-hold/release", data={"reason": ""})
    assert hold.active_hold(customer.id) is not None
    manager.post(f"/customers/{customer.id}/credit-hold/release", data={"reason": "付款计划已签"})
    assert hold.active_hold(customer.id) is None
    assert sales.post(f"/customers/{customer.id}/credit-hold/release", data={"reason": "x"}).status_code == 403


def test_the_account_pages_collection_costs_the_same_statements_for_more_notices(app, world, place_order, deliver):
    today = db.session.get_one(Company, world.company.id).today()
    client = factories.portal_login(app, world.users["finance"])
    url = f"/customers/{world.customers[0].id}/account"

    def counted() -> int:
        dun(world.company, utcnow())
        db.session.expire_all()
        with statements(db.engine) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    falls_due(deliver(place_order()), today - timedelta(days=10))
    few = counted()
    for _ in range(5):
        falls_due(deliver(place_order()), today - timedelta(days=10))
    assert counted() == few
