"""Order documents: the kinds the plugins pinned on an order offer, and who may open them."""
from __future__ import annotations

import subprocess
from pathlib import Path

from core.db import commit
from core.documents import document_kinds
from core.modules import set_enabled
from plugins.intake import services as intake
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories
from tests.core.samples.inspection import services as inspection
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION
from tests.plugins.intake.helpers import draft


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
    assert refused.status_code == 403 and "inspection.record" in refused.get_json()["detail"]
    link = f'<a href="/orders/{order.id}/documents/certificate">Certificate of conformity (PDF)</a>'
    assert link in page.get_data(as_text=True)
    assert "documents/certificate" not in sales_page.get_data(as_text=True)
