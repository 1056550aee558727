"""The KPI dashboard: a period form and cards with the counts and figures."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

from core.db import commit
from plugins.kpi import services
from plugins.kpi.models import KpiEventKind
from tests.factories import portal_login
from tests.plugins.kpi.conftest import submit_order

K = KpiEventKind
ENGLISH = {"Accept-Language": "en"}


def card(html: str, card_id: str) -> str:
    """The markup of one card, up to where the next card or section starts."""
    start = html.index(f'<div class="card" id="{card_id}">')
    ends = [i for i in (html.find('<div class="card"', start + 1), html.find("<h2", start)) if i != -1]
    return html[start:min(ends, default=len(html))]


def figure(html: str, card_id: str) -> str:
    return re.search(r'<div class="figure">(.*?)</div>', card(html, card_id), re.S).group(1).strip()


def test_a_manager_sees_the_period_counts_on_cards(app, world):
    day = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
    order = submit_order(world)
    for kind in (K.SUBMITTED, K.SUBMITTED, K.APPROVED, K.REJECTED, K.DELIVERED):
        services.record(order, kind, at=day)
    services.record(order, K.PAID, Decimal("1356.00"), at=day)
    commit()

    page = portal_login(app, world.users["manager"]).get(
        "/kpi?date_from=2026-03-01&date_to=2026-03-31", headers=ENGLISH)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="cards"' in html
    assert figure(html, "kpi-count-submitted") == "2"
    assert figure(html, "kpi-count-approved") == "1"
    assert figure(html, "kpi-count-rejected") == "1"
    assert figure(html, "kpi-count-delivered") == "1"
    assert figure(html, "kpi-count-cancelled") == "0"
    assert "Signed for" in card(html, "kpi-count-delivered")
    assert figure(html, "kpi-approval-rate") == "50.0%"
    assert figure(html, "kpi-collected").startswith("1356.00")
    assert 'value="2026-03-01"' in html and 'value="2026-03-31"' in html


def test_the_dashboard_without_a_period_shows_the_last_thirty_days(app, world):
    submit_order(world)

    html = portal_login(app, world.users["supervisor"]).get("/kpi", headers=ENGLISH).get_data(as_text=True)

    assert figure(html, "kpi-count-submitted") == "1"
    assert figure(html, "kpi-approval-rate") == "100.0%"


def test_reversed_dates_are_explained_and_the_default_period_is_shown(app, world):
    submit_order(world)

    page = portal_login(app, world.users["manager"]).get(
        "/kpi?date_from=2026-03-02&date_to=2026-03-01", headers=ENGLISH)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="flash error"' in html and "must start on or before its end" in html
    assert figure(html, "kpi-count-submitted") == "1"


def test_a_date_that_is_not_a_date_is_flagged_on_its_field(app, world):
    page = portal_login(app, world.users["manager"]).get("/kpi?date_from=yesterday", headers=ENGLISH)

    assert page.status_code == 200
    assert 'class="flash error"' in page.get_data(as_text=True)


def test_the_menu_offers_kpis_only_to_those_who_may_see_them(app, world):
    manager_home = portal_login(app, world.users["manager"]).get("/inbox", headers=ENGLISH)
    sales = portal_login(app, world.users["sales"])

    assert 'href="/kpi"' in manager_home.get_data(as_text=True)
    assert 'href="/kpi"' not in sales.get("/inbox", headers=ENGLISH).get_data(as_text=True)
    assert sales.get("/kpi", headers=ENGLISH).status_code == 403
