"""Where the checks speak on the order form as the clerk types: each beside the input it is about."""
from __future__ import annotations

from flask import g

from core.entry.views import quoted
from core.extensions import db
from plugins.intake import entry_checks
from plugins.intake.entry_checks import Finding
from tests.plugins.intake.helpers import draft

UNDER_THE_FLOOR = "line 2: the unit price is under the floor price of product P002; finance will review it"


def findings(app, world, data: dict[str, str], *, show_prices: bool = True, **entered) -> list[Finding]:
    """The live quote's findings for the form ``data`` posted by the sales clerk."""
    with app.test_request_context("/orders/new/quote", method="POST", data=data):
        g.api_user = world.users["sales"]
        answer = quoted(world.users["sales"])
        return entry_checks.live_findings(
            world.company, customer_id=world.customers[0].id, requested_date=None, received_at=None,
            rows=answer.form.lines, figures=answer.figures, show_prices=show_prices,
            **{"source_reference": None, **entered})


def rows(world) -> dict[str, str]:
    """Two lines with a removed row between them: the second is ``lines-3``, under the floor price."""
    return {"lines-0-product_id": str(world.products[0].id), "lines-0-quantity": "1",
            "lines-3-product_id": str(world.products[1].id), "lines-3-quantity": "2", "lines-3-unit_price": "5.00"}


def test_a_line_s_check_is_beside_the_input_of_the_row_the_table_shows(app, world):
    assert findings(app, world, rows(world)) == [Finding("lines-3-unit_price", UNDER_THE_FLOOR, "warning")]


def test_a_price_check_is_beside_the_product_for_whoever_sees_no_price_column(app, world):
    assert findings(app, world, rows(world), show_prices=False) == [
        Finding("lines-3-product_id", UNDER_THE_FLOOR, "warning")]


def test_a_possible_duplicate_is_beside_the_source_reference_it_shares_and_nothing_is_added_to_the_session(
        app, world):
    first = draft(world, source_reference="TB-3914", lines=[{"product_id": world.products[0].id, "quantity": 5}])
    one_line = {"lines-0-product_id": str(world.products[0].id), "lines-0-quantity": "1"}

    [same_reference] = findings(app, world, one_line, source_reference="TB-3914")

    assert same_reference.input_id == "source_reference" and same_reference.severity == "warning"
    assert f"order {first.display_number} has the same source reference TB-3914" in same_reference.message
    assert findings(app, world, one_line, source_reference="TB-0001") == []  # the platform's word: distinct
    assert not db.session.new and not db.session.dirty
