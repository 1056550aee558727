"""An order's revisions: an approved change makes the next one, the old one stays readable, the stage limits it."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.contracts import LineChange, OrderChange
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.models import AppendOnlyError, AuditEntry, OrderRevision, OrderStatus, PaymentTerms
from core.models.order import DeliveryMethod
from core.orders import events, revisions
from core.plugins import Manifest
from tests import factories, orders
from tests.core.samples import recorder

RECORDER = Manifest(name="recorder", version="1", hooks="tests.core.samples.recorder", default_enabled=True)


@pytest.fixture
def core_only(make_app):
    """The core alone with an event recorder: review falls back to the core, which approves changes at once."""
    recorder.SEEN.clear()
    app = make_app(plugins=[RECORDER])
    with app.app_context():
        yield factories.build_world(app)


def seen(order) -> list[tuple[str, str]]:
    return [(event, detail) for event, order_id, detail in recorder.SEEN if order_id == order.id]


def test_hook_change_requested(core_only):
    order = orders.submitted(core_only)
    change = OrderChange(None, 2, requested_date=order.requested_date + timedelta(days=7))

    events.request_change(order, change, actor=core_only.users["sales"])

    # Every listener saw the request at revision 1; the core's fallback then applied it, queued.
    assert seen(order)[-2:] == [("change_requested", "r1"), ("order_changed", "r2")]


def test_hook_order_changed(core_only):
    world = core_only
    order = orders.submitted(world, lines=[(world.products[0], "10", None), (world.products[1], "100", None)])
    old_total = order.total
    change = OrderChange(
        change_id=7, revision=2,
        lines=(LineChange(line_no=1, quantity=Decimal("12")), LineChange(line_no=2, remove=True),
               LineChange(product_id=world.products[1].id, quantity=Decimal("5"), specification="耐 300℃")),
        delivery_method=DeliveryMethod.EXPRESS, payment_terms=PaymentTerms.PREPAYMENT,
    )
    expected = revisions.impact(order, change)

    events.apply_change(order, change, actor=world.users["sales"])

    assert seen(order)[-1] == ("order_changed", "r2")
    assert order.revision == 2 and order.status == OrderStatus.APPROVED
    assert [(line.line_no, line.quantity, line.specification) for line in order.lines] == [
        (1, Decimal("12"), "DN50 PN16"), (3, Decimal("5"), "耐 300℃")]
    assert (order.delivery_method, order.payment_terms) == (DeliveryMethod.EXPRESS, PaymentTerms.PREPAYMENT)
    assert order.total == expected.total and expected.price_difference == order.total - old_total
    # Revision 1 is kept as it read.
    first = revisions.revision(order, 1)
    assert first is not None and not first.current
    assert first.total == old_total and first.delivery_method == DeliveryMethod.FREIGHT
    assert [(row["line_no"], row["quantity"]) for row in first.lines] == [(1, "10.000"), (2, "100.000")]
    assert first.replaced_by_change == 7
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "change_applied")).scalar_one()
    assert entry.after["revision"] == 2 and entry.after["change_id"] == 7


def test_a_kept_revision_is_never_changed(core_only):
    order = orders.submitted(core_only)
    events.apply_change(order, OrderChange(None, 2, payment_terms=PaymentTerms.MONTHLY), actor=None)
    kept = db.session.execute(select(OrderRevision).where(OrderRevision.order_id == order.id)).scalar_one()
    kept.total = Decimal("1.00")
    with pytest.raises(AppendOnlyError):
        db.session.flush()


def test_a_change_against_an_old_revision_is_refused(core_only):
    order = orders.submitted(core_only)
    events.apply_change(order, OrderChange(None, 2, payment_terms=PaymentTerms.MONTHLY), actor=None)
    with pytest.raises(Conflict, match="revision 2 now") as refused:
        events.apply_change(order, OrderChange(None, 2, payment_terms=PaymentTerms.PREPAYMENT), actor=None)
    assert refused.value.field == "revision"
    assert order.payment_terms == PaymentTerms.MONTHLY


def test_once_shipped_quantities_lines_date_and_method_stay_as_shipped(core_only):
    order = orders.submitted(core_only)
    events.ship(order, actor=None)
    refused = {
        "lines[0].quantity": OrderChange(None, 2, lines=(LineChange(line_no=1, quantity=Decimal("8")),)),
        "lines[0].remove": OrderChange(None, 2, lines=(LineChange(line_no=1, remove=True),
                                                               LineChange(product_id=core_only.products[1].id,
                                                                          quantity=Decimal("1")))),
        "requested_date": OrderChange(None, 2, requested_date=date.today() + timedelta(days=30)),
        "delivery_method": OrderChange(None, 2, delivery_method=DeliveryMethod.PICKUP),
    }
    for field, change in refused.items():
        with pytest.raises(Conflict, match="shipped") as error:
            revisions.check_change(order, change)
        assert error.value.field == field
    # The price and the terms still may change.
    events.apply_change(order, OrderChange(None, 2, lines=(LineChange(line_no=1, unit_price=Decimal("110")),),
                                           payment_terms=PaymentTerms.MONTHLY), actor=None)
    assert order.revision == 2 and order.status == OrderStatus.SHIPPED


@pytest.mark.parametrize("status", [OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.CANCELLED])
def test_an_order_that_is_not_approved_or_shipped_cannot_change(core_only, status):
    order = orders.draft(core_only)
    order.status = status  # the stage alone is what the check reads
    with pytest.raises(Conflict) as error:
        revisions.check_change(order, OrderChange(None, 2, payment_terms=PaymentTerms.MONTHLY))
    assert error.value.field == "order"


def test_a_change_that_changes_nothing_or_leaves_no_line_is_refused(core_only):
    order = orders.submitted(core_only)
    with pytest.raises(ValidationError, match="changes nothing"):
        revisions.check_change(order, OrderChange(None, 2))
    with pytest.raises(ValidationError, match="at least one line"):
        revisions.check_change(order, OrderChange(None, 2, lines=(LineChange(line_no=1, remove=True),)))
    with pytest.raises(ValidationError) as error:
        revisions.check_change(order, OrderChange(None, 2, lines=(LineChange(line_no=9, quantity=Decimal("1")),)))
    assert error.value.field == "lines[0].line_no"
