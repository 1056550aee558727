"""The four indicators on a small hand-made set of facts, with the expected values worked out here."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from functools import partial
from decimal import Decimal
from typing import cast

import openpyxl
import pytest
from sqlalchemy import Table, insert, select

from core.contracts import CaseOpened, CaseResolved, TaskCompleted
from core.db import commit
from core.extensions import db
from core.models import Order, Role, RolePermission
from plugins.kpi.facts import recording
from plugins.kpi.facts.collection import CollectionKind, KpiCollection
from plugins.kpi.facts.models import KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage
from plugins.kpi.facts.recording import OrderRef
from plugins.kpi.indicators import services
from plugins.kpi.indicators.services import Dimension, Indicator
from tests.core.test_queries import statements
from tests.factories import portal_login
from tests.plugins.kpi.conftest import submit_order

D = Dimension
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def span(world):
    return services.period_of(world.company.id, *MARCH)


def test_timeliness_is_tasks_on_time_over_tasks_with_a_limit_per_department_and_person(world, facts):
    (company,) = services.timeliness(world.company.id, span(world))
    # Five tasks done in March, four with a limit, three of them on time.
    assert (company.done, company.timed, company.on_time, company.rate) == (5, 4, 3, Decimal("0.7500"))

    by_department = {f.key.code: f.rate for f in services.timeliness(world.company.id, span(world), D.DEPARTMENT)}
    assert by_department == {"sales": Decimal("0.6667"), "finance": Decimal("1.0000")}  # 2 of 3; 1 of 1

    by_person = {f.key.id: (f.key.name, f.rate) for f in services.timeliness(world.company.id, span(world), D.PERSON)}
    assert by_person == {facts["sales"]: (world.users["sales"].name, Decimal("0.6667")),
                         facts["finance"]: (world.users["finance"].name, Decimal("1.0000"))}


def test_accuracy_is_delivered_orders_without_correction_or_refusal_over_delivered_orders(world, facts):
    (company,) = services.accuracy(world.company.id, span(world))
    assert (company.delivered, company.accurate, company.rate) == (4, 2, Decimal("0.5000"))

    by_customer = {f.key.id: (f.key.code, f.rate) for f in services.accuracy(world.company.id, span(world),
                                                                            D.CUSTOMER)}
    # C001: two of three (one corrected); C002: its one order had a refused line.
    assert by_customer == {facts["c1"]: ("C001", Decimal("0.6667")), facts["c2"]: ("C002", Decimal("0.0000"))}


def test_satisfaction_is_the_average_rating_and_the_share_of_4_and_5(world, facts):
    (company,) = services.satisfaction(world.company.id, span(world))
    # Ratings 5, 4 and 2 (one delivery unrated): average 11 / 3, two of three satisfied.
    assert (company.rated, company.average, company.high_share) == (3, Decimal("3.67"), Decimal("0.6667"))

    by_customer = {f.key.id: (f.average, f.high_share)
                   for f in services.satisfaction(world.company.id, span(world), D.CUSTOMER)}
    assert by_customer == {facts["c1"]: (Decimal("4.50"), Decimal("1.0000")),
                           facts["c2"]: (Decimal("2.00"), Decimal("0.0000"))}

    by_salesperson = services.satisfaction(world.company.id, span(world), D.SALESPERSON)
    assert [(f.key.id, f.average) for f in by_salesperson] == [(facts["sales"], Decimal("3.67"))]


def test_collection_rate_is_collected_over_due_in_the_period_and_dso_what_is_owed_in_days_of_sales(world, facts):
    (company,) = services.collection(world.company.id, span(world))
    # Due in March 3000 + 1000; collected in March 3000 - 500; owed at the end (1000 + 4000) - (200 + 2500).
    assert (company.due, company.collected, company.outstanding) == (
        Decimal("4000.00"), Decimal("2500.00"), Decimal("2300.00"))
    assert company.rate == Decimal("0.6250")
    assert company.dso == Decimal("17.8")  # 2300 x 31 days / 4000

    by_customer = {f.key.id: (f.rate, f.outstanding, f.dso)
                   for f in services.collection(world.company.id, span(world), D.CUSTOMER)}
    assert by_customer == {
        facts["c1"]: (Decimal("0.8333"), Decimal("1300.00"), Decimal("13.4")),  # 2500 / 3000; 1300 x 31 / 3000
        facts["c2"]: (Decimal("0.0000"), Decimal("1000.00"), Decimal("31.0")),
    }


def _march(world, day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=world.company.zone)


def _logistics_work(world) -> dict[str, int]:
    """Beside the hand-made facts: three execution tasks and two problem cases resolved (one in April), recorded
    as kpi's listeners record what logistics tells them."""
    orders = db.session.execute(select(Order).order_by(Order.id)).scalars().all()
    ref = OrderRef.of(orders[0])
    production, logistics = world.users["production"].id, world.users["logistics"].id
    at = partial(_march, world)
    rows = [
        # On time; late, done by whoever (no department, no assignee); no due time: neither.
        *recording.task_completed_facts(ref, TaskCompleted(1, "生产", "production", "production", production,
                                                           production, at(4, 8), at(4, 17), at(4, 16))),
        *recording.task_completed_facts(ref, TaskCompleted(2, "发货", "dispatch", None, None, logistics, at(7, 9),
                                                           at(7, 12), at(7, 15))),
        *recording.task_completed_facts(ref, TaskCompleted(3, "包装", "packing", "production", production,
                                                           production, at(6, 9), None, at(6, 11))),
        # A case resolved on time in March, and one resolved late in April (not counted).
        *recording.case_resolved_facts(ref, CaseResolved("C-1", "damaged", "logistics", "credit", at(8, 10),
                                                         at(9, 10), at(9, 9), logistics)),
        *recording.case_resolved_facts(ref, CaseResolved("C-2", "late", "logistics", "rejected", at(30, 10),
                                                         at(31, 10), at(31, 10) + timedelta(days=2), logistics)),
    ]
    recording.add(rows)
    commit()
    return {"production": production, "logistics": logistics}


def test_timeliness_counts_execution_tasks_and_problem_cases_per_department_person_and_kind_of_work(world, facts):
    people = _logistics_work(world)

    (company,) = services.timeliness(world.company.id, span(world))
    # The five March tasks (4 with a limit, 3 on time) and four more: three execution tasks (two with a due
    # time, one done by it) and a case resolved within its limit: 9 done, 7 with a limit, 5 on time.
    assert (company.done, company.timed, company.on_time, company.rate) == (9, 7, 5, Decimal("0.7143"))

    by_department = {f.key.code: (f.done, f.rate)
                     for f in services.timeliness(world.company.id, span(world), D.DEPARTMENT)}
    assert by_department == {
        "sales": (3, Decimal("0.6667")), "finance": (2, Decimal("1.0000")),
        "production": (2, Decimal("1.0000")),  # one on time, one without a due time
        "logistics": (2, Decimal("0.5000")),  # the dispatch late (no department: the executing stage's), the case
    }
    by_person = {f.key.id: f.rate for f in services.timeliness(world.company.id, span(world), D.PERSON)}
    assert by_person == {facts["sales"]: Decimal("0.6667"), facts["finance"]: Decimal("1.0000"),
                         people["production"]: Decimal("1.0000"),
                         people["logistics"]: Decimal("0.5000")}  # the dispatch they completed, the case
    by_stage = {f.key.code: (f.done, f.timed, f.on_time)
                for f in services.timeliness(world.company.id, span(world), D.STAGE)}
    assert by_stage == {"intake": (3, 3, 2), "review": (2, 1, 1), "execution": (3, 2, 1), "case": (1, 1, 1)}


def test_accuracy_counts_an_order_with_a_problem_case_as_inaccurate_even_one_opened_after_delivery(world, facts):
    orders = db.session.execute(select(Order).order_by(Order.id)).scalars().all()
    # The third order was delivered accurate; a problem reported since makes it inaccurate.
    recording.add(recording.case_opened_facts(OrderRef.of(orders[2]), CaseOpened(
        "C-1", "quality", "report", "production", _march(world, 20, 10), _march(world, 21, 10))))
    recording.count_cases(orders[2].id, 1)
    commit()

    (company,) = services.accuracy(world.company.id, span(world))
    assert (company.delivered, company.accurate, company.rate) == (4, 1, Decimal("0.2500"))
    by_customer = {f.key.id: f.rate for f in services.accuracy(world.company.id, span(world), D.CUSTOMER)}
    assert by_customer == {facts["c1"]: Decimal("0.3333"), facts["c2"]: Decimal("0.0000")}  # C001: one of three


def test_the_page_breaks_timeliness_down_by_kind_of_work(app, world, facts):
    _logistics_work(world)
    html = portal_login(app, world.users["manager"]).get(
        "/kpi/indicators?date_from=2026-03-01&date_to=2026-03-31&by=stage", headers=ENGLISH).get_data(as_text=True)

    assert 'id="table-timeliness"' in html and 'id="table-accuracy"' not in html
    assert re.search(r"Execution task</th>\s*<td class=\"num\">3</td>\s*<td class=\"num\">2</td>\s*"
                     r"<td class=\"num\">1</td>\s*<td class=\"num\">50\.00</td>", html)
    assert "Problem case</th>" in html


def test_a_breakdown_an_indicator_does_not_have_is_refused(world, facts):
    with pytest.raises(services.DimensionError):
        services.accuracy(world.company.id, span(world), D.DEPARTMENT)


@pytest.mark.parametrize("indicator", list(Indicator))
def test_over_consecutive_months_each_months_figures_are_those_of_the_month_alone(world, facts, indicator):
    """February to April in one query: what each month's own query gives (collection's outstanding counting
    January's money too), for every breakdown."""
    months = [services.period_of(world.company.id, date(2026, month, 1), last)
              for month, last in ((2, date(2026, 2, 28)), (3, date(2026, 3, 31)), (4, date(2026, 4, 30)))]

    for by in services.DIMENSIONS[indicator]:
        over = services.figures_over(world.company.id, indicator, months, by)

        alone = [services.figures(world.company.id, indicator, month, by) for month in months]
        assert [sorted(found, key=repr) for found in over] == [sorted(found, key=repr) for found in alone]
    assert any(over), "the facts fall in these months"


def test_collection_rates_alone_read_only_the_periods_money_and_leave_the_outstanding_out(world, facts):
    """A scorecard's collection line wants the rates: the same due and collected, no outstanding, no DSO."""
    months = [services.period_of(world.company.id, date(2026, 2, 1), date(2026, 2, 28)),
              services.period_of(world.company.id, date(2026, 3, 1), date(2026, 3, 31))]

    full = services.collection_over(world.company.id, months, D.CUSTOMER)
    rates = services.collection_over(world.company.id, months, D.CUSTOMER, outstanding=False)

    # c1's March: 3,000.00 due, 2,500.00 collected; February's money makes no outstanding here.
    assert [sorted((f.key.id, f.due, f.collected, f.rate, f.outstanding, f.dso) for f in month) for month in rates] == [
        [(facts["c1"], Decimal("1000.00"), Decimal("200.00"), Decimal("0.2000"), None, None)],
        [(facts["c1"], Decimal("3000.00"), Decimal("2500.00"), Decimal("0.8333"), None, None),
         (facts["c2"], Decimal("1000.00"), Decimal("0.00"), Decimal("0.0000"), None, None)]]
    assert [sorted((f.key.id, f.due, f.collected) for f in month) for month in rates] == [
        sorted((f.key.id, f.due, f.collected) for f in month if f.due or f.collected) for month in full]


def test_periods_over_which_a_trend_runs_follow_one_another(world):
    gap = [services.period_of(world.company.id, date(2026, 1, 1), date(2026, 1, 31)),
           services.period_of(world.company.id, date(2026, 3, 1), date(2026, 3, 31))]
    with pytest.raises(ValueError):
        services.figures_over(world.company.id, Indicator.TIMELINESS, gap)


def _bulk_facts(world, orders: int) -> None:
    """``orders`` delivered orders' facts, inserted in bulk against one real order."""
    order = submit_order(world)
    zone, company, customer = world.company.zone, world.company.id, world.customers[0].id
    moments = [datetime(2026, 3, 1 + n % 28, n % 24, tzinfo=zone) for n in range(orders)]
    common = {"company_id": company, "order_id": order.id}
    db.session.execute(insert(cast(Table, KpiTask.__table__)), [
        {**common, "stage": TaskStage.REVIEW, "department": ("sales", "finance")[n % 2],
         "person_id": world.users["sales"].id, "arrived_at": moment, "due_at": moment, "done_at": moment,
         "on_time": True, "seconds": n} for n, moment in enumerate(moments)])
    db.session.execute(insert(cast(Table, KpiMoney.__table__)), [
        {**common, "customer_id": customer, "salesperson_id": None, "kind": MoneyKind.DUE, "amount": Decimal("10"),
         "at": moment} for moment in moments])
    db.session.execute(insert(cast(Table, KpiOrder.__table__)), [
        {"company_id": company, "order_id": order.id, "customer_id": customer, "salesperson_id": None,
         "delivered_at": moments[0], "corrections": 0, "refused_lines": 0, "reserved_lines": 0, "accurate": True,
         "rating": 5}])
    commit()


@pytest.mark.parametrize("orders", [100, 10_000])
def test_every_indicator_and_breakdown_takes_one_statement_whatever_the_number_of_facts(world, orders):
    _bulk_facts(world, orders)
    everything = [(indicator, by) for indicator, dimensions in services.DIMENSIONS.items() for by in dimensions]
    march = span(world)

    with statements(db.engine) as seen:
        results = {(indicator, by): services.figures(world.company.id, indicator, march, by)
                   for indicator, by in everything}

    assert len(seen) == len(everything)  # 12 queries, for 100 facts as for 10,000
    (timely,) = results[(Indicator.TIMELINESS, D.COMPANY)]
    assert timely.done == orders


# --- the page ----------------------------------------------------------------------

ENGLISH = {"Accept-Language": "en"}


def test_the_page_shows_each_indicator_with_its_formula_and_the_breakdown_as_chart_and_table(app, world, facts):
    html = portal_login(app, world.users["manager"]).get(
        "/kpi/indicators?date_from=2026-03-01&date_to=2026-03-31&by=customer", headers=ENGLISH).get_data(as_text=True)

    assert re.search(r'id="kpi-indicator-timeliness">.*?<div class="figure">75\.00%</div>', html, re.S)
    assert re.search(r'id="kpi-indicator-satisfaction">.*?<div class="figure">3\.67 / 5</div>', html, re.S)
    assert "/ orders delivered in the period" in html  # the accuracy formula
    # By customer: accuracy, satisfaction and collection have a table; timeliness is by department or person.
    assert 'id="table-accuracy"' in html and 'id="table-collection"' in html
    assert 'id="table-timeliness"' not in html
    assert 'id="chart-indicator-accuracy"' in html
    assert re.search(r"C001 [^<]*</th>\s*<td class=\"num\">3</td>\s*<td class=\"num\">2</td>\s*"
                     r"<td class=\"num\">66\.67</td>", html)


def test_the_export_is_the_table_shown_cell_for_cell(app, world, facts):
    response = portal_login(app, world.users["manager"]).get(
        "/kpi/indicators?date_from=2026-03-01&date_to=2026-03-31&by=customer&indicator=collection&format=xlsx",
        headers=ENGLISH)

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:6] == ["Customer", "Due in the period", "Collected in the period", "Outstanding at the end",
                             "Rate (%)", "DSO (days)"]
    by_name = {row[0].split(" ")[0]: row[1:6] for row in values[1:]}
    assert [Decimal(str(value)) for value in by_name["C001"]] == [
        Decimal("3000"), Decimal("2500"), Decimal("1300"), Decimal("83.33"), Decimal("13.4")]


def test_collection_per_customer_and_salesperson_shows_the_dunning_notices_and_broken_promises(app, world, facts):
    """March's notices and broken promises beside each customer's and salesperson's collection rate; February's,
    promises taken and kept are not counted."""
    zone = world.company.zone

    def chased(kind: CollectionKind, customer: int, day: int, month: int = 3) -> KpiCollection:
        return KpiCollection(company_id=world.company.id, customer_id=customer, salesperson_id=facts["sales"],
                             kind=kind, currency="CNY", at=datetime(2026, month, day, 10, tzinfo=zone))

    db.session.add_all([chased(CollectionKind.DUNNING, facts["c1"], 2), chased(CollectionKind.DUNNING, facts["c1"], 9),
                        chased(CollectionKind.DUNNING, facts["c2"], 9), chased(CollectionKind.BROKEN, facts["c1"], 12),
                        chased(CollectionKind.PROMISED, facts["c1"], 3), chased(CollectionKind.KEPT, facts["c2"], 4),
                        chased(CollectionKind.DUNNING, facts["c1"], 20, month=2)])
    commit()
    client = portal_login(app, world.users["manager"])

    def exported(by: str) -> dict[str, list]:
        response = client.get(f"/kpi/indicators?date_from=2026-03-01&date_to=2026-03-31&by={by}&indicator=collection"
                              "&format=xlsx", headers=ENGLISH)
        values = [[cell.value for cell in row] for row in openpyxl.load_workbook(io.BytesIO(response.data)).active
                  .iter_rows()]
        assert values[0][-2:] == ["Dunning notices", "Promises broken"]
        return {row[0].split(" ")[0]: row[-2:] for row in values[1:]}

    assert exported("customer") == {"C001": [2, 1], "C002": [1, 0]}
    assert list(exported("salesperson").values()) == [[3, 1]]
    html = client.get("/kpi/indicators?date_from=2026-03-01&date_to=2026-03-31&by=customer",
                      headers=ENGLISH).get_data(as_text=True)
    assert "Dunning notices" in html and "Promises broken" in html


def test_without_prices_the_page_and_its_export_leave_the_amounts_out(app, world, facts):
    production = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                       Role.name == "production")).scalar_one()
    production.grants.append(RolePermission(permission="kpi.view"))
    commit()
    client = portal_login(app, world.users["production"])

    html = client.get("/kpi/indicators?date_from=2026-03-01&date_to=2026-03-31&by=customer",
                      headers=ENGLISH).get_data(as_text=True)
    exported = client.get("/kpi/indicators?date_from=2026-03-01&date_to=2026-03-31&by=customer"
                          "&indicator=collection&format=csv", headers=ENGLISH).get_data(as_text=True)

    assert "Due in the period" not in html and "3,000.00" not in html and "3000" not in html
    assert "Due in the period" not in exported and "3000" not in exported
    assert "83.33" in exported


def test_an_unknown_indicator_to_export_is_refused_naming_it(app, world):
    response = portal_login(app, world.users["manager"]).get("/kpi/indicators?indicator=speed&format=csv")

    assert response.status_code == 400
