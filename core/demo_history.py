"""The demo's year of history: a few thousand orders over the months before today, behind today's orders.

A handful of template orders are walked through the JSON API, each ending in one of the outcomes a year of work
holds (paid on time, paid after delivery on monthly terms, an invoice still open, a line refused at acceptance,
a problem case, a delivery late after an incident and half paid, rejected by review, cancelled after approval,
sent back and resubmitted, a review step run late and escalated, an invoice dunned and a promise to pay kept or
broken). Most are walked today. Those whose story takes days or months are walked from that long before today
with the core's clock set back (``clock_set_back``): the review sweep and the dunning run are the real jobs, run
for the demo's company as of the moments the flow reaches, and every service records what it does as of the
clock, so a step is decided after its limit, a promise is kept or broken on its date, as they would have been.
Each template is then cloned (``core.cloning``) onto working days of the past months (a template walked from
days before today, at least that far back, so that all its clones hold is past), for customers of its payment
terms in several provinces and by several salespeople, more of them in the recent months than in the early
ones. A clone carries every row its template has (audit entries, review steps and notices, KPI facts,
shipments, invoices and their open items, payments, dunning notices and promises), moved in time as one, so the
facts, statements and ageing read the clones as they read a real order: an invoice due months ago and unpaid is
overdue. The credit hold the last dunning level places is the customer's, not an order's: the template's
customer had one, placed and lifted; the clones' customers have none.

The stock ledger is not cloned: its balances are per product, not per order, and a copied issue would leave
them short of their moves; the history's goods left a warehouse the demo does not keep.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core import cloning, companies, masterdata
from core.db import unit_of_work
from core.jobs import PerCompany, collect_jobs
from core.demo_client import DemoClient
from core.extensions import db
from core.models import Company, Customer, DeliveryMethod, InvoiceType, Order, PaymentTerms, User, utcnow
from core.models.types import clock_set_back
from core.orders import actions
from core.plugins import registry

# Customers of the history beside the demo's five, in more provinces: code, name, province, city, terms, limit.
CUSTOMERS = (
    ("C101", "江苏金陵石化设备有限公司", "江苏", "南京", PaymentTerms.MONTHLY, "1200000"),
    ("C102", "杭州西湖环保科技有限公司", "浙江", "杭州", PaymentTerms.CASH_ON_DELIVERY, "500000"),
    ("C103", "青岛海湾港务机械有限公司", "山东", "青岛", PaymentTerms.MONTHLY, "900000"),
    ("C104", "武汉长江制药有限公司", "湖北", "武汉", PaymentTerms.PREPAYMENT, "0"),
    ("C105", "沈阳北方重工配套有限公司", "辽宁", "沈阳", PaymentTerms.MONTHLY, "700000"),
    ("C106", "厦门鹭岛食品机械有限公司", "福建", "厦门", PaymentTerms.CASH_ON_DELIVERY, "300000"),
    ("C107", "西安秦川热电有限公司", "陕西", "西安", PaymentTerms.MONTHLY, "800000"),
    ("C108", "郑州中原纺织集团有限公司", "河南", "郑州", PaymentTerms.CASH_ON_DELIVERY, "400000"),
    ("C109", "天津滨海化工物流有限公司", "天津", "天津", PaymentTerms.PREPAYMENT, "0"),
    ("C110", "重庆山城汽配有限公司", "重庆", "重庆", PaymentTerms.MONTHLY, "600000"),
    ("C111", "苏州工业园精密制造有限公司", "江苏", "苏州", PaymentTerms.CASH_ON_DELIVERY, "500000"),
    ("C112", "深圳南山电子设备有限公司", "广东", "深圳", PaymentTerms.PREPAYMENT, "0"),
)
# More salespeople beside the demo's 李娜 (username sales): username, password, name; and who enters how much.
SALESPEOPLE = (("sales2", "ordo-sales2", "周杰（销售）"), ("sales3", "ordo-sales3", "吴磊（销售）"))
SALES_SHARES = (("sales", 0.5), ("sales2", 0.3), ("sales3", 0.2))
# The demo customer a template is made for, by its payment terms; its clones go to customers of the same terms.
TEMPLATE_CUSTOMER = {PaymentTerms.MONTHLY: "C002", PaymentTerms.CASH_ON_DELIVERY: "C001",
                     PaymentTerms.PREPAYMENT: "C003"}
GROWTH = 0.6  # the last month has this much more orders than the first
DEFAULT_MONTHS = 12
DEFAULT_ORDERS = 3000


@dataclass(frozen=True)
class Outcome:
    """One template flow: what happens to the order, how often (weight) and how far back its clones may lie
    (days; ``None``: the whole history)."""

    name: str
    terms: PaymentTerms
    lines: tuple[tuple[str, str], ...]
    weight: float
    max_days: int | None = None
    entered_after: timedelta | None = None  # received this long before the clerk entered it (intake's limit: a day)
    requested_days: int = 21  # the delivery date the customer asks for, in days from entry
    # Walked this many days before today, the core's clock set back (``clock_set_back``) and the jobs run as of
    # the moments the flow reaches; its clones lie at least as far back, so that all they hold is past.
    back_days: int = 0


OUTCOMES = (
    Outcome("paid_on_delivery", PaymentTerms.CASH_ON_DELIVERY, (("P002", "300"), ("P004", "80")), 4),
    Outcome("paid_on_delivery", PaymentTerms.CASH_ON_DELIVERY, (("P001", "12"), ("P006", "10")), 3),
    Outcome("paid_monthly", PaymentTerms.MONTHLY, (("P003", "2"), ("P006", "8")), 3),
    Outcome("paid_monthly", PaymentTerms.MONTHLY, (("P001", "30"), ("P004", "120")), 3,
            entered_after=timedelta(hours=40)),
    Outcome("prepaid", PaymentTerms.PREPAYMENT, (("P005", "3"),), 2),
    Outcome("invoice_open", PaymentTerms.MONTHLY, (("P001", "16"), ("P002", "400")), 1.2, 90),
    Outcome("line_refused", PaymentTerms.CASH_ON_DELIVERY, (("P006", "20"), ("P002", "150")), 0.6),
    Outcome("problem_case", PaymentTerms.MONTHLY, (("P003", "1"), ("P004", "40")), 0.5),
    Outcome("late_part_paid", PaymentTerms.MONTHLY, (("P005", "2"), ("P001", "6")), 0.5, 150, requested_days=1),
    Outcome("rejected", PaymentTerms.CASH_ON_DELIVERY, (("P005", "3"),), 0.4),
    Outcome("cancelled", PaymentTerms.MONTHLY, (("P003", "1"),), 0.3),
    Outcome("sent_back", PaymentTerms.CASH_ON_DELIVERY, (("P004", "60"), ("P006", "6")), 0.5,
            entered_after=timedelta(hours=30)),
    # The sales step runs past its limit, is escalated twice by the review sweep, and is approved late.
    Outcome("late_review", PaymentTerms.CASH_ON_DELIVERY, (("P002", "200"), ("P006", "4")), 0.8, back_days=8),
    # An invoice unpaid past its due date: reminded, then a formal letter; a promise to pay, kept.
    Outcome("dunned_promise_kept", PaymentTerms.MONTHLY, (("P001", "10"), ("P004", "60")), 0.6, back_days=110),
    # Reminded, a formal letter, a promise broken, the final notice and the call that holds credit; then paid,
    # and the hold lifted.
    Outcome("dunned_promise_broken", PaymentTerms.MONTHLY, (("P003", "1"), ("P002", "100")), 0.4, back_days=135),
)
# Dunning runs of the dunned flows, in days after the invoice's due date, each as of that day's morning; the
# promise to pay is taken the day after the formal letter, and the invoice paid as the flow says.
DUNNING_RUNS = {"dunned_promise_kept": (7, 30, 39), "dunned_promise_broken": (7, 30, 36, 45, 60, 63)}
PROMISE = {"dunned_promise_kept": (31, 38), "dunned_promise_broken": (31, 35)}  # taken, promised for
PAID = {"dunned_promise_kept": 36, "dunned_promise_broken": 62}
MORNING = time(9, 30)


UNSHIPPED = ("rejected", "cancelled")  # the outcomes whose goods never leave


def shipped_quantities() -> dict[str, Decimal]:
    """How much of each product the template flows ship: the stock a warehouse must receive for them first."""
    shipped: dict[str, Decimal] = {}
    for outcome in OUTCOMES:
        if outcome.name not in UNSHIPPED:
            for code, quantity in outcome.lines:
                shipped[code] = shipped.get(code, Decimal(0)) + Decimal(quantity)
    return shipped


@dataclass
class History:
    """How much history: over how many months, how many orders, and whom to tell how far it got."""

    months: int = DEFAULT_MONTHS
    orders: int = DEFAULT_ORDERS
    progress: Callable[[int], None] | None = None  # told how many more orders are made, as they are


def add_people(company: Company) -> list[tuple[str, str, str]]:
    """The history's customers and salespeople (in the caller's transaction); the salespeople's logins."""
    for code, name, province, city, terms, limit in CUSTOMERS:
        masterdata.create(Customer, company_id=company.id, actor=None, data={
            "code": code, "name": name, "province": province, "city": city, "payment_terms": terms,
            "credit_limit": Decimal(limit), "contact": "采购部", "phone": "400-800-0000",
            "email": f"{code.lower()}@customer.demo", "address": f"{province}{city}经济技术开发区 {code[1:]} 号",
            "delivery_method": DeliveryMethod.FREIGHT, "invoice_type": InvoiceType.ORDINARY, "invoice_title": name,
        })
    manager = db.session.execute(select(User).where(User.company_id == company.id,
                                                    User.username == "manager")).scalar_one()
    for username, password, name in SALESPEOPLE:
        user = companies.create_user(company, username=username, password=password, name=name, roles=["sales"],
                                     email=f"{username}@demo.ordo")
        user.superior_id = manager.id
    return [(username, password, "sales") for username, password, _name in SALESPEOPLE]


def make_history(company_id: int, api: dict[str, DemoClient], roles: dict[int, str], history: History) -> int:
    """Walk the template flows, then clone them over the months before today; the orders made."""
    with unit_of_work():
        company = db.session.get_one(Company, company_id)
        walk = _Walk(api, roles, company)
    templates = _flows(walk)
    if history.progress is not None:
        history.progress(len(templates))
    count = max(history.orders - len(templates), 0)
    plans = cloning.order_tables(skip={"stock_move"})
    engine = db.engine
    with unit_of_work():
        company = db.session.get_one(Company, company_id)
        people = cloning.directory(company_id)
        zone = ZoneInfo(company.timezone)
    db.session.remove()
    with engine.connect() as connection:
        loaded = cloning.load_templates(connection, plans, [order_id for order_id, _outcome in templates])
    outcomes = [outcome for _order_id, outcome in templates]
    now = utcnow()
    clones = _spread(loaded, outcomes, count, history.months, now, zone, people, random.Random(21))
    with unit_of_work():
        numbers = cloning.reserve_numbers(db.session.get_one(Company, company_id), clones)
    db.session.remove()
    company = db.session.get_one(Company, company_id)
    cloning.write_clones(engine, company, plans, loaded, clones, numbers, people, now, history.progress)
    db.session.remove()
    cloning.analyse(engine)
    return len(templates) + count


def _spread(templates: Sequence[cloning.Template], outcomes: Sequence[Outcome], count: int, months: int,
            now: datetime, zone: ZoneInfo, people: cloning.Directory, rng: random.Random) -> list[cloning.Clone]:
    """Which template each clone copies (by weight), on which working day, for which customer of the template's
    terms and by which salesperson; oldest first.

    A clone moves by whole days: a date (an invoice's due date) and a time derived from it (the KPI facts' day
    it fell due, midnight in the company's zone) then move alike, as they would had the flow run that day.
    """
    span = max(int(months * 30.44), 1)
    today = now.astimezone(zone).date()
    by_terms: dict[str, list[int]] = {}
    for customer_id, row in people.customers.items():
        by_terms.setdefault(row["payment_terms"], []).append(customer_id)
    sales_ids = [people.user(name) for name, _share in SALES_SHARES]
    sales_weights = [share for _name, share in SALES_SHARES]
    clones = []
    # A template walked days ago ran up to today: its clones lie at least as far back, or their last steps would
    # be still to come. Those that cannot fit in the history are left out.
    least = [max((today - template.created_at.astimezone(zone).date()).days, 1) for template in templates]
    weights = [outcome.weight if least[n] < min(outcome.max_days or span, span) else 0
               for n, outcome in enumerate(outcomes)]
    picks = rng.choices(list(zip(templates, outcomes, least, strict=True)), weights, k=count)
    for template, outcome, fewest in picks:
        day = _working_day(today, min(outcome.max_days or span, span), rng, fewest)
        customers = by_terms[template.rows["order"][0]["payment_terms"]]
        clones.append(cloning.Clone(template=template,
                                    shift=timedelta(days=(day - template.created_at.astimezone(zone).date()).days),
                                    customer_id=rng.choice(customers),
                                    sales_id=rng.choices(sales_ids, sales_weights)[0]))
    clones.sort(key=lambda c: c.template.created_at + c.shift)
    return clones


def _working_day(today: date, days: int, rng: random.Random, least: int = 1) -> date:
    """A Monday to Friday between ``days`` and ``least`` days ago, the recent ones likelier (the business grows)."""
    while True:
        back = rng.randint(least, days)
        recent = 1 - back / days
        if rng.random() * (1 + GROWTH) > 1 + GROWTH * recent:
            continue
        day = today - timedelta(days=back)
        if day.weekday() < 5:
            return day


def _flows(walk: _Walk) -> list[tuple[int, Outcome]]:
    """The template orders, walked through the API today, or from days before today with the clock set back:
    (order id, its outcome)."""
    api = walk.api
    customers = {c["code"]: c for c in api["administrator"].call("GET", "/customers?per_page=100")["items"]}
    products = {p["code"]: p["id"] for p in api["administrator"].call("GET", "/products?per_page=100")["items"]}
    made = []
    with clock_set_back() as set_clock:
        walk.set_clock = set_clock
        for outcome in OUTCOMES:
            if outcome.back_days:
                walk.at(_morning(walk.today() - timedelta(days=outcome.back_days), walk.zone))
            customer = customers[TEMPLATE_CUSTOMER[outcome.terms]]
            now = utcnow()
            received = {"received_at": (now - outcome.entered_after).isoformat()} if outcome.entered_after else {}
            order = api["sales"].call("POST", "/orders", {
                "customer_id": customer["id"], "channel": "phone", **received,
                "requested_date": (walk.today() + timedelta(days=outcome.requested_days)).isoformat(),
                "payment_terms": outcome.terms.value,
                "lines": [{"product_id": products[code], "quantity": quantity} for code, quantity in outcome.lines]})
            walk.through(outcome, order)
            made.append((order["id"], outcome))
            set_clock(None)  # the next flow starts from the time again
    return made


def _morning(day: date, zone: ZoneInfo) -> datetime:
    """Half past nine on ``day`` where the company is, or on the Monday after when it is a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, MORNING, zone)


class _Walk:
    """The steps of the template flows, each as the person whose work it is, and the jobs that run between them."""

    deciders = {"sales": "administrator", "finance": "finance", "production": "production", "manager": "manager"}

    def __init__(self, api: dict[str, DemoClient], roles: dict[int, str], company: Company) -> None:
        self.api, self.roles, self.company_id = api, roles, company.id
        self.zone = ZoneInfo(company.timezone)
        self.set_clock: Callable[[datetime | None], None] | None = None
        self.jobs = collect_jobs(registry())

    def today(self) -> date:
        return utcnow().astimezone(self.zone).date()

    def at(self, moment: datetime) -> None:
        """Set the clock back to ``moment``: what follows happens then."""
        assert self.set_clock is not None
        self.set_clock(moment)

    def run_job(self, name: str, moment: datetime) -> None:
        """Run a job as of ``moment``, the clock set to it, for the demo's company only."""
        self.at(moment)
        run = self.jobs[name].run
        assert isinstance(run, PerCompany)
        with unit_of_work():
            run.for_company(db.session.get_one(Company, self.company_id), utcnow())

    def through(self, outcome: Outcome, order: dict[str, Any]) -> None:
        name = outcome.name
        self.submit(order)
        if name == "rejected":
            self.decide(order, "reject", reason="价格低于公司底价，不予接受", code="price")
            return
        if name == "sent_back":
            self.decide(order, "send_back", reason="请补充安装现场信息", code="missing_information")
            self.submit(order)
        if name == "late_review":
            self.late_step(order)
        self.approve(order)
        if name == "cancelled":
            service = next(user_id for user_id, role in self.roles.items() if role == "customer_service")
            with unit_of_work():  # no API cancels an order: customer service does it on the order's page
                actions.cancel(db.session.get_one(Order, order["id"]), actor=db.session.get_one(User, service),
                               reason="客户项目延期，取消订单")
            return
        if outcome.terms is PaymentTerms.PREPAYMENT:
            self.pay(order)
        if name == "late_part_paid":
            incident = self.api["production"].call("POST", f"/orders/{order['id']}/incidents", {
                "kind": "material_shortage", "delay_hours": "16", "description": "电机到货推迟两天"})
            self.api["production"].call("POST", f"/incidents/{incident['id']}/resolve",
                                        {"resolution": "电机已到，恢复生产"})
        shipment = self.ship(order)
        if name == "line_refused":
            lines = shipment["lines"]
            verdicts = [{"shipment_line_id": lines[0]["id"], "verdict": "refused", "refused_quantity": "4",
                         "reason": "damaged", "note": "四块表盘玻璃破裂"}]
            verdicts += [{"shipment_line_id": line["id"], "verdict": "accepted"} for line in lines[1:]]
            self.api["customer_service"].call("POST", f"/shipments/{shipment['id']}/acceptance",
                                              {"lines": verdicts, "rating": 2, "comment": "部分货物破损"})
            # The refused quantity goes out again, and is signed for.
            shipment = self.dispatch(order)
        self.api["customer_service"].call("POST", f"/shipments/{shipment['id']}/acceptance",
                                          {"signed_by": "收货人", "rating": 3 if name == "late_part_paid" else 5})
        if name == "problem_case":
            case = self.api["customer_service"].call("POST", f"/orders/{order['id']}/cases", {
                "case_type": "quality", "description": "泵体运行噪声偏大"})
            self.api["production"].call("POST", f"/cases/{case['id']}/resolve",
                                        {"resolution": "repair", "note": "上门更换轴承"})
        if name == "late_part_paid":
            total = Decimal(self.api["finance"].call("GET", f"/orders/{order['id']}")["total"])
            self.pay(order, str((total / 2).quantize(Decimal("0.01"))))
        elif name in DUNNING_RUNS:
            self.dun(order, name)
        elif name != "invoice_open" and outcome.terms is not PaymentTerms.PREPAYMENT:
            self.pay(order)

    def late_step(self, order: dict[str, Any]) -> None:
        """The first step runs past its limit: the sweep escalates it to the reviewers' superiors, then, its new
        limit past too, one level further up; the manager decides it two hours after that."""
        for _level in (1, 2):
            due = datetime.fromisoformat(self.open_steps(order)[0]["due_at"])
            self.run_job("review.sweep", due + timedelta(hours=1))
        step = self.open_steps(order)[0]
        self.at(datetime.fromisoformat(step["due_at"]) + timedelta(hours=2))
        # The manager it was escalated to decides it.
        self.api["manager"].call("POST", f"/reviews/{step['id']}/decision",
                                 {"decision": "approve", "reason": "核实客户资信后同意，处理超时"})

    def dun(self, order: dict[str, Any], name: str) -> None:
        """The invoice goes unpaid past its due date: the dunning runs of its flow, as of their mornings, the
        promise to pay that finance takes on the phone, and the payment."""
        invoice = self.api["finance"].call("GET", f"/invoices?order_id={order['id']}")["items"][0]
        due = date.fromisoformat(invoice["due_date"])
        taken, promised_for = PROMISE[name]
        steps: list[tuple[int, str]] = [(day, "dun") for day in DUNNING_RUNS[name]]
        steps += [(taken, "promise"), (PAID[name], "pay")]
        for day, what in sorted(steps):
            moment = datetime.combine(due + timedelta(days=day), MORNING, self.zone)
            if what == "dun":
                self.run_job("billing.dunning", moment)
                continue
            self.at(moment + timedelta(hours=1))
            if what == "pay":
                self.pay(order)
                continue
            self.api["finance"].call("POST", f"/customers/{invoice['customer_id']}/promises", {
                "invoice_id": invoice["id"], "amount": invoice["outstanding"],
                "promised_for": (due + timedelta(days=promised_for)).isoformat(),
                "note": "客户财务电话承诺付款"})

    def submit(self, order: dict[str, Any]) -> None:
        self.api["sales"].call("POST", f"/orders/{order['id']}/submit", {"confirm_warnings": True})

    def open_steps(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for s in self.api["administrator"].list(f"/orders/{order['id']}/reviews") if s["status"] == "open"]

    def decide(self, order: dict[str, Any], decision: str, *, reason: str, code: str | None = None) -> None:
        """Decide the first open step; a rejection or a return names one of the review's standard reason codes."""
        step = self.open_steps(order)[0]
        self.api[self.deciders.get(step["department"], "administrator")].call(
            "POST", f"/reviews/{step['id']}/decision",
            {"decision": decision, "reason": reason, **({"reason_code": code} if code else {})})

    def approve(self, order: dict[str, Any]) -> None:
        while self.open_steps(order):
            self.decide(order, "approve", reason="符合要求")

    def ship(self, order: dict[str, Any]) -> dict[str, Any]:
        plan = self.api["production"].call("POST", f"/orders/{order['id']}/execution/confirm", {"accept_late": True})
        for task in plan["tasks"]:
            self.api[self.roles.get(task["assignee"]["id"], "administrator")].call(
                "POST", f"/milestones/{task['id']}/complete", {"note": "按计划完成"})
        return self.dispatch(order)

    def dispatch(self, order: dict[str, Any]) -> dict[str, Any]:
        """What is left to ship of the order, in one shipment, dispatched."""
        shipment = self.api["logistics"].call("POST", f"/orders/{order['id']}/shipments", {"carrier": "德邦物流"})
        return self.api["logistics"].call("POST", f"/shipments/{shipment['id']}/dispatch")

    def pay(self, order: dict[str, Any], amount: str | None = None) -> None:
        current = self.api["finance"].call("GET", f"/orders/{order['id']}")
        self.api["finance"].call("POST", "/payments", {"order_id": order["id"], "amount": amount or current["total"],
                                                       "method": "bank_transfer",
                                                       "reference": f"银行回单 {current['number']}"})
