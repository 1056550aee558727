"""Cycle times per stage: the median and the 90th percentile by nearest rank, in the same statements whatever
the number of facts."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import Table, delete, insert, select

from core.db import commit
from core.extensions import db
from plugins.kpi.cycletimes import services
from plugins.kpi.cycletimes.services import LEAD_TIME, CycleTime
from plugins.kpi.facts.models import KpiEvent, KpiMoney, KpiOrder, KpiTask, TaskStage
from plugins.kpi.indicators.services import period_of
from tests.core.test_queries import statements
from tests.factories import ApiClient, portal_login
from tests.plugins.kpi.conftest import submit_order


def _tasks(world, order_id: int, stage: TaskStage, department: str, durations: list[int],
           day: date = date(2026, 3, 10)) -> list[dict]:
    done = datetime(day.year, day.month, day.day, 12, tzinfo=world.company.zone)
    return [{"company_id": world.company.id, "order_id": order_id, "stage": stage, "department": department,
             "person_id": None, "arrived_at": done - timedelta(seconds=seconds), "due_at": None, "done_at": done,
             "on_time": None, "seconds": seconds} for seconds in durations]


@pytest.fixture
def march(world):
    orders = [submit_order(world) for _ in range(3)]
    for model in (KpiEvent, KpiTask, KpiOrder, KpiMoney):
        db.session.execute(delete(model))
    order = orders[0].id
    db.session.execute(insert(cast(Table, KpiTask.__table__)), [
        *_tasks(world, order, TaskStage.REVIEW, "finance", [7, 3, 10, 1, 5, 9, 2, 8, 4, 6]),  # 1 to 10, shuffled
        *_tasks(world, order, TaskStage.INTAKE, "sales", [10 * n for n in range(11, 0, -1)]),  # 10 to 110
        *_tasks(world, order, TaskStage.REVIEW, "finance", [99999], day=date(2026, 4, 1)),  # after March
    ])
    for index, lead in enumerate([100, 300, 200]):
        db.session.add(KpiOrder(company_id=world.company.id, order_id=orders[index].id,
                                customer_id=world.customers[0].id, salesperson_id=None,
                                delivered_at=datetime(2026, 3, 20, tzinfo=world.company.zone), lead_seconds=lead,
                                corrections=0, refused_lines=0, reserved_lines=0, accurate=True, rating=None))
    commit()
    return period_of(world.company.id, date(2026, 3, 1), date(2026, 3, 31))


def test_each_stage_has_its_median_and_90th_percentile_by_nearest_rank(world, march):
    assert services.cycle_times(world.company.id, march) == [
        # Eleven durations 10 to 110: the 6th (median) and the 10th (ceil 9.9); mean 60.
        CycleTime("intake", "sales", 11, 60, 100, 60),
        # Ten durations 1 to 10: the 5th and the 9th; mean 5.5 rounds to 6 (half to even: 6).
        CycleTime("review", "finance", 10, 5, 9, 6),
        # Three lead times 100, 300, 200: the 2nd (200) and the 3rd (ceil 2.7).
        CycleTime(LEAD_TIME, None, 3, 200, 300, 200),
    ]


def test_the_90th_percentile_of_70_durations_is_the_63rd(world):
    """ceil(0.9 x 70) is 63 (0.9 x 70 in floating point is 63.00000000000001, whose ceiling is 64)."""
    order = submit_order(world)
    db.session.execute(insert(cast(Table, KpiTask.__table__)),
                       _tasks(world, order.id, TaskStage.REVIEW, "finance", list(range(70, 0, -1))))
    commit()

    times = services.cycle_times(world.company.id, period_of(world.company.id, date(2026, 3, 1), date(2026, 3, 31)))

    (finance,) = [time for time in times if time.department == "finance"]
    assert (finance.count, finance.median_seconds, finance.p90_seconds) == (70, 35, 63)


def test_the_cycle_times_cost_the_same_statements_for_100_facts_as_for_10000(world):
    order = submit_order(world)
    company_id = world.company.id
    span = period_of(company_id, date(2026, 3, 1), date(2026, 3, 31))
    counts = []
    for facts in (100, 10_000):
        db.session.execute(delete(KpiTask))
        db.session.execute(insert(cast(Table, KpiTask.__table__)),
                           _tasks(world, order.id, TaskStage.REVIEW, "finance", list(range(facts))))
        commit()

        with statements(db.engine) as seen:
            (finance,) = [time for time in services.cycle_times(company_id, span) if time.department == "finance"]

        counts.append(len(seen))
        assert (finance.count, finance.median_seconds) == (facts, facts // 2 - 1)  # 0 to n-1: the (n/2)-th, n/2 - 1
    assert counts[0] == counts[1] == 2  # the counts, then the ranks at their offsets


def test_the_api_answers_the_cycle_times_of_the_period(app, world, march):
    response = ApiClient(app, world.users["manager"]).get(
        "/api/v1/analytics/cycle-times?date_from=2026-03-01&date_to=2026-03-31")

    assert response.status_code == 200, response.get_json()
    stages = response.get_json()["stages"]
    assert [(s["stage"], s["department"], s["median_seconds"], s["p90_seconds"]) for s in stages] == [
        ("intake", "sales", 60, 100), ("review", "finance", 5, 9), ("lead_time", None, 200, 300)]


def test_a_bad_date_is_refused_naming_the_field(app, world):
    response = ApiClient(app, world.users["manager"]).get("/api/v1/analytics/cycle-times?date_from=someday")

    assert response.status_code == 400
    assert [error["field"] for error in response.get_json()["errors"]] == ["date_from"]


def test_the_page_shows_durations_in_hours_and_minutes_beside_the_chart(app, world, march):
    db.session.execute(insert(cast(Table, KpiTask.__table__)), _tasks(
        world, db.session.execute(select(KpiOrder.order_id)).scalars().first(), TaskStage.REVIEW, "production",
        [26 * 3600 + 5 * 60]))
    commit()

    html = portal_login(app, world.users["manager"]).get(
        "/kpi/cycle-times?date_from=2026-03-01&date_to=2026-03-31", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)

    assert 'id="chart-cycle-times"' in html
    assert re.search(r"Review step: Production</th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">26 h 05 min</td>",
                     html)


def test_the_export_is_the_table_shown(app, world, march):
    client = portal_login(app, world.users["manager"])
    query = "date_from=2026-03-01&date_to=2026-03-31"
    html = client.get(f"/kpi/cycle-times?{query}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    exported = client.get(f"/kpi/cycle-times?{query}&format=csv", headers={"Accept-Language": "en"})

    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    shown = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
             for row in re.findall(r"<tr>(.*?)</tr>", html.split('id="cycle-times">', 1)[1].split("</table>", 1)[0],
                                   re.S)]
    assert rows[1:] and [row[0] for row in rows[1:]] == [row[0] for row in shown[1:]]
    assert rows[1:] == shown[1:]
