"""Order documents: the kinds the plugins pinned on an order offer, who may open them, and how they
are stored: rendered once per version of their source and variant, served with an ETag.

Renders are counted at the app's PDF renderer (``app.extensions["ordo.pdf"]``),
so "renders nothing" means WeasyPrint was not called at all.
"""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import commit
from core.documents import address_tag, document_kinds, render_due, stored_document
from core.extensions import db
from core.models import AppendOnlyError, LoginAttempt, StoredDocument, utcnow
from core.modules import set_enabled
from plugins.intake import services as intake
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories, orders
from tests.core.samples.inspection import services as inspection
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION
from tests.core.test_queries import WRITES, statements
from tests.flows import fifty_products
from tests.plugins.intake.helpers import draft


@pytest.fixture
def renders(app, monkeypatch) -> list[str]:
    """The templates the app renders to PDF from now on, one entry per render."""
    renderer = app.extensions["ordo.pdf"]
    rendered: list[str] = []
    render = renderer.render

    def counted(template, **context):
        rendered.append(template)
        return render(template, **context)

    monkeypatch.setattr(renderer, "render", counted)
    return rendered


def a_draft(world) -> object:
    order = orders.draft(world)
    commit()
    return order


def row_address(row: StoredDocument) -> dict[str, object]:
    return {name: getattr(row, name) for name in ("kind", "entity", "entity_id", "version", "variant")}


def stored(order) -> list[StoredDocument]:
    db.session.expire_all()
    return list(db.session.execute(
        select(StoredDocument).where(StoredDocument.order_id == order.id).order_by(StoredDocument.id)
    ).scalars())


def confirmation(order) -> str:
    return f"/orders/{order.id}/documents/confirmation"


def test_a_second_get_serves_the_stored_bytes_and_renders_nothing(app, world, renders):
    order = a_draft(world)
    sales = factories.portal_login(app, world.users["sales"])

    first = sales.get(confirmation(order))
    second = sales.get(confirmation(order))

    assert first.status_code == second.status_code == 200
    assert renders == ["order_confirmation.html"]
    assert second.data == first.data and first.data.startswith(b"%PDF-")
    [row] = stored(order)
    assert (row.company_id, row.kind, row.entity, row.entity_id) == (world.company.id, "confirmation", "order",
                                                                       order.id)
    assert row.version.startswith("r1-") and row.variant == "en:prices"
    assert row.content == first.data and row.size == len(first.data)
    assert row.content_hash == hashlib.sha256(first.data).hexdigest()


@pytest.mark.parametrize("through", ["portal", "api"])
def test_the_etag_names_the_stored_version_and_a_client_that_has_it_gets_a_304(app, world, through):
    order = a_draft(world)
    if through == "portal":
        client, path = factories.portal_login(app, world.users["sales"]), confirmation(order)
    else:
        client, path = factories.ApiClient(app, world.users["sales"]), f"/api/v1{confirmation(order)}"

    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    other = client.get(path, headers={"If-None-Match": '"0123456789abcdef"'})

    assert first.status_code == 200
    [row] = stored(order)
    assert first.headers["ETag"] == f'"{address_tag(row_address(row))}"' != f'"{row.content_hash}"'
    assert set(first.headers["Cache-Control"].split(", ")) == {"private", "no-cache"}
    assert first.headers["Content-Disposition"] == f'inline; filename="confirmation-#{order.id}.pdf"'
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert other.status_code == 200 and other.data == first.data


def test_a_rendering_served_unstored_is_tagged_by_its_bytes(app, world):
    """Under SQLite's write lock, held by the caller, a first rendering is served unstored: the bytes stored later
    for the same version may differ to the byte, so its ETag is its own bytes' hash, not the version's tag."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite's single write lock keeps a rendering from being stored")
    order = a_draft(world)
    order.notes = "请在周五前送达"
    db.session.flush()  # the caller has written: it holds the write lock

    served = stored_document(order, "confirmation", world.users["sales"])

    assert served.stored_id is None and served.etag == served.content_hash == hashlib.sha256(served.content).hexdigest()
    db.session.rollback()
    assert stored(order) == []


def test_a_changed_draft_is_a_new_version_and_the_old_bytes_stay_stored(app, world, renders):
    order = a_draft(world)
    sales = factories.portal_login(app, world.users["sales"])
    before = sales.get(confirmation(order))

    edited = factories.ApiClient(app, world.users["sales"]).patch(
        f"/api/v1/orders/{order.id}", json={"notes": "请在周五前送达"})
    after = sales.get(confirmation(order))
    again = sales.get(confirmation(order))

    assert edited.status_code == 200, edited.get_json()
    assert after.headers["ETag"] != before.headers["ETag"] and again.data == after.data
    assert renders == ["order_confirmation.html"] * 2
    old, new = stored(order)
    assert old.version != new.version and old.variant == new.variant
    assert old.content == before.data and new.content == after.data


def test_a_new_revision_of_the_order_is_a_new_version(app, world):
    order = a_draft(world)
    sales = factories.portal_login(app, world.users["sales"])
    sales.get(confirmation(order))

    order.revision = 2  # what an approved change request makes
    commit()
    sales.get(confirmation(order))

    assert [row.version[:3] for row in stored(order)] == ["r1-", "r2-"]


def test_a_status_change_alone_keeps_the_version(make_app):
    app = make_app(plugins=[INTAKE])  # review and logistics off: approved at submission, delivered by hand
    with app.app_context():
        world = factories.build_world(app)
        order = a_draft(world)
        api = factories.ApiClient(app, world.users["administrator"])
        assert api.post(f"/api/v1/orders/{order.id}/submit").status_code == 200
        portal = factories.portal_login(app, world.users["sales"])
        approved = portal.get(confirmation(order))

        delivered = api.post(f"/api/v1/orders/{order.id}/mark-delivered", json={"signed_by": "王经理"})
        later = portal.get(confirmation(order))

        assert delivered.status_code == 200, delivered.get_json()
        assert later.headers["ETag"] == approved.headers["ETag"]
        assert len(stored(order)) == 1


def test_who_may_not_see_prices_gets_a_rendering_of_their_own(app, world, renders):
    order = a_draft(world)
    production = factories.portal_login(app, world.users["production"])
    sales = factories.portal_login(app, world.users["sales"])

    hidden = production.get(confirmation(order))
    shown = sales.get(confirmation(order))
    hidden_again = production.get(confirmation(order))

    assert hidden.data != shown.data and hidden_again.data == hidden.data
    assert renders == ["order_confirmation.html"] * 2
    assert {row.variant: row.content for row in stored(order)} == {"en:no-prices": hidden.data,
                                                                   "en:prices": shown.data}


@pytest.mark.parametrize(("customer_language", "clerk_language", "title", "variant"), [
    ("en", "zh_CN", "Order confirmation", "en:prices"),
    ("zh_CN", "en", "订单确认书", "zh_Hans_CN:prices"),
])
def test_a_document_is_in_the_customers_language_whoever_asks(app, world, tmp_path, customer_language,
                                                               clerk_language, title, variant):
    order = a_draft(world)
    order.customer.language = customer_language
    world.users["sales"].locale = clerk_language
    world.users["finance"].locale = customer_language
    commit()

    by_the_clerk = factories.portal_login(app, world.users["sales"]).get(confirmation(order))
    by_another = factories.portal_login(app, world.users["finance"]).get(confirmation(order))

    assert by_the_clerk.status_code == 200 and by_the_clerk.data == by_another.data
    assert [row.variant for row in stored(order)] == [variant]
    assert title in pdf_text(by_the_clerk.data, tmp_path)


def test_a_customer_without_a_language_reads_the_companys(app, world, tmp_path):
    order = a_draft(world)
    world.company.language = "zh_CN"
    commit()

    response = factories.portal_login(app, world.users["sales"]).get(confirmation(order))

    assert "订单确认书" in pdf_text(response.data, tmp_path)
    assert [row.variant for row in stored(order)] == ["zh_Hans_CN:prices"]


def test_every_document_carries_the_sellers_profile_and_no_internal_code(app, world, tmp_path):
    world.company.legal_name = "Acme Trading Co., Ltd."
    world.company.address = "88 Zhangjiang Road, Shanghai"
    world.company.phone = "+86 21 5080 1234"
    world.company.tax_id = "91310115MA1K4B2C3J"
    world.company.bank, world.company.bank_account = "ICBC Zhangjiang", "1001 2345 6789"
    order = a_draft(world)
    order.customer.language = "en"
    commit()

    text = pdf_text(factories.portal_login(app, world.users["sales"]).get(confirmation(order)).data, tmp_path)

    for printed in ("Acme Trading Co., Ltd.", "88 Zhangjiang Road, Shanghai", "+86 21 5080 1234",
                    "91310115MA1K4B2C3J", "ICBC Zhangjiang", "1001 2345 6789"):
        assert printed in text
    for internal in ("ACME", world.customers[0].code, "cash_on_delivery", "express"):
        assert internal not in text


def test_a_new_profile_is_a_new_version_of_the_documents(app, world):
    order = a_draft(world)
    sales = factories.portal_login(app, world.users["sales"])
    before = sales.get(confirmation(order))
    world.company.tax_id = "91310115MA1K4B2C3J"
    commit()

    after = sales.get(confirmation(order))

    assert after.data != before.data and len(stored(order)) == 2


def test_permission_and_availability_are_checked_before_any_etag(app, world):
    order = a_draft(world)
    theirs = orders.draft(world, customer=world.customers[1])
    commit()
    etag = factories.portal_login(app, world.users["sales"]).get(confirmation(order)).headers["ETag"]
    buyer = factories.portal_login(app, world.users["customer"])
    production = factories.ApiClient(app, world.users["production"])

    assert buyer.get(confirmation(theirs), headers={"If-None-Match": etag}).status_code == 404
    assert buyer.get(f"/orders/{order.id}/documents/delivery_note",
                     headers={"If-None-Match": "*"}).status_code == 404  # no shipment yet
    assert buyer.get(f"/orders/{order.id}/documents/receipt", headers={"If-None-Match": "*"}).status_code == 404
    refused = production.get(f"/api/v1/orders/{order.id}/documents/invoice", headers={"If-None-Match": "*"})
    assert refused.status_code == 403 and refused.get_json()["permissions"] == ["billing.view"]
    assert [row.kind for row in stored(order)] == ["confirmation"] and stored(theirs) == []


def test_two_first_requests_at_once_store_one_row_and_both_serve_it(app, world, monkeypatch):
    order = a_draft(world)
    renderer = app.extensions["ordo.pdf"]
    render = renderer.render
    calls = []
    served_meanwhile = []

    def render_while_another_request_stores_first(template, **context):
        calls.append(template)
        pdf = render(template, **context)
        if len(calls) == 1:  # the first request, still rendering when the second one finishes
            served_meanwhile.append(stored_document(order, "confirmation", world.users["administrator"]))
            return pdf + b"\n% the slower request's own rendering"
        return pdf

    monkeypatch.setattr(renderer, "render", render_while_another_request_stores_first)
    slower = stored_document(order, "confirmation", world.users["sales"])

    [row] = stored(order)
    [faster] = served_meanwhile
    assert slower.content == faster.content == row.content
    assert slower.content_hash == faster.content_hash == row.content_hash
    assert not slower.content.endswith(b"rendering")


def test_a_caller_that_has_written_still_gets_its_document(app, world):
    order = a_draft(world)
    db.session.add(LoginAttempt(username="someone", succeeded=False))
    db.session.flush()  # an unrelated write the caller has not committed yet

    first = stored_document(order, "confirmation", world.users["sales"])
    commit()
    second = stored_document(order, "confirmation", world.users["sales"])

    assert first.content_hash == second.content_hash
    assert [row.content_hash for row in stored(order)] == [second.content_hash]


def test_a_stored_document_is_never_changed(app, world):
    order = a_draft(world)
    stored_document(order, "confirmation", world.users["sales"])
    [row] = stored(order)

    row.content = b"%PDF- something else"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_a_stored_documents_get_sends_as_many_statements_for_50_lines_as_for_one(make_app):
    """The order's confirmation and its invoice, stored, served to their API callers: the token, the order,
    the version of what the document shows and the stored row, whatever the order holds; and nothing written.

    Each GET runs outside the test's application context, with a session of its own, as served."""
    app = make_app()
    with app.app_context():
        world, flow = fifty_products(app)
        built = {}
        for lines in (1, 50):
            order = orders.submitted(world, lines=[(product, "2", None) for product in world.products[:lines]])
            commit()
            flow.approve_review({"id": order.id})
            flow.deliver({"id": order.id}, logistics=True)  # invoiced on delivery
            built[lines] = order.id
        render_due(utcnow())  # the worker renders the invoices made due
        commit()
        api = factories.ApiClient(app, world.users["administrator"])
        engine = db.engine
    api.get("/api/v1/me").close()  # the token's use is recorded once, after this response
    counts: dict[str, dict[int, int]] = {}
    for kind in ("confirmation", "invoice"):
        for lines, order_id in built.items():
            path = f"/api/v1/orders/{order_id}/documents/{kind}"
            api.get(path).close()  # the confirmation's first GET renders and stores it
            with statements(engine) as seen:
                response = api.get(path)
                response.close()  # as a server does once the body is sent
            assert response.status_code == 200 and response.data.startswith(b"%PDF-"), (kind, lines)
            assert not [s for s in seen if s.lstrip().upper().startswith(WRITES)], (kind, seen)
            assert len([s for s in seen if "FROM stored_document" in s]) == 1, (kind, seen)
            counts.setdefault(kind, {})[lines] = len(seen)
            # A client that has this version gets its 304 without the stored bytes being read.
            with statements(engine) as again:
                cached = api.get(path, headers={"If-None-Match": response.headers["ETag"]})
                cached.close()
            assert cached.status_code == 304 and cached.headers["ETag"] == response.headers["ETag"], (kind, lines)
            assert not [s for s in again if "FROM stored_document" in s] and len(again) == len(seen) - 1, again
    assert all(len(set(by_lines.values())) == 1 for by_lines in counts.values()), counts


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_hook_document_kinds(make_app, tmp_path):
    """A plugin's document is served as a PDF once the order has what it shows, to who holds its permission,
    and linked on the order page; orders submitted while the plugin was off do not offer it."""
    app = make_app(plugins=[INTAKE, INSPECTION])
    with app.app_context():
        world = factories.build_world(app)
        order = intake.submit(draft(world), world.users["sales"])
        commit()
        production = factories.ApiClient(app, world.users["production"])
        path = f"/api/v1/orders/{order.id}/documents/certificate"

        assert str(document_kinds(order)["certificate"].label) == "Certificate of conformity"
        before = production.get(path)  # nothing inspected yet
        inspection.inspect(order, world.users["production"], "10 valves pass the pressure test")
        commit()
        served = production.get(path)
        refused = factories.ApiClient(app, world.users["sales"]).get(path)
        page = factories.portal_login(app, world.users["production"]).get(f"/orders/{order.id}")
        sales_page = factories.portal_login(app, world.users["sales"]).get(f"/orders/{order.id}")

        set_enabled(world.company, "inspection", False, actor=world.users["administrator"])
        later = intake.submit(draft(world), world.users["sales"])
        commit()
        assert "certificate" not in document_kinds(later)
        assert "certificate" in document_kinds(order)  # pinned when it was submitted

    assert before.status_code == 404 and order.number in before.get_json()["detail"]
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    text = pdf_text(served.data, tmp_path)
    assert f"Order {order.number}" in text and "10 valves pass the pressure test" in text and "合格证" in text
    assert refused.status_code == 403 and refused.get_json()["permissions"] == ["inspection.record"]
    link = f'<a href="/orders/{order.id}/documents/certificate">Certificate of conformity (PDF)</a>'
    assert link in page.get_data(as_text=True)
    assert "documents/certificate" not in sales_page.get_data(as_text=True)
