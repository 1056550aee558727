"""Late review steps: the sweep reminds the reviewers once, escalates one level up the chain per expiry,
in working hours, once however often it runs (and when two run at once on PostgreSQL), and stops for a
reviewer who said why they cannot finish in time."""
from __future__ import annotations

import os
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core import calendar
from core.contracts import OverdueKind
from core.db import commit
from core.extensions import db
from core.jobs import Worker, collect_jobs
from core.models import Company, OutboxMessage
from core.plugins import registry
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.kpi.manifest import MANIFEST as KPI
from plugins.kpi.facts.models import KpiEvent, KpiEventKind
from plugins.review import services, sweep
from plugins.review.manifest import MANIFEST as REVIEW
from plugins.review.models import ReviewNotice, ReviewStep
from tests import factories, witness
from tests.plugins.review.desk import Desk


def chain(world) -> dict[str, int]:
    """Sales reports to the manager, the manager to a director; each has an email address."""
    director = factories.user(world.company, "manager", username="director", name="Director", email="dir@acme.cn")
    world.users["director"] = director
    world.users["sales"].email, world.users["sales"].superior_id = "sales@acme.cn", world.users["manager"].id
    world.users["manager"].email, world.users["manager"].superior_id = "mgr@acme.cn", director.id
    commit()
    return {role: user.id for role, user in world.users.items()}


def notices(order_id: int) -> list[tuple[int, str, list[int]]]:
    db.session.expire_all()
    rows = db.session.execute(select(ReviewNotice).where(ReviewNotice.order_id == order_id)
                              .order_by(ReviewNotice.level, ReviewNotice.kind)).scalars()
    return [(n.level, n.kind.value, n.recipients) for n in rows]


def mail(kind: str) -> list[str]:
    return list(db.session.execute(select(OutboxMessage.recipient).where(OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.id)).scalars())


def company(world) -> Company:
    return db.session.get(Company, world.company.id)


def sales_step(desk: Desk, order_id: int) -> ReviewStep:
    return desk.steps(order_id)[0]


def test_hook_review_overdue(make_app):
    """Fired by the sweep once per escalation level, and when a reviewer says why they are late; the
    order stays submitted; KPIs count each as a fact."""
    app = witness.watching(make_app, INTAKE, REVIEW, KPI)
    with app.app_context():
        world = factories.build_world(app)
        ids = chain(world)
        desk = Desk(app, world)
        order_id = desk.place()
        opened = sales_step(desk, order_id).opened_at

        sweep.sweep(company(world), opened + timedelta(hours=25))
        commit()
        sweep.sweep(company(world), opened + timedelta(hours=26))  # nothing new
        commit()
        sweep.sweep(company(world), opened + timedelta(hours=50))
        commit()

        received = witness.events(order_id, "review_overdue")
        assert [(r.status.value, r.payload["overdue"].level, r.payload["overdue"].escalated_to) for r in received] == [
            ("submitted", 1, (ids["manager"],)), ("submitted", 2, (ids["director"],))]
        first = received[0].payload["overdue"]
        assert (first.department, first.kind, first.due_at) == ("sales", OverdueKind.ESCALATION,
                                                                 opened + timedelta(hours=24))
        assert first.new_due_at == opened + timedelta(hours=25 + 24)
        facts = db.session.execute(select(func.count()).select_from(KpiEvent).where(
            KpiEvent.order_id == order_id, KpiEvent.event == KpiEventKind.REVIEW_OVERDUE)).scalar_one()
        assert facts == 2


def test_each_reviewer_and_superior_is_emailed_in_their_own_language(desk, world):
    chain(world)
    world.users["sales"].locale, world.users["manager"].locale = "en", "zh_CN"
    commit()
    order_id = desk.place()
    number = desk.order(order_id).display_number

    sweep.sweep(company(world), sales_step(desk, order_id).opened_at + timedelta(hours=25))
    commit()

    [reminder] = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "review_reminder")).scalars()
    [escalation] = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.kind == "review_escalation")).scalars()
    assert reminder.subject == f"Reminder: order {number} is waiting for your review"
    assert f"The Sales step of order {number} is past its limit." in reminder.body
    assert number in escalation.subject and "审核" in escalation.subject and "Escalated" not in escalation.subject


def test_the_sweep_reminds_once_and_escalates_one_level_per_expiry(desk, world):
    ids = chain(world)
    order_id = desk.place()
    step = sales_step(desk, order_id)
    opened = step.opened_at

    assert sweep.sweep(company(world), opened + timedelta(hours=23)) is None  # not late yet
    assert sweep.sweep(company(world), opened + timedelta(hours=25)) == "1 late review steps escalated"
    commit()
    assert sweep.sweep(company(world), opened + timedelta(hours=25, minutes=5)) is None  # run often: once
    commit()

    reviewers = sorted([ids["sales"], ids["administrator"]])
    assert notices(order_id) == [(1, "escalation", [ids["manager"]]), (1, "reminder", reviewers)]
    assert mail("review_reminder") == ["sales@acme.cn"] and mail("review_escalation") == ["mgr@acme.cn"]
    step = sales_step(desk, order_id)
    assert (step.escalation_level, step.escalated_to) == (1, [ids["manager"]])
    assert step.due_at == opened + timedelta(hours=25 + 24)  # a new limit from the escalation
    # The manager finds it in the inbox and may decide it.
    manager_tasks = desk.api("manager").get("/api/v1/tasks").get_json()["items"]
    assert [task["kind"] for task in manager_tasks] == ["review"]

    sweep.sweep(company(world), opened + timedelta(hours=50))
    commit()
    assert notices(order_id)[-1] == (2, "escalation", [ids["director"]])
    assert mail("review_reminder") == ["sales@acme.cn"]  # reminded once
    assert mail("review_escalation") == ["mgr@acme.cn", "dir@acme.cn"]

    assert desk.decide("manager", order_id, "sales", "approve").status_code == 200
    sweep.sweep(company(world), opened + timedelta(hours=200))  # finance is late now; sales is decided
    commit()
    sales_notices = db.session.execute(select(func.count()).select_from(ReviewNotice).where(
        ReviewNotice.step_id == step.id)).scalar_one()
    assert sales_notices == 3 and sales_step(desk, order_id).escalation_level == 2


def test_a_change_requests_late_step_is_escalated_like_an_orders(desk, world):
    ids = chain(world)
    order_id = desk.place()
    for department in ("sales", "finance", "production"):
        role = "administrator" if department == "sales" else department
        assert desk.decide(role, order_id, department, "approve").status_code == 200
    assert desk.order(order_id).status.value == "approved"
    asked = desk.api("sales").post(f"/api/v1/orders/{order_id}/changes",
                                   json={"lines": [{"line_no": 1, "quantity": "15"}], "reason": "客户追加数量"})
    assert asked.status_code == 201, asked.get_json()
    change_step = desk.steps(order_id)[-3]  # the change's round: sales first, on an approved order
    assert (change_step.round, change_step.department, change_step.status.value) == (2, "sales", "open")

    assert sweep.sweep(company(world), change_step.opened_at + timedelta(hours=25)) == "1 late review steps escalated"
    commit()
    assert [n for n in notices(order_id) if n[0] == 1] == [
        (1, "escalation", [ids["manager"]]), (1, "reminder", sorted([ids["sales"], ids["administrator"]]))]
    assert desk.steps(order_id)[-3].escalation_level == 1


def test_limits_are_counted_in_working_hours_across_a_weekend(desk, world):
    chain(world)
    calendar.set_calendar(world.company.id, weekdays=[1, 2, 3, 4, 5], day_start=time(9), day_end=time(18))
    commit()
    order_id = desk.place()
    zone = ZoneInfo(world.company.timezone)
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=zone)
    step = sales_step(desk, order_id)
    step.hours, step.opened_at = 4, friday
    step.due_at = calendar.add_working_hours(world.company.id, friday, step.hours)
    commit()
    assert step.due_at == datetime(2026, 12, 7, 11, 0, tzinfo=zone)  # two hours Friday, two Monday

    assert sweep.sweep(company(world), datetime(2026, 12, 5, 20, 0, tzinfo=zone)) is None  # Saturday
    assert sweep.sweep(company(world), datetime(2026, 12, 7, 10, 59, tzinfo=zone)) is None
    assert sweep.sweep(company(world), datetime(2026, 12, 7, 11, 30, tzinfo=zone)) is not None
    commit()
    assert sales_step(desk, order_id).due_at == datetime(2026, 12, 7, 15, 30, tzinfo=zone)


def test_a_reviewer_who_says_why_they_are_late_stops_the_reminders_and_tells_their_superior(desk, world):
    ids = chain(world)
    order_id = desk.place()
    step = sales_step(desk, order_id)

    assert desk.api("production").post(f"/api/v1/reviews/{step.id}/delay", json={"reason": "x"}).status_code == 403
    assert desk.api("sales").post(f"/api/v1/reviews/{step.id}/delay", json={"reason": ""}).status_code == 400
    response = desk.api("sales").post(f"/api/v1/reviews/{step.id}/delay", json={"reason": "客户资料待补，周一前答复"})
    assert response.status_code == 200 and response.get_json()["delay_reason"] == "客户资料待补，周一前答复"
    assert desk.api("sales").post(f"/api/v1/reviews/{step.id}/delay", json={"reason": "again"}).status_code == 409

    assert notices(order_id) == [(1, "delay", [ids["manager"]])]
    assert mail("review_delay") == ["mgr@acme.cn"]
    assert sweep.sweep(company(world), step.opened_at + timedelta(hours=100)) is None  # no reminders


def test_the_sweep_is_a_job_of_the_worker(desk, world):
    chain(world)
    order_id = desk.place()
    opened = sales_step(desk, order_id).opened_at
    jobs = collect_jobs(registry())
    assert "review.sweep" in jobs

    run = Worker({"review.sweep": jobs["review.sweep"]}).run("review.sweep", now=opened + timedelta(hours=30),
                                                             force=True)

    assert run is not None and "1 late review steps escalated" in (run.result or "")
    assert notices(order_id)[0][:2] == (1, "escalation")


def test_ordo_review_sweep_runs_it_once_from_the_command_line(app, desk, world):
    chain(world)
    order_id = desk.place()
    step = sales_step(desk, order_id)
    step.due_at = step.opened_at - timedelta(hours=1)  # already late now
    commit()

    result = app.test_cli_runner().invoke(args=["review", "sweep"])

    assert result.exit_code == 0, result.output
    assert "1 late review steps escalated" in result.output
    assert [n[:2] for n in notices(order_id)] == [(1, "escalation"), (1, "reminder")]


def test_ordo_review_sweep_as_of_a_moment_takes_that_moment_as_now(app, desk, world):
    chain(world)
    order_id = desk.place()
    step = sales_step(desk, order_id)
    due = step.due_at
    runner = app.test_cli_runner()

    before = runner.invoke(args=["review", "sweep", "--as-of", (due - timedelta(minutes=1)).isoformat()])
    assert before.exit_code == 0, before.output
    assert "nothing is late" in before.output and notices(order_id) == []

    as_of = due.astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(hours=1)
    after = runner.invoke(args=["review", "sweep", "--as-of", as_of.isoformat()])

    assert after.exit_code == 0, after.output
    assert "1 late review steps escalated" in after.output
    assert [n[:2] for n in notices(order_id)] == [(1, "escalation"), (1, "reminder")]
    escalated = sales_step(desk, order_id)
    assert escalated.overdue_at == as_of  # the run's "now" is the moment asked for
    assert escalated.due_at == calendar.add_working_hours(world.company.id, as_of, escalated.hours)


@pytest.mark.parametrize("value, problem", [
    ("tomorrow", "'tomorrow' is not an ISO 8601 date and time"),
    ("2026-12-07T09:00:00", "'2026-12-07T09:00:00' has no UTC offset"),
])
def test_ordo_review_sweep_refuses_a_bad_as_of_and_says_why(app, desk, world, value, problem):
    chain(world)
    order_id = desk.place()
    step = sales_step(desk, order_id)
    step.due_at = step.opened_at - timedelta(hours=1)  # late now: a run would escalate it
    commit()

    result = app.test_cli_runner().invoke(args=["review", "sweep", "--as-of", value])

    assert result.exit_code == 2
    assert "Invalid value for '--as-of'" in result.output and problem in result.output
    assert notices(order_id) == []


@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="needs PostgreSQL's row locks for two sweeps at once")
def test_two_sweeps_at_once_on_postgresql_escalate_and_remind_exactly_once(app, desk, world):
    chain(world)
    order_ids = [desk.place() for _ in range(3)]
    later = sales_step(desk, order_ids[0]).opened_at + timedelta(hours=30)
    company_id = world.company.id
    db.session.remove()
    ready = threading.Barrier(2)
    results: list[str | None] = []

    def sweeper() -> None:
        with app.app_context():
            ready.wait(timeout=10)
            try:
                results.append(sweep.sweep(db.session.get(Company, company_id), later))
                commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 2
    for order_id in order_ids:
        assert [n[:2] for n in notices(order_id)] == [(1, "escalation"), (1, "reminder")]
    assert len(mail("review_reminder")) == 3 and len(mail("review_escalation")) == 3
    assert services.current_round(desk.order(order_ids[0])) == 1
