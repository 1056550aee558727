"""The automatic checks each step shows: credit with receivables, history, price and discount, terms, invoice
data, lead time and capacity; a blocking finding holds its step until a manager overrides it with a reason."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from core import masterdata
from core.contracts import Receivables
from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Company, OrderStatus, PaymentTerms
from core.modules import hooks_for_company, set_enabled
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing.invoices.models import Invoice
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.review import policy
from plugins.review.manifest import MANIFEST as REVIEW
from tests import factories
from tests.plugins.billing.open_item_rows import falls_due
from tests.plugins.review.desk import Desk


def findings(desk: Desk, order_id: int, department: str) -> list[tuple[str, str, list[str]]]:
    return [(f["rule"], f["severity"], f["reason_codes"]) for f in desk.step(order_id, department)["findings"]]


def approve_all(desk: Desk, order_id: int) -> None:
    for department in ("sales", "finance", "production"):
        assert desk.decide(department, order_id, department, "approve").status_code == 200


def test_hook_customer_receivables(make_app):
    """Billing answers what a customer owes from its invoices and payments; with billing off nobody answers."""
    app = make_app(plugins=[INTAKE, REVIEW, BILLING])
    with app.app_context():
        world = factories.build_world(app)
        buyer = world.customers[0]
        buyer.payment_terms = PaymentTerms.PREPAYMENT  # invoiced when approved
        commit()
        desk = Desk(app, world)
        first = desk.place()
        approve_all(desk, first)
        invoice = db.session.execute(select(Invoice).where(Invoice.order_id == first)).scalar_one()
        falls_due(invoice, world.company.today() - timedelta(days=3))
        commit()

        owed = hooks_for_company(world.company.id).customer_receivables(company=world.company, customer=buyer)
        assert owed == Receivables(outstanding=Decimal("1356.00"), overdue=Decimal("1356.00"), late_payments=1,
                                   currency="CNY")
        other = hooks_for_company(world.company.id).customer_receivables(company=world.company,
                                                                         customer=world.customers[1])
        assert other == Receivables(outstanding=Decimal("0.00"), overdue=Decimal("0.00"), currency="CNY")

        set_enabled(world.company, "billing", False, actor=None)
        commit()
        assert hooks_for_company(world.company.id).customer_receivables(
            company=db.session.get(Company, world.company.id), customer=buyer) is None


def test_the_credit_check_counts_open_orders_and_receivables_and_warns_of_overdue_ones(make_app):
    app = make_app(plugins=[INTAKE, REVIEW, BILLING])
    with app.app_context():
        world = factories.build_world(app)
        buyer = world.customers[0]
        buyer.payment_terms = PaymentTerms.PREPAYMENT
        buyer.credit_limit = Decimal("3000.00")  # two orders fit; two and what is owed on one do not
        commit()
        desk = Desk(app, world)
        first = desk.place()
        approve_all(desk, first)
        invoice = db.session.execute(select(Invoice).where(Invoice.order_id == first)).scalar_one()
        falls_due(invoice, world.company.today() - timedelta(days=3))
        commit()

        second = desk.place()

        assert [s["department"] for s in desk.reviews(second)] == ["sales", "manager", "finance", "production"]
        assert ("receivables", "warning", ["overdue_receivables"]) in findings(desk, second, "sales")
        assert ("history", "warning", ["customer_history"]) in findings(desk, second, "sales")  # paid late
        assert ("credit_limit", "info", ["credit_limit_exceeded"]) in findings(desk, second, "manager")


def test_with_billing_off_the_credit_check_says_it_had_no_receivables_to_see(desk):
    order_id = desk.place()

    assert ("receivables", "info", ["receivables_unknown"]) in findings(desk, order_id, "sales")
    assert ("history", "info", ["new_customer"]) in findings(desk, order_id, "sales")


def test_terms_outside_the_customers_and_missing_invoice_data_warn_finance(desk, world):
    world.customers[0].email = None
    commit()
    order_id = desk.draft()
    desk.order(order_id).payment_terms = PaymentTerms.MONTHLY  # the customer pays on delivery
    commit()
    desk.submit(order_id)

    assert findings(desk, order_id, "finance") == [
        ("payment_terms", "warning", ["payment_terms_outside"]), ("invoice_data", "warning", ["invoice_data_missing"])]
    assert desk.decide("finance", order_id, "finance", "approve").status_code == 409  # sales first
    assert desk.decide("sales", order_id, "sales", "approve").status_code == 200
    assert desk.decide("finance", order_id, "finance", "approve").status_code == 200  # warnings do not block


def test_a_discount_beyond_the_policy_blocks_finance_until_a_manager_overrides_it_with_a_reason(desk, world):
    policy.save_settings(world.company.id, allow_self_approval=False, max_discount=Decimal("0.10"),
                         actor=world.users["administrator"])
    commit()
    order_id = desk.place(("P001", "10", "100.00"))  # at the floor, 16.7 % off the list price
    desk.decide("sales", order_id, "sales", "approve")
    [blocking] = [f for f in desk.step(order_id, "finance")["findings"] if f["rule"] == "discount"]
    assert blocking["severity"] == "blocking" and blocking["params"] == {"products": "P001"}

    held = desk.decide("finance", order_id, "finance", "approve")
    assert held.status_code == 409 and "a manager must override" in held.get_json()["detail"]
    url = f"/api/v1/review-findings/{blocking['id']}/override"
    assert desk.api("finance").post(url, json={"reason": "fine"}).status_code == 403
    assert desk.api("manager").post(url, json={"reason": ""}).status_code == 400
    assert desk.api("manager").post(url, json={}).status_code == 400

    overridden = desk.api("manager").post(url, json={"reason": "框架协议价，总经理已批准"})

    assert overridden.status_code == 200 and overridden.get_json()["override_reason"] == "框架协议价，总经理已批准"
    assert desk.api("manager").post(url, json={"reason": "again"}).status_code == 409
    assert desk.decide("finance", order_id, "finance", "approve").status_code == 200
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "review_finding_overridden")).scalar_one()
    assert entry.actor_id == world.users["manager"].id and entry.after["reason"] == "框架协议价，总经理已批准"


def discount_findings(desk: Desk, order_id: int) -> list[dict]:
    assert desk.decide("sales", order_id, "sales", "approve").status_code == 200
    return [f for f in desk.step(order_id, "finance")["findings"] if f["rule"] == "discount"]


def test_a_price_agreed_with_the_customer_is_not_a_discount_off_the_list_price(desk, world):
    policy.save_settings(world.company.id, allow_self_approval=False, max_discount=Decimal("0.10"),
                         actor=world.users["administrator"])
    masterdata.set_price(world.customers[0], world.products[0].id, Decimal("100.00"), world.users["sales"])
    commit()

    # 100.00 is 16.7 % under the list price (120.00), but it is the price agreed with this customer.
    agreed = desk.place(("P001", "10", "100.00"))
    # The second customer agreed nothing: the same price is measured against the list price.
    unlisted = desk.place(("P001", "10", "100.00"), customer=1)

    assert discount_findings(desk, agreed) == []
    [finding] = discount_findings(desk, unlisted)
    assert finding["severity"] == "blocking" and finding["params"] == {"products": "P001"}


def test_a_line_far_under_the_agreed_price_is_a_discount_beyond_the_policy(desk, world):
    policy.save_settings(world.company.id, allow_self_approval=False, max_discount=Decimal("0.05"),
                         actor=world.users["administrator"])
    masterdata.set_price(world.customers[0], world.products[0].id, Decimal("115.00"), world.users["sales"])
    commit()

    # 105.00 is 12.5 % under the list price and 8.7 % under the agreed 115.00: beyond 5 % either way.
    beyond = desk.place(("P001", "10", "105.00"))
    # 110.00 is 4.3 % under the agreed price, within the policy though 8.3 % under the list price.
    within = desk.place(("P001", "10", "110.00"))

    [finding] = discount_findings(desk, beyond)
    assert finding["severity"] == "blocking" and finding["params"] == {"products": "P001"}
    assert discount_findings(desk, within) == []


def test_capacity_and_lead_time_of_a_product_line_hold_production(desk, world):
    policy.save_capacity_line(world.company.id, code="valves", label_="阀门线", products=["P001"],
                              units_per_day=Decimal("10"), lead_days=2, actor=world.users["administrator"])
    commit()
    today = world.company.today()
    fits = desk.place(("P001", "100", "120.00"), requested_date=today + timedelta(days=14))  # 140 in 14 days
    too_many = desk.place(("P001", "50", "120.00"), requested_date=today + timedelta(days=14))
    rushed = desk.place(("P002", "5", "8.50"), ("P001", "1", "120.00"), requested_date=today + timedelta(days=1))

    assert findings(desk, fits, "production") == []
    assert findings(desk, too_many, "production") == [("capacity", "blocking", ["capacity_exceeded"])]
    assert ("product_lead_time", "warning", ["before_lead_time"]) in findings(desk, rushed, "production")
    assert desk.order(too_many).status == OrderStatus.SUBMITTED
