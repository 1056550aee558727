"""Importing in Chromium, CSRF on: upload a GB18030 Taobao export, preview it on a 390 px phone, import it,
and the import's page follows the worker's job by itself (htmx polling) until the orders are listed."""
from __future__ import annotations

import re

import pytest

from core.models import Company, utcnow
from plugins.intake import import_jobs
from tests.e2e.browser import CHROMIUM, Console, expect, signed_in, tour_shot
from tests.plugins.intake.test_import_uploads import taobao_file

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def test_a_clerk_uploads_previews_and_imports_and_the_page_follows_the_job(portal, portal_app, browser, screenshots,
                                                                          tmp_path):
    base, _ids = portal
    export = tmp_path / "淘宝订单.csv"
    export.write_bytes(taobao_file(3))
    page = signed_in(browser, base, "acme-sales", **PHONE)
    console = Console(page)

    page.get_by_role("button", name="Menu").click()  # on a phone the menu folds, its order pages in one group
    page.locator(".topbar summary", has_text="Orders").click()
    page.get_by_role("link", name="Import orders").first.click()
    page.get_by_label("Order file (CSV in UTF-8 or GB18030, or Excel .xlsx)").set_input_files(str(export))
    page.locator("#mapping").select_option("taobao")
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r".*/imports/\d+$"))

    table = page.locator("table.import-preview")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("不锈钢阀门 DN50")
    expect(table).to_contain_text("→ Platform order number")
    page.screenshot(path=str(screenshots / "import-preview.png"), full_page=True)
    tour_shot(page, "import-preview")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The import's page comes back at the preview's address: wait for it, or the job may not be queued yet.
    with page.expect_navigation(url=re.compile(r".*/imports/\d+$")):
        page.get_by_role("button", name="Import", exact=True).click()
    status = page.locator("#import-status")
    expect(status).to_contain_text("Queued")
    expect(status).to_have_attribute("hx-trigger", "every 3s")

    with portal_app.app_context():
        company = Company.query.filter_by(code="ACME").one()
        assert import_jobs.run_queued(company, utcnow()) == "1 import(s) run"

    expect(status.locator(".created-orders a")).to_have_count(3, timeout=15_000)  # the polling, every 3 s
    expect(status).to_contain_text("Imported")
    expect(status).not_to_have_attribute("hx-trigger", re.compile(".*"))  # and it stops polling
    page.screenshot(path=str(screenshots / "import-done.png"), full_page=True)
    assert console.problems == []
