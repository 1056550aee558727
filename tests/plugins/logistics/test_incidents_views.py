"""The order page's incidents panel: staff record an incident there, see the at-risk state and confirm the notice."""
from __future__ import annotations

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from plugins.logistics.incidents import sweep
from plugins.logistics.incidents.models import Incident
from tests import factories
from tests.plugins.logistics import execution as setup
from tests.plugins.logistics import risk


def test_staff_record_an_incident_on_the_order_page_and_the_customer_sees_none_of_it(app, world):
    setup.template(world)
    order = risk.confirmed_order(world)
    production = factories.portal_login(app, world.users["production"])

    page = production.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Incidents and delays" in page and "Record an incident" in page

    production.post(f"/orders/{order.id}/incidents", data={
        "incident-kind": "material_shortage", "incident-task_id": "", "incident-delay_hours": "500",
        "incident-description": "钢材断货"}, follow_redirects=True)
    [incident] = db.session.execute(select(Incident)).scalars()
    assert (incident.kind.value, str(incident.delay_hours), incident.task_id) == ("material_shortage", "500.00", None)

    production.post(f"/orders/{order.id}/incidents", data={
        "incident-kind": "other", "incident-delay_hours": "-1", "incident-description": "x"}, follow_redirects=True)
    assert len(db.session.execute(select(Incident)).scalars().all()) == 1

    sweep.sweep(risk.company(world), risk.after_the_deadline(order))
    commit()
    sales = factories.portal_login(app, world.users["sales"]).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "At risk: the promised date" in sales and "Confirm and tell the customer" in sales

    customer = factories.portal_login(app, world.customer_user).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "钢材断货" not in customer and "Incidents and delays" not in customer
