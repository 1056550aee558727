"""Problem cases in the portal: the customer reports a problem with a delivered order on its own page (the line
and quantity when it is one line's); a refused report comes back with the error beside its field."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from plugins.logistics.cases.models import CaseSource, CaseType, ProblemCase
from tests.factories import ApiClient, portal_login
from tests.plugins.logistics.orders import submitted_order
from tests.plugins.logistics.test_acceptance_api import _dispatched


def _delivered(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    ApiClient(app, world.users["customer_service"]).post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                         json={"signed_by": "王海"})
    return order


def test_the_customer_reports_a_problem_on_one_line_of_a_delivered_order(app, world):
    order = _delivered(app, world)
    valve = min(order.lines, key=lambda line: line.line_no)
    customer = portal_login(app, world.customer_user)
    assert f'href="/orders/{order.id}/cases/new"' in customer.get(f"/orders/{order.id}").get_data(as_text=True)
    form = customer.get(f"/orders/{order.id}/cases/new").get_data(as_text=True)
    assert f'<option value="{valve.id}">1. {valve.description}</option>' in form

    reported = customer.post(f"/orders/{order.id}/cases", data={
        "case_type": "quality", "order_line_id": str(valve.id), "quantity": "2", "description": "两只阀门漏水"})
    assert reported.status_code == 302 and reported.headers["Location"].endswith(f"/orders/{order.id}")
    case = db.session.execute(select(ProblemCase)).scalar_one()
    assert (case.case_type, case.source, case.order_line_id, case.quantity) == (
        CaseType.QUALITY, CaseSource.REPORT, valve.id, Decimal(2))


def test_a_refused_report_keeps_the_text_and_names_the_field(app, world):
    order = _delivered(app, world)
    valve = min(order.lines, key=lambda line: line.line_no)
    customer = portal_login(app, world.customer_user)
    too_many = customer.post(f"/orders/{order.id}/cases", data={
        "case_type": "damaged", "order_line_id": str(valve.id), "quantity": "11", "description": "外箱压坏"})
    page = too_many.get_data(as_text=True)
    assert too_many.status_code == 422
    assert 'id="quantity-error1">11 is more than the 10 ordered of this line' in page
    assert "外箱压坏</textarea>" in page and f'<option selected value="{valve.id}">' in page
    assert '<option selected value="damaged">' in page

    empty = customer.post(f"/orders/{order.id}/cases", data={"case_type": "late", "order_line_id": "",
                                                            "description": ""})
    assert empty.status_code == 422 and 'id="description-error1"' in empty.get_data(as_text=True)
    assert db.session.execute(select(ProblemCase)).first() is None
