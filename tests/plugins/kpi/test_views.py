"""The KPI dashboard: a period form and cards with the counts and figures."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import Role, RolePermission
from plugins.kpi.dashboard import views
from plugins.kpi.facts.models import KpiEventKind
from tests.factories import portal_login
from tests.plugins.kpi.conftest import record, submit_order

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
        record(order, kind, at=day)
    record(order, K.PAID, Decimal("1356.00"), at=day)
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
    assert figure(html, "kpi-collected").startswith("1,356.00")
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


# --- charts -------------------------------------------------------------------------------


def charts_of(html: str) -> dict[str, tuple[dict, list[list[str]]]]:
    """Each chart of the page: its JSON and its table's rows (category first), by key."""
    found = {}
    for key, body in re.findall(r'<figure class="chart chart-\w+" id="chart-([\w-]+)">(.*?)</figure>', html, re.S):
        data = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', body, re.S)
        rows = [re.findall(r"<t[hd][^>]*>\s*(.*?)\s*</t[hd]>", row)
                for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[-1], re.S)]
        found[key] = (json.loads(data.group(1)) if data else None, rows)
    return found


def _march(world) -> None:
    order = submit_order(world)
    for day, kinds in ((2, (K.SUBMITTED, K.APPROVED)), (4, (K.SUBMITTED, K.REJECTED, K.SHIPPED)), (5, (K.COMPLETED,))):
        for kind in kinds:
            record(order, kind, at=datetime(2026, 3, day, 2, 0, tzinfo=timezone.utc))
    record(order, K.PAID, Decimal("1356.00"), at=datetime(2026, 3, 5, 3, 0, tzinfo=timezone.utc))
    commit()


@pytest.mark.parametrize(("language", "names"), [
    ("en", {"stage-events": "Stage events", "submitted": "Submitted", "day": "Day", "approved": "Approved"}),
    ("zh-CN", {"stage-events": "各环节事件", "submitted": "已提交", "day": "日期", "approved": "已通过"}),
])
def test_the_dashboard_draws_each_chart_from_the_figures_of_its_table(app, world, language, names):
    _march(world)

    html = portal_login(app, world.users["manager"]).get(
        "/kpi?date_from=2026-03-01&date_to=2026-03-31", headers={"Accept-Language": language}).get_data(as_text=True)
    charts = charts_of(html)

    assert set(charts) == {"stage-events", "review-decisions", "over-time", "collected"}
    assert 'src="/static/vendor/echarts.min.js"' in html and 'src="/static/ordo-charts.js"' in html
    for key, (data, rows) in charts.items():  # the table and the chart show the same numbers
        assert [[category, *(series["values"][index] for series in data["series"])]
                for index, category in enumerate(data["categories"])] == rows, key
    events, _rows = charts["stage-events"]
    assert events["title"] == names["stage-events"]
    per_kind = dict(zip(events["categories"], events["series"][0]["values"], strict=True))
    assert per_kind[names["submitted"]] == "2" == figure(html, "kpi-count-submitted")  # the cards' figure too
    over_time, rows = charts["over-time"]
    assert over_time["kind"] == "line"
    assert [series["name"] for series in over_time["series"]][:2] == [names["submitted"], names["approved"]]
    assert rows == [["2026-03-02", "1", "1", "0", "0"], ["2026-03-03", "0", "0", "0", "0"],
                    ["2026-03-04", "1", "0", "1", "0"], ["2026-03-05", "0", "0", "0", "1"]]
    assert f"<th scope=\"col\">{names['day']}</th>" in html
    assert charts["collected"][1] == [["2026-03-02", "0.00"], ["2026-03-03", "0.00"], ["2026-03-04", "0.00"],
                                      ["2026-03-05", "1356.00"]]
    decisions, rows = charts["review-decisions"]
    assert decisions["kind"] == "pie" and [row[1] for row in rows] == ["1", "1", "0"]


def test_amounts_stay_off_the_charts_of_a_reader_without_prices(app, world):
    _march(world)
    production = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                       Role.name == "production")).scalar_one()
    production.grants.append(RolePermission(permission="kpi.view"))
    commit()

    html = portal_login(app, world.users["production"]).get(
        "/kpi?date_from=2026-03-01&date_to=2026-03-31", headers=ENGLISH).get_data(as_text=True)

    assert set(charts_of(html)) == {"stage-events", "review-decisions", "over-time"}
    assert "1356" not in html and "Collected" not in html


def test_every_kind_of_fact_the_dashboard_counts_has_its_label():
    from_views = set(views.KIND_LABELS)
    assert from_views == set(KpiEventKind), set(KpiEventKind) - from_views


@pytest.mark.parametrize("path, endpoint", [("/kpi", "/kpi"), ("/kpi/indicators", "/kpi/indicators"),
                                            ("/kpi/cycle-times", "/kpi/cycle-times")])
def test_each_kpi_page_asks_its_period_with_the_same_form_and_states_it(app, world, path, endpoint):
    """The dashboard, the indicators and the cycle times share one period form (kpi/_macros.html)."""
    html = portal_login(app, world.users["manager"]).get(
        f"{path}?date_from=2026-03-01&date_to=2026-03-31", headers=ENGLISH).get_data(as_text=True)

    form = html[html.index('<form method="get" action="%s" class="panel" id="period-form">' % endpoint):]
    form = form[:form.index("</form>")]
    assert re.findall(r'name="(\w+)"', form) == ["date_from", "date_to"] + (["by"] if "indicators" in path else [])
    assert 'value="2026-03-01"' in form and 'value="2026-03-31"' in form
    assert re.search(r'<p class="period">From .*?1.*?to .*?31.*?, both days included\.', html)
