"""Order entry as the procedure describes it: enter as received, number, re-check, submit."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.contracts import Decision, Outcome
from core.db import commit
from core.errors import TransitionError, ValidationError
from core.extensions import db
from core.masterdata import update as update_master
from core.models import AuditEntry, Order, OrderStatus, PaymentTerms, User
from core.orders import events
from plugins.intake import services
from plugins.intake.checks import ChecksFailed
from plugins.intake.manifest import MANIFEST
from plugins.intake.models import IntakeSequence
from tests import factories
from tests.concurrency import all_at_once
from tests.plugins.intake import manual_review
from tests.plugins.intake.helpers import draft, order_data

ON_POSTGRES = os.environ.get("ORDO_TEST_DATABASE_URL", "").startswith("postgres")


# --- entering a draft ---------------------------------------------------------


def test_a_draft_takes_description_price_and_tax_from_the_product(world):
    order = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 2},
                                {"product_id": world.products[1].id, "quantity": Decimal("10"),
                                 "unit_price": Decimal("8.00")}])

    first, second = order.lines
    assert (first.line_no, first.description, first.specification, first.unit) == (
        1, "不锈钢阀门 DN50", "DN50 PN16", "个")
    assert first.unit_price == Decimal("120.00") and first.tax_rate == Decimal("0.13")
    assert second.unit_price == Decimal("8.00")  # the agreed price, not the list price
    assert order.subtotal == Decimal("320.00")
    assert order.tax_total == Decimal("41.60")
    assert order.total == Decimal("361.60")
    assert order.status == OrderStatus.DRAFT and order.number is None


def test_a_draft_defaults_terms_contact_and_address_to_the_customers(world):
    customer = world.customers[0]
    update_master(customer, data={"payment_terms": PaymentTerms.MONTHLY}, actor=None)
    commit()

    order = draft(world)

    assert order.payment_terms == PaymentTerms.MONTHLY
    assert order.contact == customer.contact and order.delivery_address == customer.address
    assert draft(world, payment_terms=PaymentTerms.PREPAYMENT, contact="李工").payment_terms == PaymentTerms.PREPAYMENT


def test_entering_a_draft_is_audited(world):
    order = draft(world)

    entry = db.session.execute(select(AuditEntry).where(AuditEntry.order_id == order.id)).scalar_one()
    assert entry.action == "created" and entry.actor_id == world.users["sales"].id
    assert entry.after["lines"] == [{"product_id": world.products[0].id, "quantity": "2.000",
                                     "unit_price": "120.00"}]


@pytest.mark.parametrize(("line", "field", "message"), [
    ({"quantity": 0}, "lines[1].quantity", "greater than 0"),
    ({"quantity": Decimal("-1")}, "lines[1].quantity", "greater than 0"),
    ({"quantity": Decimal("1.2345")}, "lines[1].quantity", "decimal places"),
    ({"quantity": Decimal("1e12")}, "lines[1].quantity", "too large"),
    ({"quantity": None}, "lines[1].quantity", "required"),
    ({"unit_price": Decimal("-0.01")}, "lines[1].unit_price", "0 or more"),
    ({"unit_price": Decimal("9.999")}, "lines[1].unit_price", "decimal places"),
    ({"product_id": 999_999}, "lines[1].product_id", "does not exist"),
])
def test_a_bad_line_is_refused_naming_the_line_and_field(world, line, field, message):
    lines = [{"product_id": world.products[0].id, "quantity": 1},
             {"product_id": world.products[1].id, "quantity": 1, **line}]

    with pytest.raises(ValidationError) as refused:
        services.create_draft(world.company, order_data(world, lines=lines), world.users["sales"])

    assert refused.value.field == field
    assert message in refused.value.message and refused.value.message.startswith("line 2")


def test_an_order_without_lines_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.create_draft(world.company, order_data(world, lines=[]), world.users["sales"])
    assert refused.value.field == "lines"


def test_customers_and_products_of_another_company_do_not_exist_for_this_one(app, world):
    other = factories.build_world(app, code="XYZ")

    with pytest.raises(ValidationError) as foreign_customer:
        services.create_draft(world.company, order_data(world, customer_id=other.customers[0].id),
                              world.users["sales"])
    with pytest.raises(ValidationError) as foreign_product:
        services.create_draft(world.company, order_data(world, lines=[{"product_id": other.products[0].id,
                                                                          "quantity": 1}]), world.users["sales"])

    assert foreign_customer.value.field == "customer_id"
    assert foreign_product.value.field == "lines[0].product_id"
    assert db.session.execute(select(Order)).first() is None


def test_inactive_customers_and_products_take_no_new_orders(world):
    update_master(world.products[1], data={"active": False}, actor=None)
    with pytest.raises(ValidationError) as product_refused:
        services.create_draft(world.company, order_data(world, lines=[{"product_id": world.products[1].id,
                                                                          "quantity": 1}]), world.users["sales"])
    update_master(world.customers[0], data={"active": False}, actor=None)
    with pytest.raises(ValidationError) as customer_refused:
        services.create_draft(world.company, order_data(world), world.users["sales"])

    assert product_refused.value.field == "lines[0].product_id" and "no longer sold" in product_refused.value.message
    assert customer_refused.value.field == "customer_id" and "inactive" in customer_refused.value.message


def test_a_customer_user_orders_only_for_their_own_company(world):
    with pytest.raises(ValidationError) as refused:
        services.create_draft(world.company, order_data(world, customer_id=world.customers[1].id),
                              world.users["customer"])
    assert refused.value.field == "customer_id"


# --- editing a draft ----------------------------------------------------------


def test_editing_a_draft_replaces_its_lines_and_audits_before_and_after(world):
    order = draft(world)

    services.update_draft(order, {"notes": "送货前电话联系", "lines": [
        {"product_id": world.products[1].id, "quantity": 100}]}, world.users["customer_service"])
    commit()

    assert [(line.line_no, line.description, line.quantity) for line in order.lines] == [(1, "耐高温密封圈", 100)]
    assert order.total == Decimal("960.50")  # 100 x 8.50 + 13 % tax
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "updated")).scalar_one()
    assert sorted(entry.after) == ["lines", "notes", "total"]
    assert entry.before["notes"] is None and entry.after["notes"] == "送货前电话联系"
    assert entry.before["lines"][0]["product_id"] == world.products[0].id
    assert entry.after["lines"][0]["product_id"] == world.products[1].id


def test_a_required_field_cannot_be_emptied(world):
    order = draft(world)
    with pytest.raises(ValidationError) as refused:
        services.update_draft(order, {"requested_date": None}, world.users["sales"])
    assert refused.value.field == "requested_date"


def test_only_a_draft_can_be_edited(world):
    order = services.submit(draft(world), world.users["sales"])

    with pytest.raises(TransitionError):
        services.update_draft(order, {"notes": "too late"}, world.users["sales"])


# --- order numbers ------------------------------------------------------------


def test_order_numbers_are_prefix_date_and_daily_sequence(world):
    day = date(2026, 11, 27)

    numbers = [services.next_number(world.company, day) for _ in range(3)]

    assert numbers == ["SO20261127-0001", "SO20261127-0002", "SO20261127-0003"]
    assert services.next_number(world.company, day + timedelta(days=1)) == "SO20261128-0001"


def test_each_company_numbers_its_own_orders(app, world):
    other = factories.build_world(app, code="XYZ")
    other.company.order_prefix = "XS"
    day = date(2026, 11, 27)

    assert services.next_number(world.company, day) == "SO20261127-0001"
    assert services.next_number(other.company, day) == "XS20261127-0001"
    assert services.next_number(world.company, day) == "SO20261127-0002"
    assert db.session.execute(select(IntakeSequence.last).where(
        IntakeSequence.company_id == other.company.id)).scalar_one() == 1


def test_the_date_in_the_number_is_the_companys_local_date(app, world):
    # UTC+14 and UTC-11 are 25 hours apart: their dates differ at every moment.
    world.company.timezone = "Pacific/Kiritimati"
    other = factories.build_world(app, code="XYZ")
    other.company.timezone = "Pacific/Pago_Pago"

    east, west = services.next_number(world.company), services.next_number(other.company)

    assert east == f"SO{datetime.now(ZoneInfo('Pacific/Kiritimati')):%Y%m%d}-0001"
    assert west == f"SO{datetime.now(ZoneInfo('Pacific/Pago_Pago')):%Y%m%d}-0001"
    assert east[2:10] > west[2:10]


# --- re-check and submission --------------------------------------------------


def test_submitting_numbers_the_order_and_review_off_approves_it(world):
    order = draft(world)

    services.submit(order, world.users["sales"])
    commit()

    today = world.company.today()
    assert order.number == f"SO{today:%Y%m%d}-0001"
    assert order.status == OrderStatus.APPROVED  # the core approves when review is off
    assert order.pinned_modules == ["intake"]
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.order_id == order.id)
                                 .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["created", "submit", "review_decided"]


def test_a_requested_date_in_the_past_is_sent_back_to_the_customer_not_submitted(world):
    order = draft(world, requested_date=date.today() - timedelta(days=2))

    with pytest.raises(ChecksFailed) as refused:
        services.submit(order, world.users["sales"])

    assert refused.value.field == "requested_date" and "in the past" in refused.value.message
    db.session.rollback()
    assert order.status == OrderStatus.DRAFT and order.number is None
    assert db.session.execute(select(IntakeSequence)).first() is None  # no number was used up


def test_the_recheck_catches_a_customer_deactivated_after_entry(world):
    order = draft(world)
    update_master(world.customers[0], data={"active": False}, actor=None)

    with pytest.raises(ChecksFailed) as refused:
        services.submit(order, world.users["sales"])
    assert refused.value.field == "customer_id"


def test_the_recheck_catches_a_product_withdrawn_after_entry(world):
    order = draft(world)
    update_master(world.products[0], data={"active": False}, actor=None)

    with pytest.raises(ChecksFailed) as refused:
        services.submit(order, world.users["sales"])
    assert refused.value.field == "lines[0].product_id"


def test_only_a_draft_can_be_submitted(world):
    order = services.submit(draft(world), world.users["sales"])

    with pytest.raises(TransitionError):
        services.submit(order, world.users["sales"])


def test_a_sent_back_order_keeps_its_number_when_resubmitted(make_app):
    app = make_app(plugins=[MANIFEST, manual_review.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        order = services.submit(draft(world), world.users["sales"])
        number = order.number
        assert order.status == OrderStatus.SUBMITTED
        events.decide_review(order, Decision(Outcome.SENT_BACK, reasons=("invoice title missing",)),
                             actor=world.users["finance"])

        services.update_draft(order, {"invoice_requirements": "增值税专用发票"}, world.users["sales"])
        services.submit(order, world.users["sales"])

        assert order.status == OrderStatus.SUBMITTED and order.number == number


def test_cancelling_needs_a_reason(world):
    order = draft(world)
    with pytest.raises(ValidationError) as refused:
        services.cancel(order, world.users["sales"], "  ")
    assert refused.value.field == "reason"

    services.cancel(order, world.users["sales"], "客户取消")
    assert order.status == OrderStatus.CANCELLED


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent sessions need PostgreSQL")
def test_concurrent_submissions_never_share_a_number(app, world):
    clerks = 6
    order_ids = [draft(world).id for _ in range(clerks)]
    clerk_id = world.users["sales"].id
    numbers: list[str] = []

    def submit(order_id: int) -> None:
        order = db.session.get_one(Order, order_id)
        services.submit(order, db.session.get_one(User, clerk_id))
        numbers.append(order.number)

    assert all_at_once(app, submit, order_ids) == []
    today = world.company.today()
    assert sorted(numbers) == [f"SO{today:%Y%m%d}-{n:04d}" for n in range(1, clerks + 1)]
    db.session.expire_all()
    assert {o.status for o in db.session.execute(select(Order)).scalars()} == {OrderStatus.APPROVED}
