"""In Chromium, on the demo: an order's execution plan drawn as bars against the promised date beside its
table, and the planner completing the task in production from the plan's page.

With ``ORDO_SCREENSHOTS=docs/images`` the plan is saved as the README's tour shows it
(docs/images/plan-timeline.png).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.db import commit
from core.demo import USERS, load_demo
from core.extensions import db
from core.models import Order, OrderStatus
from plugins.logistics.execution.models import ExecutionPlan, TaskStatus
from tests.e2e.browser import CHROMIUM, Console, expect, signed_in, tour_shot
from tests.e2e.server import serving

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

PASSWORDS = {username: password for username, password, *_ in USERS}


@dataclass(frozen=True)
class InProduction:
    """The demo's order in production: its plan's tasks by name, and the one being worked on."""

    order_id: int
    number: str
    tasks: list[str]
    started: str
    started_id: int


@pytest.fixture
def demo(portal_app) -> Iterator[tuple[str, InProduction]]:
    """The demo served on 127.0.0.1 by a real HTTP server, with its order in production."""
    app = portal_app
    with app.app_context():
        load_demo()
        order = db.session.execute(select(Order).where(Order.status == OrderStatus.IN_PRODUCTION)).scalar_one()
        plan = db.session.execute(select(ExecutionPlan).where(ExecutionPlan.order_id == order.id)).scalar_one()
        started = next(task for task in plan.tasks if task.status == TaskStatus.STARTED)
        found = InProduction(order.id, order.display_number, [task.name for task in plan.tasks], started.name,
                             started.id)
        commit()
        db.session.remove()
    with serving(app) as base:
        yield base, found


def bars(page) -> list[list[float]]:
    """The bars ECharts drew for the plan: [row, from, to] each, in days from the promised date."""
    page.wait_for_function("""() => {
        const canvas = document.querySelector('#chart-plan-timeline .chart-canvas');
        return canvas && !canvas.hidden && window.echarts && echarts.getInstanceByDom(canvas);
    }""")
    return page.evaluate("""() => echarts.getInstanceByDom(document.querySelector('#chart-plan-timeline .chart-canvas'))
        .getOption().series[0].data""")


def table(page) -> list[tuple[str, float, float]]:
    """The chart's table beside it: each task with its start and end, as the reader sees them."""
    rows = page.locator("#chart-plan-timeline tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.querySelectorAll('th, td')].map(cell => cell.textContent.trim()))")
    return [(name, float(start), float(end)) for name, start, end in rows]


def test_the_planner_reads_the_plan_as_bars_against_the_promised_date_and_completes_the_task_in_production(
        demo, browser, screenshots):
    base, order = demo
    # As tall as the plan's facts, its chart and the chart's table: the README's picture stops there.
    page = signed_in(browser, base, "production", password=PASSWORDS["production"],
                     viewport={"width": 1280, "height": 1020})
    console = Console(page)
    page.goto(f"{base}/orders/{order.order_id}/execution")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(rf"^Execution plan of {re.escape(order.number)}"))

    # Every task of the demo's drafted plan is a bar, drawn from the table beside the chart, and every one
    # ends by the promised date (the line at zero): the demo's plan is on time.
    rows = table(page)
    assert [name for name, _, _ in rows] == order.tasks
    assert bars(page) == [[index, start, end] for index, (_, start, end) in enumerate(rows)]
    assert all(start <= end <= 0 for _, start, end in rows)
    started_before = next(end for name, _, end in rows if name == order.started)

    # The planner completes the task being worked on, with a note and the quantity done, from its row.
    row = page.locator(f"#task-{order.started_id}")
    row.get_by_text("Complete", exact=True).click()
    row.get_by_label("Note").fill("两台装配完成")
    row.get_by_label("Quantity done").fill("2")
    # The page comes back at the address it has: wait for the new page, not for the address.
    with page.expect_navigation(url=re.compile(rf".*/orders/{order.order_id}/execution$")):
        row.get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#task-{order.started_id}")).to_contain_text("Done")

    # Its bar now ends when it was done, now: well before its due date and the promised date.
    rows = table(page)
    assert bars(page) == [[index, start, end] for index, (_, start, end) in enumerate(rows)]
    done_at = next(end for name, _, end in rows if name == order.started)
    assert done_at < started_before and done_at < 0
    assert console.problems == []
    page.screenshot(path=str(screenshots / "plan-timeline.png"), full_page=True)
    tour_shot(page, "plan-timeline", full_page=False)
