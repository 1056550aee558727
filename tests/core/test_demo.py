"""`ordo demo`: a company with a user per role and orders in every stage, made through the API, and months of
history behind them, cloned from flows made through the API, whose facts, receivables and stock agree."""
from __future__ import annotations

import html
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core import masterdata
from core.extensions import db
from core.models import Company, Customer, Order, OrderStatus, PaymentTerms, Product, User
from core.models.audit import AuditEntry
from core.contracts import OverdueKind
from plugins.billing.collection.models import CreditHold, DunningNotice, PaymentPromise, PromiseStatus
from plugins.billing.receivables.models import OpenItemEntry
from plugins.kpi.facts.collection import CollectionKind, KpiCollection
from plugins.kpi.facts.models import KpiEvent, KpiEventKind, KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage
from plugins.kpi.indicators import services as indicators
from plugins.review.models import ReviewNotice, ReviewStep
from plugins.logistics.acceptance.models import LineAcceptance, Verdict
from plugins.stock.models import StockBalance

TODAY = {"draft": 2, "submitted": 1, "rejected": 1, "approved": 1, "in_production": 1, "shipped": 1,
         "delivered": 1, "completed": 2}  # the demo's orders of today, in every stage
HISTORY = 150
MONTHS = 6  # the flows dunned walk from four months before today: their clones lie further back
FACTS = (KpiEvent, KpiTask, KpiOrder, KpiMoney, KpiCollection)


def test_the_demo_loads_orders_in_every_stage_and_prints_the_logins(app, runner):
    result = runner.invoke(args=["demo", "--no-history"])
    assert result.exit_code == 0, result.output
    assert "admin        ordo-admin" in result.output
    company = db.session.execute(select(Company).where(Company.code == "DEMO")).scalar_one()
    users = db.session.execute(select(User).where(User.company_id == company.id)).scalars().all()
    assert {role for user in users for role in user.role_names} >= {
        "administrator", "sales", "finance", "production", "logistics", "customer_service", "manager",
        "supervisor", "customer"}
    statuses = Counter(order.status.value for order in db.session.execute(
        select(Order).where(Order.company_id == company.id)).scalars())
    assert statuses == TODAY, statuses
    c002 = db.session.execute(select(Customer).where(Customer.company_id == company.id,
                                                     Customer.code == "C002")).scalar_one()
    assert [(price.product.code, str(price.unit_price)) for price in masterdata.price_list(c002)] == [
        ("P001", "398.00"), ("P003", "6480.00"), ("P006", "88.00")]
    hamburg = db.session.execute(select(Customer).where(Customer.company_id == company.id,
                                                        Customer.code == "C005")).scalar_one()
    assert hamburg.language == "en" and c002.language is None  # the others read the company's language
    assert company.legal_name == "华东精工机械有限公司" and company.tax_id and company.bank_account


def test_the_demo_is_loaded_once(app, runner):
    assert runner.invoke(args=["demo", "--no-history"]).exit_code == 0
    again = runner.invoke(args=["demo", "--no-history"])
    assert again.exit_code == 2
    assert again.output.strip() == "Error: company DEMO already exists; the demo is loaded"


def _facts(company_id: int) -> dict[str, list[tuple]]:
    """Every KPI fact of the company, without its row id, in a stable order.

    Left out: the day a monthly order's total falls due. A rebuild derives it from the calendar (the end of the
    month after delivery), while a clone's moved by whole days with its invoice's due date, which it equals.
    """
    found = {}
    monthly = select(Order.id).where(Order.payment_terms == PaymentTerms.MONTHLY)
    for model in FACTS:
        table = model.__table__
        columns = [column for column in table.columns if column.name != "id"]
        query = select(*columns).where(table.c.company_id == company_id)
        if model is KpiMoney:
            query = query.where(~((KpiMoney.kind == MoneyKind.DUE) & KpiMoney.order_id.in_(monthly)))
        found[table.name] = sorted(tuple(map(str, row)) for row in db.session.execute(query))
    return found


def _cells(page: str, table_id: str) -> list[list[str]]:
    body = page[page.index(f'id="{table_id}"'):]
    body = body[:body.index("</table>")]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_the_demo_with_history_has_months_of_orders_whose_facts_receivables_and_stock_agree(app, runner):
    result = runner.invoke(args=["demo", "--months", str(MONTHS), "--orders", str(HISTORY)])
    assert result.exit_code == 0, result.output
    assert "sales2       ordo-sales2" in result.output  # the history's salespeople sign in too
    company = db.session.execute(select(Company).where(Company.code == "DEMO")).scalar_one()
    orders = db.session.execute(select(Order).where(Order.company_id == company.id)).scalars().all()
    today = company.today()

    # Today's demo is intact beside the history's template flows; their clones lie on working days of the
    # months before today, numbered on their own day.
    earlier = [order for order in orders if order.created_at.astimezone(company.zone).date() < today]
    templates = len(orders) - len(earlier) - sum(TODAY.values())
    assert len(orders) == sum(TODAY.values()) + HISTORY and templates >= 10
    days = {order.created_at.astimezone(company.zone).date() for order in earlier}
    assert min(days) >= today - timedelta(days=MONTHS * 31) and all(day.weekday() < 5 for day in days)
    assert len({(day.year, day.month) for day in days}) >= MONTHS
    numbered = [order for order in earlier if order.number]
    assert all(order.number.startswith(f"SO{order.submitted_at.astimezone(company.zone):%Y%m%d}-")
               for order in numbered)
    assert len({order.number for order in orders if order.number}) == len([o for o in orders if o.number])

    # Customers in several provinces, entered by several salespeople, with the outcomes a year holds.
    customer = aliased(Customer)
    provinces = db.session.execute(select(func.count(customer.province.distinct())).join(
        Order, Order.customer_id == customer.id).where(Order.id.in_([order.id for order in earlier]))).scalar()
    assert provinces >= 6
    assert len({order.created_by_id for order in earlier}) == 3
    outcomes = Counter(order.status for order in earlier)
    assert outcomes[OrderStatus.COMPLETED] > HISTORY / 2 and outcomes[OrderStatus.DELIVERED] > 0
    assert outcomes[OrderStatus.CANCELLED] + outcomes[OrderStatus.REJECTED] > 0
    earlier_ids = [order.id for order in earlier]
    refused = db.session.execute(select(func.count()).select_from(LineAcceptance).where(
        LineAcceptance.verdict == Verdict.REFUSED, LineAcceptance.order_id.in_(earlier_ids))).scalar()
    late = db.session.execute(select(func.count()).select_from(KpiTask).where(
        KpiTask.on_time.is_(False), KpiTask.order_id.in_(earlier_ids))).scalar()
    overdue = db.session.execute(select(func.count()).select_from(OpenItemEntry).where(
        OpenItemEntry.order_id.in_(earlier_ids), OpenItemEntry.due_date < today,
        OpenItemEntry.settled_on.is_(None))).scalar()
    assert refused > 0 and late > 0 and overdue > 0
    _late_steps_and_escalations(company)
    _dunning_and_promises(company)
    # The clones' audit entries name their own orders: the KPI facts rebuilt from them are the cloned facts.
    assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.order_id.in_(earlier_ids))).scalar() > 10 * len(earlier)
    facts = _facts(company.id)
    db.session.remove()

    rebuilt = runner.invoke(args=["kpi", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _facts(company.id) == facts
    # The warehouse holds what today's orders alone leave it (the gaskets short): the history's flows shipped
    # only what was received for them, and their clones touch no stock.
    on_hand = dict(db.session.execute(select(Product.code, StockBalance.on_hand).join(
        Product, Product.id == StockBalance.product_id).where(StockBalance.company_id == company.id)).all())
    assert on_hand == {"P001": Decimal(94), "P002": Decimal(1500), "P004": Decimal(0), "P006": Decimal(60)}
    # Receivables and stock: the checks pass.
    for check in (["billing", "open-items", "check"], ["stock", "check"]):
        answer = runner.invoke(args=check)
        assert answer.exit_code == 0, answer.output

    # The KPI dashboard over the history shows it month by month.
    client = app.test_client()
    assert client.post("/login", data={"username": "supervisor", "password": "ordo-supervisor"}).status_code == 302
    page = client.get(f"/kpi?date_from={today - timedelta(days=MONTHS * 30)}&date_to={today}")
    assert page.status_code == 200
    rows = _cells(page.get_data(as_text=True), "chart-over-time")
    months = [row[0] for row in rows[1:] if any(cell not in ("", "0") for cell in row[1:])]
    assert len(months) >= MONTHS and all(re.fullmatch(r"\d{4}-\d{2}", month) for month in months)
    # The supervision's late steps and escalations list the sweep's escalations, the latest first.
    escalated = db.session.execute(select(Order.number).join(AuditEntry, AuditEntry.order_id == Order.id).where(
        AuditEntry.company_id == company.id, AuditEntry.action == "review_step_escalated")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())).scalars().all()
    assert len(escalated) == 2 * len(set(escalated))
    page = client.get("/supervision/escalations?action=review_step_escalated")
    assert page.status_code == 200 and escalated[0] in page.get_data(as_text=True)


def _late_steps_and_escalations(company: Company) -> None:
    """Steps decided past their limit, each escalated by the sweep twice before it was decided: the review
    stage's timeliness counts them late, and the supervision's list of escalations shows them."""
    escalated = db.session.execute(select(ReviewNotice.level, func.count()).where(
        ReviewNotice.company_id == company.id, ReviewNotice.kind == OverdueKind.ESCALATION)
        .group_by(ReviewNotice.level)).all()
    orders = db.session.execute(select(func.count(ReviewNotice.order_id.distinct())).where(
        ReviewNotice.company_id == company.id)).scalar_one()
    late = db.session.execute(select(func.count()).select_from(ReviewStep).where(
        ReviewStep.company_id == company.id, ReviewStep.decided_at > ReviewStep.due_at)).scalar_one()
    assert orders >= 3 and dict(escalated) == {1: orders, 2: orders} and late == orders
    # Reminded once, at the first escalation; two overdue facts per order.
    assert db.session.execute(select(func.count()).select_from(ReviewNotice).where(
        ReviewNotice.company_id == company.id, ReviewNotice.kind == OverdueKind.REMINDER)).scalar_one() == orders
    assert db.session.execute(select(func.count()).select_from(KpiEvent).where(
        KpiEvent.company_id == company.id, KpiEvent.event == KpiEventKind.REVIEW_OVERDUE)).scalar_one() == 2 * orders

    today = company.today()
    span = indicators.period_of(company.id, today - timedelta(days=MONTHS * 31), today)
    review = next(f for f in indicators.timeliness(company.id, span, indicators.Dimension.STAGE)
                  if f.key.code == TaskStage.REVIEW.value)
    decided = db.session.execute(select(func.count()).select_from(KpiTask).where(
        KpiTask.company_id == company.id, KpiTask.stage == TaskStage.REVIEW, KpiTask.due_at.is_not(None),
        KpiTask.done_at >= span.start, KpiTask.done_at < span.end)).scalar_one()
    assert (review.timed, review.timed - review.on_time) == (decided, late)
    # The manager they were escalated to decided them: their own timeliness shows each late.
    manager = db.session.execute(select(User).where(User.company_id == company.id,
                                                    User.username == "manager")).scalar_one()
    theirs = next(f for f in indicators.timeliness(company.id, span, indicators.Dimension.PERSON)
                  if f.key.id == manager.id)
    assert theirs.timed - theirs.on_time == late


def _dunning_and_promises(company: Company) -> None:
    """Invoices dunned at each level: a reminder and a formal letter for all, then a promise to pay; kept by
    some, broken by the others, who get the final notice and the call that holds their credit, pay, and are
    released. The collection facts and the indicators' chasing count them."""
    promises = Counter(db.session.execute(select(PaymentPromise.status).where(
        PaymentPromise.company_id == company.id)).scalars())
    kept, broken = promises[PromiseStatus.KEPT], promises[PromiseStatus.BROKEN]
    assert kept >= 2 and broken >= 2 and set(promises) == {PromiseStatus.KEPT, PromiseStatus.BROKEN}
    levels = dict(db.session.execute(select(DunningNotice.level, func.count()).where(
        DunningNotice.company_id == company.id).group_by(DunningNotice.level)).all())
    assert levels == {1: kept + broken, 2: kept + broken, 3: broken, 4: broken}
    facts = Counter(db.session.execute(select(KpiCollection.kind).where(
        KpiCollection.company_id == company.id)).scalars())
    assert facts == {CollectionKind.DUNNING: 2 * kept + 4 * broken, CollectionKind.PROMISED: kept + broken,
                     CollectionKind.KEPT: kept, CollectionKind.BROKEN: broken}
    # Every dunned invoice was paid in the end: no hold is left in force.
    assert db.session.execute(select(func.count()).select_from(CreditHold).where(
        CreditHold.company_id == company.id, CreditHold.released_at.is_(None))).scalar_one() == 0

    today = company.today()
    span = indicators.period_of(company.id, today - timedelta(days=MONTHS * 31), today)
    chased = indicators.chased(company.id, span, indicators.Dimension.CUSTOMER)
    in_span = Counter(db.session.execute(select(KpiCollection.kind).where(
        KpiCollection.company_id == company.id, KpiCollection.at >= span.start, KpiCollection.at < span.end))
        .scalars())
    assert sum(c.notices for c in chased.values()) == in_span[CollectionKind.DUNNING] > 0
    assert sum(c.broken for c in chased.values()) == in_span[CollectionKind.BROKEN] > 0
    # Chased customers are the history's customers of monthly terms, several of them.
    assert len([key for key, c in chased.items() if c.notices]) >= 3
