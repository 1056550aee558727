"""On a 390 px phone, in Chromium: logistics prepares part of an order by freight (only freight's fields
asked), checks each line (one fails, with its reason), is told the company's block mode holds the shipment
back, fixes the check and dispatches it. The test reads what was stored."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Order, OrderStatus
from plugins.logistics.shipments.models import CheckResult, Shipment, ShipmentStatus
from tests.e2e.browser import CHROMIUM, Console, expect, signed_in
from tests.e2e.test_customer_acceptance import REFUSED_FORM, _flow
from tests.e2e.test_phone_layout import PHONE, check

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def approved_order(app) -> int:
    with app.app_context():
        flow = _flow(app)
        valve, seal = flow.world.products
        flow.ok(flow.api["administrator"].put("/api/v1/logistics/settings", json={
            "carriers": ["德邦物流", "顺丰速运"], "check_mode": "block"}))
        order = flow.submit(flow.create(lines=[{"product_id": valve.id, "quantity": "10"},
                                               {"product_id": seal.id, "quantity": "200"}]))
        flow.approve_review(order)
        return order["id"]


def shipments_of(app, order_id: int) -> list[tuple]:
    with app.app_context():
        order = db.session.get_one(Order, order_id)
        by_line = {line.id: line.line_no for line in order.lines}
        return [(shipment.status, shipment.carrier, shipment.vehicle, shipment.waybill_number,
                 {by_line[line.order_line_id]: (line.quantity, line.check_result, line.check_reason)
                  for line in shipment.lines}, order.status)
                for shipment in db.session.execute(select(Shipment).where(Shipment.order_id == order_id)).scalars()]


def test_logistics_prepares_part_of_an_order_checks_it_and_dispatches_it_on_a_390_px_phone(
        portal, portal_app, browser, screenshots):
    base, _ids = portal
    order_id = approved_order(portal_app)
    page = signed_in(browser, base, "acme-logistics", **PHONE)
    console = Console(page)
    page.goto(f"{base}/orders/{order_id}")
    page.locator(".order-actions").get_by_role("link", name="Prepare shipment").click()
    page.wait_for_url(re.compile(rf".*/orders/{order_id}/shipments/new$"))
    expect(page.get_by_label("Vehicle")).to_be_visible()  # the order's mode is freight
    expect(page.get_by_label("Tracking number")).to_have_count(0)
    check(page, console, "prepare", screenshots)

    page.get_by_label("Quantity of line 1 to ship").fill("4")
    page.get_by_label("Quantity of line 2 to ship").fill("0")
    page.get_by_label("Carrier").select_option("德邦物流")
    page.get_by_label("Vehicle").fill("沪A12345")
    page.get_by_label("Driver", exact=True).fill("李师傅")
    page.get_by_label("Driver's phone").fill("13800000000")
    page.get_by_label("Waybill number").fill("DB-2026-1")
    page.get_by_role("button", name="Prepare shipment").click()
    page.wait_for_url(re.compile(r".*/shipments/\d+$"))

    page.get_by_label("Check result of line 1").select_option("fail")
    page.get_by_label("Reason line 1 fails").fill("外观划伤")
    # Each form of the shipment's page comes back to the page's own address: wait for the page, not the address.
    with page.expect_navigation(url=re.compile(r".*/shipments/\d+$")):
        page.get_by_role("button", name="Record the check").click()
    blocked = page.locator("#dispatch .check-result")
    expect(blocked).to_contain_text("cannot leave until its check passes")
    expect(blocked).to_contain_text("外观划伤")
    expect(page.get_by_role("button", name="Dispatch")).to_be_disabled()
    check(page, console, "check-failed", screenshots)
    (prepared,) = shipments_of(portal_app, order_id)
    assert prepared == (ShipmentStatus.PREPARED, "德邦物流", "沪A12345", "DB-2026-1",
                        {1: (Decimal(4), CheckResult.FAILED, "外观划伤")}, OrderStatus.APPROVED)

    page.get_by_label("Check result of line 1").select_option("pass")
    page.get_by_label("Counted quantity of line 1").fill("3")  # a pass must count what the shipment carries
    page.get_by_role("button", name="Record the check").click()
    expect(page.locator(".check-lines .error")).to_contain_text("3 counted where the shipment carries 4")
    assert console.problems == [REFUSED_FORM]
    console.problems.clear()
    check(page, console, "check-refused", screenshots)
    page.get_by_label("Counted quantity of line 1").fill("4")
    page.get_by_label("Reason line 1 fails").fill("")
    with page.expect_navigation(url=re.compile(r".*/shipments/\d+$")):
        page.get_by_role("button", name="Record the check").click()
    expect(page.locator("#dispatch")).to_contain_text("Every line passed its check.")
    with page.expect_navigation(url=re.compile(r".*/shipments/\d+$")):
        page.get_by_role("button", name="Dispatch").click()
    check(page, console, "dispatched", screenshots)

    (sent,) = shipments_of(portal_app, order_id)
    assert sent == (ShipmentStatus.DISPATCHED, "德邦物流", "沪A12345", "DB-2026-1",
                    {1: (Decimal(4), CheckResult.PASSED, None)}, OrderStatus.SHIPPED)
    page.goto(f"{base}/orders/{order_id}")
    remaining = page.locator(".shipping-remaining").inner_text()
    assert re.search(r"不锈钢阀门.*\s10 个\s+4\s+6", remaining.replace("\t", " ")), remaining
    check(page, console, "order-partly-shipped", screenshots)
