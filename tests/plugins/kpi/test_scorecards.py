"""Targets, scorecards per department and person, the flags the rule proposes and a supervisor confirms."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import Table, insert, select

from core.db import commit
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.models import AuditEntry
from plugins.kpi.facts.collection import CollectionKind, KpiCollection
from plugins.kpi.facts.models import KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage
from plugins.kpi.indicators.services import Indicator
from plugins.kpi.scorecards import services
from plugins.kpi.scorecards.models import Flag, KpiFlag, PeriodKind
from plugins.kpi.scorecards.services import ScorePeriod, Subject
from tests.core.test_queries import statements
from tests import orders as orders_
from tests.factories import ApiClient, portal_login

MARCH = ScorePeriod(PeriodKind.MONTH, date(2026, 3, 1))


def targets(world) -> None:
    services.set_targets(world.company.id, {
        Indicator.TIMELINESS: (Decimal("0.9"), Decimal("0.7")),
        Indicator.SATISFACTION: (Decimal("3.5"), None),
        Indicator.COLLECTION: (Decimal("0.8"), Decimal("0.5")),
    }, world.users["manager"])
    commit()


def test_periods_and_subjects_read_as_written_and_bad_ones_name_their_field():
    assert ScorePeriod.parse("2026-03") == MARCH
    quarter = ScorePeriod.parse("2026-Q1")
    assert (quarter.start, quarter.last_day, quarter.shifted(-1).code) == (date(2026, 1, 1), date(2026, 3, 31),
                                                                          "2025-Q4")
    assert Subject.parse("person:12") == Subject(services.Dimension.PERSON, 12)
    for bad, field in (("2026-13", "period"), ("March", "period"), ("team:x", "subject"), ("person:me", "subject")):
        with pytest.raises(ValidationError) as refused:
            (ScorePeriod if field == "period" else Subject).parse(bad)
        assert refused.value.field == field


def test_a_department_scorecard_has_value_target_trend_and_the_flag_the_rule_proposes(world, facts):
    targets(world)

    (line,) = services.scorecard(world.company.id, Subject.parse("department:sales"), MARCH).lines

    assert line.indicator == Indicator.TIMELINESS
    assert line.value == Decimal("0.6667")  # two of three intake tasks on time
    assert line.target is not None and line.target.target == Decimal("0.9000")
    # January nothing, February its one task late, March 2 of 3.
    assert line.trend == [("2026-01", None), ("2026-02", Decimal("0.0000")), ("2026-03", Decimal("0.6667"))]
    assert line.proposed == Flag.PENALTY  # under 0.7

    (finance,) = services.scorecard(world.company.id, Subject.parse("department:finance"), MARCH).lines
    assert (finance.value, finance.proposed) == (Decimal("1.0000"), Flag.REWARD)


def test_a_persons_scorecard_measures_their_tasks_and_the_orders_they_entered(world, facts):
    targets(world)

    card = services.scorecard(world.company.id, Subject(services.Dimension.PERSON, facts["sales"]), MARCH)

    found = {line.indicator: (line.value, line.proposed) for line in card.lines}
    assert found == {
        Indicator.TIMELINESS: (Decimal("0.6667"), Flag.PENALTY),
        Indicator.ACCURACY: (Decimal("0.5000"), None),  # no target: nothing proposed
        Indicator.SATISFACTION: (Decimal("3.67"), Flag.REWARD),  # 3.67 reaches 3.5
        Indicator.COLLECTION: (Decimal("0.6250"), None),  # between 0.5 and 0.8
    }


def test_a_supervisor_confirms_the_proposed_flag_once_recorded_with_who_and_audited(app, world, facts):
    targets(world)
    supervisor = portal_login(app, world.users["supervisor"])

    response = supervisor.post("/kpi/scorecards/confirm", data={
        "subject": "department:sales", "period": "2026-03", "indicator": "timeliness"})

    assert response.status_code == 302
    flag = db.session.execute(select(KpiFlag)).scalar_one()
    assert (flag.flag, flag.value, flag.target, flag.confirmed_by_id) == (
        Flag.PENALTY, Decimal("0.6667"), Decimal("0.9000"), world.users["supervisor"].id)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "kpi_flag_confirmed")).scalar_one()
    assert entry.actor_id == world.users["supervisor"].id and entry.after["flag"] == "penalty"
    html = supervisor.get("/kpi/scorecards?subject=department:sales&period=2026-03",
                          headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Penalty: by {world.users['supervisor'].name}" in html
    with pytest.raises(Conflict):
        services.confirm(world.company.id, Subject.parse("department:sales"), MARCH, Indicator.TIMELINESS,
                         world.users["supervisor"])


def test_only_a_supervisor_confirms_a_manager_is_refused(app, world, facts):
    targets(world)

    response = portal_login(app, world.users["manager"]).post("/kpi/scorecards/confirm", data={
        "subject": "department:sales", "period": "2026-03", "indicator": "timeliness"})

    assert response.status_code == 403
    assert db.session.execute(select(KpiFlag)).first() is None


def test_the_orders_behind_a_figure_are_those_whose_facts_make_it(app, world, facts):
    behind = services.orders_behind(world.company.id, Subject.parse("department:sales"), MARCH,
                                    Indicator.TIMELINESS)
    march_intake = db.session.execute(select(KpiTask.order_id).where(
        KpiTask.department == "sales", KpiTask.done_at >= datetime(2026, 3, 1, tzinfo=world.company.zone))
    ).scalars().all()
    assert sorted(order.id for order in behind) == sorted(set(march_intake))

    html = portal_login(app, world.users["manager"]).get(
        "/kpi/scorecards/orders?subject=department:sales&period=2026-03&indicator=timeliness").get_data(as_text=True)
    assert all(order.display_number in html for order in behind)


def test_targets_are_set_and_read_through_the_api_and_bad_values_name_their_field(app, world):
    manager = ApiClient(app, world.users["manager"])

    response = manager.put("/api/v1/kpi/targets", json={"targets": [
        {"indicator": "accuracy", "target": "0.98", "penalty_below": "0.9"},
        {"indicator": "satisfaction", "target": "4.5"}]})
    assert response.status_code == 200, response.get_json()
    assert {(t["indicator"], t["target"], t["penalty_below"]) for t in manager.get(
        "/api/v1/kpi/targets").get_json()["targets"]} == {("accuracy", "0.9800", "0.9000"),
                                                          ("satisfaction", "4.5000", None)}

    refused = manager.put("/api/v1/kpi/targets", json={"targets": [{"indicator": "accuracy", "target": "1.5"}]})
    assert refused.status_code == 400
    assert [error["field"] for error in refused.get_json()["errors"]] == ["accuracy.target"]
    above = manager.put("/api/v1/kpi/targets", json={"targets": [
        {"indicator": "timeliness", "target": "0.8", "penalty_below": "0.9"}]})
    assert [error["field"] for error in above.get_json()["errors"]] == ["timeliness.penalty_below"]
    # The supervisor reads targets but does not set them.
    assert ApiClient(app, world.users["supervisor"]).put("/api/v1/kpi/targets", json={"targets": []}).status_code \
        == 403


def test_a_persons_collection_line_says_what_collecting_took_in_the_period(app, world, facts):
    """The notices sent for the orders they entered and the promises they took in March, under the line."""
    zone = world.company.zone
    db.session.add_all([KpiCollection(company_id=world.company.id, customer_id=facts["c1"],
                                      salesperson_id=facts["sales"], kind=kind, currency="CNY",
                                      at=datetime(2026, month, 12, 10, tzinfo=zone))
                        for kind, month in ((CollectionKind.DUNNING, 3), (CollectionKind.DUNNING, 3),
                                            (CollectionKind.PROMISED, 3), (CollectionKind.BROKEN, 3),
                                            (CollectionKind.DUNNING, 2))])
    commit()

    html = portal_login(app, world.users["supervisor"]).get(
        f"/kpi/scorecards?subject=person:{facts['sales']}&period=2026-03",
        headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert ("In 2026-03: 2 dunning notices for their orders; 1 promises to pay taken, 0 kept, 1 broken"
            in html)
    assert html.count('class="chasing"') == 1  # the collection line only


def test_the_scorecard_api_answers_the_lines_and_names_a_bad_field(app, world, facts):
    targets(world)
    client = ApiClient(app, world.users["supervisor"])

    body = client.get(f"/api/v1/kpi/scorecards?subject=person:{facts['sales']}&period=2026-03").get_json()

    lines = {line["indicator"]: line for line in body["lines"]}
    assert (lines["timeliness"]["value"], lines["timeliness"]["target"], lines["timeliness"]["proposed"]) == (
        "0.6667", "0.9000", "penalty")
    assert [t["period"] for t in lines["collection"]["trend"]] == ["2026-01", "2026-02", "2026-03"]
    assert lines["collection"]["chasing"] == {"notices": 0, "promised": 0, "kept": 0, "broken": 0}
    assert lines["timeliness"]["chasing"] is None
    bad = client.get("/api/v1/kpi/scorecards?subject=person:1&period=2026-3")
    assert bad.status_code == 400 and [e["field"] for e in bad.get_json()["errors"]] == ["period"]


@pytest.mark.parametrize("orders", [10, 1_000])
def test_a_scorecard_takes_one_statement_whatever_the_number_of_facts(world, orders):
    """Tasks, deliveries and money over the three months of the trend, a target and a confirmed flag; all the
    lines' months, the targets and the flags come in one query."""
    person, company = world.users["sales"].id, world.company.id
    ids = orders_.bulk(world, orders)
    moments = [datetime(2026, month, 10, tzinfo=world.company.zone) for month in (1, 2, 3)]
    common = {"company_id": company}
    db.session.execute(insert(cast(Table, KpiTask.__table__)), [
        {**common, "order_id": ids[n], "stage": TaskStage.INTAKE, "department": "sales", "person_id": person,
         "arrived_at": moments[n % 3], "due_at": moments[n % 3], "done_at": moments[n % 3], "on_time": n % 2 == 0,
         "seconds": 0} for n in range(orders)])
    db.session.execute(insert(cast(Table, KpiOrder.__table__)), [
        {**common, "order_id": ids[n], "customer_id": world.customers[0].id, "salesperson_id": person,
         "delivered_at": moments[n % 3],
         "lead_seconds": 0, "corrections": 0, "refused_lines": 0, "reserved_lines": 0, "accurate": n % 4 != 0,
         "rating": 5} for n in range(orders)])
    db.session.execute(insert(cast(Table, KpiMoney.__table__)), [
        {**common, "order_id": ids[n], "customer_id": world.customers[0].id, "salesperson_id": person,
         "at": moments[n % 3],
         "kind": MoneyKind.DUE if n % 2 else MoneyKind.COLLECTED, "amount": Decimal("10.00")}
        for n in range(orders)])
    kinds = list(CollectionKind)  # dunning, promised, kept, broken, in turn; one month in three is March
    db.session.execute(insert(cast(Table, KpiCollection.__table__)), [
        {**common, "customer_id": world.customers[0].id, "salesperson_id": person, "order_id": ids[n],
         "kind": kinds[n % 4], "level": 1, "amount": Decimal("10.00"), "currency": "CNY", "at": moments[n % 3]}
        for n in range(orders)])
    targets(world)
    supervisor = world.users["supervisor"]
    db.session.add(KpiFlag(company_id=company, subject=f"person:{person}", indicator=Indicator.COLLECTION,
                           period_kind=PeriodKind.MONTH, period_start=MARCH.start, flag=Flag.PENALTY,
                           value=Decimal("0.4000"), target=Decimal("0.8000"), confirmed_by_id=supervisor.id,
                           confirmed_at=datetime(2026, 4, 2, 9, tzinfo=world.company.zone)))
    commit()
    subject = Subject(services.Dimension.PERSON, person)
    services.scorecard(company, subject, MARCH)  # the company's zone, loaded once

    with statements(db.engine) as seen:
        card = services.scorecard(company, subject, MARCH)
    with statements(db.engine) as seen_department:
        services.scorecard(company, Subject.parse("department:sales"), MARCH)

    assert len(seen) == 1  # every line over its three months, the targets and the flags in one query
    assert len(seen_department) == 1
    assert [len(line.trend) for line in card.lines] == [3, 3, 3, 3]
    assert all(value is not None for line in card.lines for _month, value in line.trend)
    by_indicator = {line.indicator: line for line in card.lines}
    assert by_indicator[Indicator.TIMELINESS].target == services.Target(Decimal("0.9000"), Decimal("0.7000"))
    assert by_indicator[Indicator.SATISFACTION].target == services.Target(Decimal("3.5000"), None)
    assert by_indicator[Indicator.ACCURACY].target is None
    assert by_indicator[Indicator.COLLECTION].confirmed == services.Confirmed(
        Flag.PENALTY, Decimal("0.4000"), Decimal("0.8000"), supervisor.name,
        datetime(2026, 4, 2, 9, tzinfo=world.company.zone))
    assert [line.confirmed for line in card.lines if line.indicator != Indicator.COLLECTION] == [None] * 3
    in_march = [kinds[n % 4] for n in range(orders) if n % 3 == 2]
    assert by_indicator[Indicator.COLLECTION].chasing == services.Chasing(*(in_march.count(kind) for kind in kinds))
    assert [line.chasing for line in card.lines if line.indicator != Indicator.COLLECTION] == [None] * 3


def test_the_targets_page_sets_each_indicators_target_and_refuses_one_out_of_range(app, world):
    manager = portal_login(app, world.users["manager"])

    saved = manager.post("/kpi/targets", data={"timeliness_target": "0.95", "timeliness_penalty_below": "0.8",
                                                "satisfaction_target": "4"})
    refused = manager.post("/kpi/targets", data={"satisfaction_target": "6"}, headers={"Accept-Language": "en"})

    assert saved.status_code == 302
    found = {indicator: (row.target, row.penalty_below)
             for indicator, row in services.company_targets(world.company.id).items()}
    assert found == {Indicator.TIMELINESS: (Decimal("0.9500"), Decimal("0.8000")),
                     Indicator.SATISFACTION: (Decimal("4.0000"), None)}
    assert refused.status_code == 200 and "satisfaction.target must lie between 1 and 5" in refused.get_data(
        as_text=True)
    page = manager.get("/kpi/targets").get_data(as_text=True)
    assert 'value="0.9500"' in page
