"""The task inbox: what every plugin taking part says is waiting for a user, most urgent first."""
from __future__ import annotations

from datetime import timedelta

from core.db import commit
from core.models import OrderStatus
from core.modules import set_enabled
from plugins.intake import services as intake
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION
from tests.plugins.intake.helpers import draft


def inspections(api: factories.ApiClient) -> list[tuple[str, bool]]:
    response = api.get("/api/v1/tasks")
    assert response.status_code == 200, response.get_json()
    return [(task["order_number"], task["late"]) for task in response.get_json() if task["kind"] == "inspection"]


def test_hook_inbox_tasks(make_app):
    """A plugin's tasks reach the inbox page and the API, late first; a plugin switched off still lists the
    work of the orders it was pinned on, and nothing once none of them is in flight."""
    app = make_app(plugins=[INTAKE, INSPECTION])  # no review: orders are approved on submission
    with app.app_context():
        world = factories.build_world(app)
        clerk, admin = world.users["sales"], world.users["administrator"]
        on_time = intake.submit(draft(world), clerk)
        late = intake.submit(draft(world), clerk)
        late.submitted_at -= timedelta(hours=30)  # due a day after submission: six hours late
        commit()
        production = factories.ApiClient(app, world.users["production"])

        assert inspections(production) == [(late.number, True), (on_time.number, False)]
        assert inspections(factories.ApiClient(app, clerk)) == []  # sales may not record inspections
        [task] = [t for t in production.get("/api/v1/tasks").get_json() if t["order_number"] == late.number]
        assert task["title"] == f"Inspect the goods of order {late.number}"
        assert task["url"].endswith(f"/orders/{late.id}")
        page = factories.portal_login(app, world.users["production"]).get("/inbox").get_data(as_text=True)
        assert f'<a href="/orders/{late.id}">Inspect the goods of order {late.number}</a>' in page

        set_enabled(world.company, "inspection", False, actor=admin)
        newer = intake.submit(draft(world), clerk)  # submitted with the plugin off: not pinned on it
        commit()
        assert {late.number, on_time.number} <= {number for number, _ in inspections(production)}

        intake.cancel(late, clerk, "客户取消")
        intake.cancel(on_time, clerk, "客户取消")
        commit()
        # The newer order is approved and uninspected, but no order in flight pins the plugin any more.
        assert newer.status == OrderStatus.APPROVED
        assert inspections(production) == []
