"""The portal walk of acceptance and cases: the customer judges each line on the shipment's page, refuses one,
and reports a problem later; staff resolve the case from the same page."""
from __future__ import annotations

import io

from sqlalchemy import select

from core.extensions import db
from plugins.logistics.acceptance.models import AcceptanceAttachment, LineAcceptance, Verdict
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


def test_a_refused_acceptance_comes_back_with_the_error_beside_its_line_and_nothing_recorded(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    valve, seal = _lines(shipment)
    customer = portal_login(app, world.customer_user)
    posted = customer.post(f"/shipments/{shipment['id']}/lines/acceptance", data={
        f"verdict-{valve['id']}": "accepted", f"note-{valve['id']}": "很好",
        f"verdict-{seal['id']}": "refused", f"refused-{seal['id']}": "500", f"reason-{seal['id']}": "damaged",
        "rating": "2", "comment": "外箱破损"})
    page = posted.get_data(as_text=True)
    assert posted.status_code == 422
    refused_cell = page[page.index(f'name="refused-{seal["id"]}"'):]
    refused_cell = refused_cell[:refused_cell.index("</td>")]
    assert "more than the 200 shipped" in refused_cell and 'value="500"' in refused_cell
    assert '<option value="refused" selected>' in page and '<option value="damaged" selected>' in page
    assert 'value="很好"' in page and "外箱破损" in page and '<option selected value="2">' in page
    assert db.session.execute(select(LineAcceptance)).first() is None

    no_reason = customer.post(f"/shipments/{shipment['id']}/lines/acceptance", data={
        f"verdict-{seal['id']}": "refused", f"refused-{seal['id']}": "2", "rating": ""})
    page = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 422 and f'id="reason-{seal["id"]}-error1"' in page, [l for l in page.splitlines() if "error" in l]
    assert db.session.execute(select(LineAcceptance)).first() is None


def test_the_customer_attaches_a_photo_on_the_shipment_page_and_anything_else_is_refused_beside_the_field(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    customer = portal_login(app, world.customer_user)
    url = f"/shipments/{shipment['id']}/attachments"
    photo = customer.post(url, data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "破损.png")},
                          content_type="multipart/form-data")
    assert photo.status_code == 302
    (row,) = db.session.execute(select(AcceptanceAttachment)).scalars()
    assert (row.filename, row.content_type) == ("破损.png", "image/png")
    served = customer.get(f"/shipments/{shipment['id']}/attachments/{row.id}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert "破损.png" in customer.get(f"/shipments/{shipment['id']}").get_data(as_text=True)

    script = customer.post(url, data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "photo.png")},
                           content_type="multipart/form-data")
    page = script.get_data(as_text=True)
    assert script.status_code == 422
    assert 'id="file-error1">the file is not a PNG or JPEG image or a PDF' in page
    assert len(db.session.execute(select(AcceptanceAttachment)).all()) == 1
    other = portal_login(app, world.users["sales"]).get(f"/shipments/{shipment['id']}/attachments/{row.id}")
    assert other.status_code == 200  # staff who see shipments see the photo


def test_a_control_character_in_a_lines_remark_is_refused_beside_it(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    valve, _seal = _lines(shipment)
    customer = portal_login(app, world.customer_user)
    posted = customer.post(f"/shipments/{shipment['id']}/lines/acceptance", data={
        f"verdict-{valve['id']}": "accepted_with_reservations", f"note-{valve['id']}": "外箱\x1b破损", "rating": ""})
    assert posted.status_code == 422 and f'id="note-{valve["id"]}-error1"' in posted.get_data(as_text=True)
    assert db.session.execute(select(LineAcceptance)).first() is None
