"""The portal walk of acceptance and cases: the customer judges each line on the shipment's page, refuses one,
and reports a problem later; staff resolve the case from the same page."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from plugins.logistics.acceptance.models import LineAcceptance, Verdict
from plugins.logistics.cases.models import CaseStatus, ProblemCase
from tests.factories import portal_login, reload
from tests.plugins.logistics.orders import submitted_order
from tests.plugins.logistics.test_acceptance_api import _dispatched, _lines


def test_the_customer_accepts_one_line_refuses_another_and_reports_a_problem_in_the_portal(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    valve, seal = _lines(shipment)
    customer = portal_login(app, world.customer_user)
    page = customer.get(f"/orders/{order.id}")
    assert page.status_code == 200
    assert f'href="/shipments/{shipment["id"]}#acceptance"' in page.get_data(as_text=True)
    assert f'name="verdict-{seal["id"]}"' in customer.get(f"/shipments/{shipment['id']}").get_data(as_text=True)

    posted = customer.post(f"/shipments/{shipment['id']}/lines/acceptance", data={
        f"verdict-{valve['id']}": "accepted", f"verdict-{seal['id']}": "refused",
        f"refused-{seal['id']}": "3", f"reason-{seal['id']}": "damaged", "rating": "4", "comment": "外箱破损"})
    assert posted.status_code == 302
    verdicts = {row.shipment_line_id: row for row in db.session.execute(select(LineAcceptance)).scalars()}
    assert verdicts[valve["id"]].verdict == Verdict.ACCEPTED and verdicts[seal["id"]].verdict == Verdict.REFUSED
    case = db.session.execute(select(ProblemCase)).scalar_one()
    assert case.quantity == 3 and case.status == CaseStatus.OPEN

    staff = portal_login(app, world.users["customer_service"])
    shown = staff.get(f"/orders/{order.id}").get_data(as_text=True)
    assert case.number in shown
    assert staff.post(f"/cases/{case.id}/resolve", data={"resolution": "return", "note": "退回"}).status_code == 302
    db.session.expire_all()
    assert reload(case).status == CaseStatus.RESOLVED
    assert reload(order).status.value in ("delivered", "completed")  # the returned seals are owed no more

    reported = customer.post(f"/orders/{order.id}/cases", data={"case_type": "quality", "description": "阀门漏水"})
    assert reported.status_code == 302
    assert len(db.session.execute(select(ProblemCase)).scalars().all()) == 2
