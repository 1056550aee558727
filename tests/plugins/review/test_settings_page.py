"""The review settings page: an administrator edits the steps, policy, reasons, capacity and calendar,
and previews a sample order's review."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import event, select

from core.contracts import StepPolicy
from core.extensions import db
from core.models import WorkingCalendar
from plugins.review import policy
from tests import factories


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_only_an_administrator_opens_the_settings(app, world):
    assert factories.portal_login(app, world.users["sales"]).get("/reviews/settings").status_code == 403
    page = factories.portal_login(app, world.users["administrator"]).get("/reviews/settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="production"' in html and "24×7" in html


def test_the_steps_pickers_show_permissions_roles_and_people_by_their_labels(app, world):
    page = factories.portal_login(app, world.users["administrator"]).get("/reviews/settings")

    html = page.get_data(as_text=True)
    shown = re.sub(r"<[^>]+>", " ", html)  # what a reader sees: no attribute, no option value
    assert re.search(r'<option selected value="review.decide.finance">\s*Decide the finance review step', html)
    assert "Decide the manager&#39;s review step (credit limit)" in shown  # every deciding permission is offered
    assert 'value="customer_service"' in html and "Customer service" in shown
    assert f'value="{world.users["production"].id}"' in html and "(acme-production)" in shown
    assert f'value="{world.customer_user.id}"' not in html  # a customer never decides a step
    typed = re.sub(r"\(acme-[a-z_]+\)", "", shown)  # user names are as their users typed them
    assert "review.decide" not in typed and "customer_service" not in typed


def test_the_page_reads_as_many_statements_with_many_steps_and_people_as_with_few(app, world):
    admin = factories.portal_login(app, world.users["administrator"])
    with statements() as few:
        assert admin.get("/reviews/settings").status_code == 200
    for n in range(8):
        factories.user(world.company, "finance", username=f"finance-{n}")
    policy.save_steps(world.company.id, policy.step_rows(world.company.id) + [
        policy.StepRow(f"legal_{n}", f"Legal {n}", "review.decide.manager", 40 + n, 8, roles=("manager",))
        for n in range(4)], actor=world.users["administrator"])
    db.session.commit()

    with statements() as many:
        page = admin.get("/reviews/settings")

    assert page.status_code == 200 and "Legal 3" in page.get_data(as_text=True)
    assert len(many) == len(few)
    assert not [s for s in many if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_the_administrator_saves_parallel_steps_with_a_quorum(app, world):
    admin = factories.portal_login(app, world.users["administrator"])
    form = {
        "steps-0-department": "sales", "steps-0-label": "Sales", "steps-0-permission": "review.decide.sales",
        "steps-0-sequence": "10", "steps-0-hours": "8", "steps-0-policy": "any", "steps-0-quorum": "1",
        "steps-0-enabled": "y",
        "steps-1-department": "finance", "steps-1-label": "Finance", "steps-1-permission": "review.decide.finance",
        "steps-1-sequence": "20", "steps-1-hours": "16", "steps-1-policy": "quorum", "steps-1-quorum": "2",
        "steps-1-enabled": "y",
        "steps-2-department": "production", "steps-2-label": "Production", "steps-2-sequence": "20",
        "steps-2-hours": "16", "steps-2-policy": "all", "steps-2-users": str(world.users["production"].id),
        "steps-2-roles": ["production", "manager"], "steps-2-enabled": "y",
        "steps-3-department": "",
    }

    response = admin.post("/reviews/settings/steps", data=form, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "The review steps are saved" in html, re.findall(r"flash[^>]*>([^<]*)", html)
    rows = policy.step_rows(world.company.id)
    assert [(r.department, r.sequence, r.policy, r.quorum, r.roles, r.users) for r in rows] == [
        ("sales", 10, StepPolicy.ANY, 1, (), ()), ("finance", 20, StepPolicy.QUORUM, 2, (), ()),
        ("production", 20, StepPolicy.ALL, 1, ("production", "manager"), (world.users["production"].id,))]
    assert rows[2].permission == "review.decide.production"


def test_a_person_role_or_permission_not_offered_is_refused_and_nothing_is_saved(app, world):
    other = factories.build_world(app, "XYZ")
    admin = factories.portal_login(app, world.users["administrator"])
    refused = {"users": (str(other.users["sales"].id), "row 1, Only these people: "),
               "roles": ("nobody", "row 1, Only these roles: "),
               "permission": ("admin.users", "row 1, Who may decide it (permission): ")}
    for name, (value, message) in refused.items():
        response = admin.post("/reviews/settings/steps", data={
            "steps-0-department": "sales", "steps-0-label": "Sales", "steps-0-sequence": "10", "steps-0-hours": "8",
            "steps-0-policy": "any", f"steps-0-{name}": value}, follow_redirects=True)

        assert message in response.get_data(as_text=True), name
        assert [r.department for r in policy.step_rows(world.company.id)] == ["sales", "finance", "production"]


def test_the_administrator_saves_the_working_hours_and_holidays(app, world):
    admin = factories.portal_login(app, world.users["administrator"])
    response = admin.post("/reviews/settings/calendar", data={
        "weekdays": ["1", "2", "3", "4", "5"], "day_start": "09:00", "day_end": "18:00",
        "holidays": "2027-01-01 元旦\n2027-02-17 春节"}, follow_redirects=True)
    assert "The working-hours calendar is saved" in response.get_data(as_text=True)
    row = db.session.execute(select(WorkingCalendar)).scalar_one()
    assert row.weekdays == [1, 2, 3, 4, 5]

    bad = admin.post("/reviews/settings/calendar", data={
        "weekdays": ["1"], "day_start": "09:00", "day_end": "18:00", "holidays": "1st of May"}, follow_redirects=True)
    assert "a holiday starts with its date" in bad.get_data(as_text=True)


def test_the_preview_shows_a_sample_orders_steps_and_findings_without_writing(app, desk, world):
    order_id = desk.draft(("P001", "10", "90.00"))
    order = desk.order(order_id)
    order.number = "SO-SAMPLE-1"
    db.session.commit()
    admin = factories.portal_login(app, world.users["administrator"])

    html = admin.get("/reviews/settings?order=SO-SAMPLE-1").get_data(as_text=True)

    assert 'data-step="finance"' in html and "Floor price rule" in html
    assert "The rules would reject this order before anyone is asked." in html
    assert "There is no order SO-NOPE." in admin.get("/reviews/settings?order=SO-NOPE").get_data(as_text=True)


def test_the_order_page_offers_the_override_to_a_manager_and_the_delay_form_to_the_reviewer(app, desk, world):
    policy.save_settings(world.company.id, allow_self_approval=False, max_discount=Decimal("0.1"),
                         actor=world.users["administrator"])
    db.session.commit()
    order_id = desk.place(("P001", "10", "100.00"))

    manager_page = factories.portal_login(app, world.users["manager"]).get(f"/orders/{order_id}").get_data(as_text=True)
    sales_page = factories.portal_login(app, world.users["sales"]).get(f"/orders/{order_id}").get_data(as_text=True)

    assert "review-override" in manager_page and "Blocking" in manager_page
    assert "review-override" not in sales_page
    assert f'action="/reviews/{desk.steps(order_id)[0].id}/delay"' in sales_page
    assert 'name="reason_code"' in sales_page
