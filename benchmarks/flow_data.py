#!/usr/bin/env python3
"""Orders made by real flows: a handful driven through the app's API and services, then cloned to N.

The benchmarks measure pages on data that looks like a year of a company's work, which
synthetic rows of the ``order`` table alone do not: a real order has lines, pinned modules,
a line fingerprint, audit entries, review rounds with steps (decided, or still open and
due), findings, decisions, KPI facts, outbox messages with attachments, shipments,
invoices, payments, change requests and earlier revisions. This module makes them the way
the app does, once, and copies them:

1. **Templates.** A fresh database (every migration branch upgraded, as ``ordo db upgrade``
   does) gets the demo company (with a logo) (``core.demo.load_demo``: nine orders walked through the
   JSON API, from drafts to paid) and six more flows through the same API and services:
   a draft waiting for the customer, an order sent back by a reviewer and resubmitted
   (its second round open), one cancelled after approval, one delivered late after an
   incident and half paid,
   one whose change request was approved (revision 2), and one of the platform customer's
   imported from its order export by the worker's job. Each template stands for a
   stage, in the demo's proportions (every template weighs the same).
2. **Clones** (``core.cloning``, which the demo's year of history uses too). Every table a real order
   touches is found from the metadata: each table
   with a foreign key to ``order``, and each table with a foreign key to one of those
   (``review_decision`` through ``review_step``, ``billing_payment`` through
   ``billing_invoice``...). A clone of a template copies the template's rows of all of
   them, with new ids and every reference among them mapped (foreign keys, and the ids
   the audit log and stored documents name by ``entity``/``entity_id``, and a revision's
   ``replaced_by_change``); its times moved back by the same span (a year for settled
   orders, weeks for open ones), so intervals stay as the flow made them; a new order
   number of its own day (reserved from intake through the ``order_numbers`` hook: the company's
   number format, the day's sequence, the counter left as the app would leave it) written wherever the
   template's number appeared (shipment and invoice numbers, mail subjects, file
   names); a customer and a salesperson drawn with a skew (one e-commerce platform
   places 40 % of the orders; one salesperson enters 45 %), their names, addresses and
   invoice details in place of the template's; unique values (a mail's Message-ID, an
   idempotency key) made unique. Mail older than an hour is marked sent, as the worker
   would have. The rows go in with one Core ``executemany`` per table per chunk of
   clones, on SQLite and PostgreSQL alike, then the database is analysed.
3. **Checks** (``verify``): the orders per status are the templates' statuses times
   their clones, every table holds the templates' rows times their clones, no foreign
   key among the cloned tables points nowhere, and a cloned order's portal page and API
   resource answer 200 with its number.

Used by ``benchmarks/list_view.py`` and ``benchmarks/pages.py``; as a script::

    .venv/bin/python benchmarks/flow_data.py --orders 100000 --database-url sqlite:////tmp/ordo-100k.sqlite
    .venv/bin/python benchmarks/flow_data.py --orders 100000 --database-url postgresql://postgres@127.0.0.1/ordo_bench

The database is emptied first (every table dropped). Stored documents (rendered PDFs)
are not cloned: the flows render none, and the worker renders a mail's attachment only
when it sends it; cloned attachments name none.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade as migrate_upgrade  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import func, inspect, select, text  # noqa: E402

from core import cloning, companies, company_profile, masterdata  # noqa: E402
from core.app import create_app  # noqa: E402
from core.auth.services import create_token  # noqa: E402
from core.db import unit_of_work  # noqa: E402
from core.cloning import Clone, Template  # noqa: E402
from core.demo import load_demo  # noqa: E402
from core.demo_client import DemoClient  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Channel, Company, Customer, Order, OrderStatus, PaymentTerms, User, utcnow  # noqa: E402
from core.orders import actions  # noqa: E402
from plugins.intake import import_jobs  # noqa: E402
from plugins.intake.waiting import mark_waiting  # noqa: E402
from plugins.review.policy import STANDARD_REASONS  # noqa: E402

COMPANY = "DEMO"
MIGRATIONS = ROOT / "migrations"

# The customer that places most orders: a platform shop whose orders arrive by the e-commerce channel.
PLATFORM = {"code": "C006", "name": "京东工业品平台旗舰店", "province": "北京", "city": "北京",
            "payment_terms": PaymentTerms.MONTHLY, "credit_limit": Decimal("5000000"), "contact": "平台采购",
            "phone": "400-606-5500", "email": "purchasing@platform.demo", "address": "北京市大兴区亦庄经济开发区 18 号"}
# Its portal user, and the demo's own customer user (上海华东机电, C001): the benchmarks sign in as one of them.
PLATFORM_USER = ("platform", "ordo-platform", "京东工业品 采购", "customer")
# Who places the orders: (customer code, share).
CUSTOMER_SHARES = (("C006", 0.40), ("C001", 0.20), ("C002", 0.15), ("C003", 0.10), ("C004", 0.08), ("C005", 0.07))
# More salespeople beside the demo's 李娜 (username sales); who enters the orders: (username, share).
SALESPEOPLE = (("sales2", "ordo-sales2", "周杰（销售）"), ("sales3", "ordo-sales3", "吴磊（销售）"),
               ("sales4", "ordo-sales4", "郑爽（销售）"))
SALES_SHARES = (("sales", 0.45), ("sales2", 0.25), ("sales3", 0.20), ("sales4", 0.10))
# How far back a clone of a template in this stage may lie: open work is recent, settled work spans the year.
AGE_DAYS = {OrderStatus.DRAFT: 21, OrderStatus.SUBMITTED: 14, OrderStatus.APPROVED: 30, OrderStatus.SHIPPED: 14,
            OrderStatus.DELIVERED: 60}
YEAR_DAYS = 365


@dataclass
class Dataset:
    """What was generated: where, how many orders, from which templates, how long it took."""

    url: str
    orders: int
    company_id: int
    templates: dict[int, str]  # template order id -> its status
    clones: Counter[int] = field(default_factory=Counter)  # template order id -> clones made of it
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows expected
    flows_seconds: float = 0.0
    clone_seconds: float = 0.0
    reused: bool = False

    def expected_statuses(self) -> Counter[str]:
        expected: Counter[str] = Counter()
        for order_id, status in self.templates.items():
            expected[status] += 1 + self.clones[order_id]
        return expected


# ---------------------------------------------------------------------------------------------- the app


def make_app(url: str, instance_path: str | Path | None = None, **config: Any) -> Flask:
    """An app on ``url`` configured as in production (the environment's settings), with cheap password hashes."""
    instance = Path(instance_path or tempfile.mkdtemp(prefix="ordo-flowdata-"))
    settings = {"SQLALCHEMY_DATABASE_URI": url, **config}
    return create_app(settings, instance_path=instance)


def reset_schema(app: Flask) -> None:
    """Every table dropped, then every migration branch upgraded: the schema ``ordo db upgrade`` makes."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            else:
                db.metadata.drop_all(connection)
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        with contextlib.redirect_stderr(io.StringIO()):  # Alembic's log of every revision it runs
            migrate_upgrade(str(MIGRATIONS), "heads")
        db.session.remove()


# ---------------------------------------------------------------------------------------------- the flows


def run_flows(app: Flask) -> dict[int, str]:
    """The demo company, its extra customer and salespeople, and the template orders; returns {order id: status}."""
    with app.app_context():
        load_demo(COMPANY)
        company = db.session.execute(select(Company).where(Company.code == COMPANY)).scalar_one()
        company_id = company.id
        with unit_of_work():
            platform = masterdata.create(Customer, company_id=company.id, actor=None, data=dict(PLATFORM))
            username, password, name, role = PLATFORM_USER
            companies.create_user(company, username=username, password=password, name=name, roles=[role],
                                  email=f"{username}@demo.ordo", customer_id=platform.id)
            company_profile.set_logo(company, _logo(), actor=_user(company_id, "admin"))
            manager = _user(company.id, "manager")
            for username, password, name in SALESPEOPLE:
                user = companies.create_user(company, username=username, password=password, name=name,
                                             roles=["sales"], email=f"{username}@demo.ordo")
                user.superior_id = manager.id
        _more_flows(db.session.get_one(Company, company_id))
        db.session.remove()
        orders = db.session.execute(select(Order.id, Order.status).where(Order.company_id == company_id)
                                    .order_by(Order.id)).all()
        db.session.remove()
    return {order_id: OrderStatus(status).value for order_id, status in orders}


def _logo() -> bytes:
    """The company's logo, as an administrator uploads it: a small PNG."""
    picture = Image.new("RGB", (240, 80), (29, 36, 51))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _user(company_id: int, username: str) -> User:
    return db.session.execute(select(User).where(User.company_id == company_id, User.username == username)).scalar_one()


def _more_flows(company: Company) -> None:
    """The stages the demo does not walk: waiting, sent back, cancelled, part paid, a change applied."""
    with unit_of_work():
        users = {name: _user(company.id, name)
                 for name in ("admin", "sales", "finance", "production", "logistics", "service", "manager")}
        tokens = {name: create_token(user, "flow data")[0] for name, user in users.items()}
        names = {user.id: name for name, user in users.items()}
    api = {name: DemoClient(token) for name, token in tokens.items()}
    customers = {c["code"]: c for c in api["admin"].call("GET", "/customers?per_page=50")["items"]}
    products = {p["code"]: p["id"] for p in api["admin"].call("GET", "/products?per_page=50")["items"]}
    soon = (date.today() + timedelta(days=21)).isoformat()

    def create(code: str, lines: list[tuple[str, str]], **extra: Any) -> dict:
        customer = customers[code]
        return api["sales"].call("POST", "/orders", {
            "customer_id": customer["id"], "channel": extra.pop("channel", "phone"), "requested_date": soon,
            "payment_terms": customer["payment_terms"],
            "lines": [{"product_id": products[product], "quantity": quantity} for product, quantity in lines],
            **extra})

    def submit(order: dict) -> dict:
        return api["sales"].call("POST", f"/orders/{order['id']}/submit", {"confirm_warnings": True})

    deciders = {"sales": "admin", "finance": "finance", "production": "production", "manager": "manager"}

    def open_steps(order: dict) -> list[dict]:
        return [s for s in api["admin"].list(f"/orders/{order['id']}/reviews") if s["status"] == "open"]

    def approve(order: dict) -> None:
        for _ in range(10):
            steps = open_steps(order)
            if not steps:
                return
            api[deciders.get(steps[0]["department"], "admin")].call(
                "POST", f"/reviews/{steps[0]['id']}/decision", {"decision": "approve", "reason": "同意"})
        raise RuntimeError(f"the review of order {order['id']} did not end")

    def produce(order: dict) -> None:
        """The planner confirms the order's execution plan; each task is done by the person it is assigned to."""
        plan = api["production"].call("POST", f"/orders/{order['id']}/execution/confirm", {"accept_late": True})
        for task in plan["tasks"]:
            api[names.get(task["assignee"]["id"], "admin")].call("POST", f"/milestones/{task['id']}/complete",
                                                                 {"note": "按计划完成"})

    def deliver(order: dict, signed_by: str) -> None:
        produce(order)
        shipment = api["logistics"].call("POST", f"/orders/{order['id']}/shipments",
                                         {"carrier": "中通快运", "tracking_number": f"ZT{order['id']:010d}"})
        api["logistics"].call("POST", f"/shipments/{shipment['id']}/dispatch")
        api["service"].call("POST", f"/shipments/{shipment['id']}/acceptance", {"signed_by": signed_by, "rating": 4})

    # A draft the clerk sent back to the customer: the delivery address is in doubt.
    waiting = create("C003", [("P002", "120", ), ("P004", "60")], channel="email")
    with unit_of_work():
        mark_waiting(db.session.get_one(Order, waiting["id"]), "请确认收货地址与联系人电话",
                     _user(company.id, "sales"))
    # Sent back by the first reviewer for a missing detail, resubmitted: its second round is open.
    sent_back = submit(create("C002", [("P005", "2"), ("P006", "12")]))
    step = open_steps(sent_back)[0]
    api[deciders.get(step["department"], "admin")].call(
        "POST", f"/reviews/{step['id']}/decision",
        {"decision": "send_back", "reason_code": STANDARD_REASONS[-2], "reason": "请补充安装现场信息"})
    submit(sent_back)
    # Approved, then cancelled by the customer before it shipped.
    cancelled = submit(create("C001", [("P003", "1"), ("P004", "8")]))
    approve(cancelled)
    with unit_of_work():
        actions.cancel(db.session.get_one(Order, cancelled["id"]), actor=_user(company.id, "service"),
                       reason="客户项目延期，取消订单")
    # Delivered late after a shortage of material (an incident, resolved), invoiced, half paid.
    part_paid = submit(create("C004", [("P001", "8"), ("P002", "300")], channel="sales_rep"))
    approve(part_paid)
    incident = api["production"].call("POST", f"/orders/{part_paid['id']}/incidents", {
        "kind": "material_shortage", "delay_hours": "8", "description": "密封圈原料到货推迟一天"})
    api["production"].call("POST", f"/incidents/{incident['id']}/resolve", {"resolution": "原料已到，恢复生产"})
    deliver(part_paid, "李建")
    total = Decimal(api["finance"].call("GET", f"/orders/{part_paid['id']}")["total"])
    api["finance"].call("POST", "/payments", {"order_id": part_paid["id"], "amount": str((total / 2).quantize(
        Decimal("0.01"))), "method": "bank_transfer", "reference": "工商银行回单（首付）"})
    # Approved, then changed at the customer's request; the change approved: revision 2.
    changed = submit(create("C002", [("P006", "30"), ("P004", "40")]))
    approve(changed)
    api["service"].call("POST", f"/orders/{changed['id']}/changes",
                        {"lines": [{"line_no": 1, "quantity": "36"}], "reason": "客户增加六块压力表"})
    approve(changed)
    # The platform's order export, imported and submitted by the worker's job: an import page, and an order in review.
    csv = ("订单号,客户编码,商家编码,订购数量,收货人,联系电话,收货地址\n"
           f"JD{date.today():%Y%m%d}0001,{PLATFORM['code']},P002,400,平台仓,400-606-5500,北京市大兴区亦庄\n"
           f"JD{date.today():%Y%m%d}0001,{PLATFORM['code']},P006,24,平台仓,400-606-5500,北京市大兴区亦庄\n")
    with unit_of_work():
        import_jobs.start(db.session.get_one(Company, company.id), _user(company.id, "sales"), "jd-orders.csv",
                          csv.encode(), "jd", submit=True)
    import_jobs.run_queued(db.session.get_one(Company, company.id), utcnow())


# ---------------------------------------------------------------------------------------------- cloning


def _spread(templates: Sequence[Template], count: int, rng: random.Random, now: datetime,
            customers: list[tuple[int, float]], sales: list[tuple[int, float]], platform_id: int) -> list[Clone]:
    """Which template each clone copies, when it happened, for whom and by whom; oldest first."""
    clones = []
    customer_ids, customer_weights = zip(*customers, strict=True)
    sales_ids, sales_weights = zip(*sales, strict=True)
    picks = [templates[i % len(templates)] for i in range(count)]  # each template as often: the demo's proportions
    rng.shuffle(picks)
    for template in picks:
        days = AGE_DAYS.get(template.status, YEAR_DAYS)
        back = timedelta(seconds=rng.uniform(3_600, days * 86_400))
        when = now - back
        shift = when - template.created_at
        customer = rng.choices(customer_ids, customer_weights)[0]
        person = rng.choices(sales_ids, sales_weights)[0] if template.created_by_id is not None else None
        clones.append(Clone(template=template, shift=shift, customer_id=customer, sales_id=person,
                            channel=Channel.ECOMMERCE if customer == platform_id else None))
    clones.sort(key=lambda c: c.template.created_at + c.shift)
    return clones


def clone(app: Flask, dataset: Dataset, *, seed: int = 7, progress: bool = False) -> None:
    """Add clones of the company's orders until it has ``dataset.orders``, in chunks of ``cloning.CHUNK``."""
    began = time.perf_counter()
    rng = random.Random(seed)
    with app.app_context():
        engine = db.engine
        plans = cloning.order_tables()
        people = cloning.directory(dataset.company_id)
        customers = [(people.customer(code), share) for code, share in CUSTOMER_SHARES]
        sales = [(people.user(name), share) for name, share in SALES_SHARES]
        count = dataset.orders - len(dataset.templates)
        if count < 0:
            raise SystemExit(f"--orders must be at least {len(dataset.templates)}, the templates' number")
        order_ids = db.session.execute(select(Order.id).where(Order.company_id == dataset.company_id)
                                       .order_by(Order.id)).scalars().all()
        db.session.remove()
        with engine.connect() as connection:
            templates = cloning.load_templates(connection, plans, order_ids)
        now = utcnow()
        clones = _spread(templates, count, rng, now, customers, sales, people.customer(PLATFORM["code"]))
        with unit_of_work():
            numbers = cloning.reserve_numbers(db.session.get_one(Company, dataset.company_id), clones)
        db.session.remove()
        made = 0

        def report(chunk: int) -> None:
            nonlocal made
            made += chunk
            if progress:
                rate = made / (time.perf_counter() - began)
                print(f"  {made:,} of {count:,} clones ({rate:,.0f} orders/s)", file=sys.stderr, flush=True)

        dataset.clones += cloning.write_clones(engine, db.session.get_one(Company, dataset.company_id), plans,
                                               templates, clones, numbers, people, now, report)
        db.session.remove()
        cloning.analyse(engine)
        dataset.rows = {plan.table.name: sum(len(t.rows.get(plan.table.name, [])) * (1 + dataset.clones[t.order_id])
                                             for t in templates) for plan in plans}
    dataset.clone_seconds = time.perf_counter() - began


# ---------------------------------------------------------------------------------------------- checks


def verify(app: Flask, dataset: Dataset) -> list[str]:
    """What is wrong with the generated data: statuses, row counts, dangling references, a clone's pages."""
    problems = []
    with app.app_context():
        plans = cloning.order_tables()
        with db.engine.connect() as connection:
            order = db.metadata.tables["order"]
            found = Counter({OrderStatus(status).value: n for status, n in connection.execute(
                select(order.c.status, func.count()).where(order.c.company_id == dataset.company_id)
                .group_by(order.c.status))})
            if found != dataset.expected_statuses():
                problems.append(f"orders per status {dict(found)}, expected {dict(dataset.expected_statuses())}")
            for plan in plans:
                column, _parent = plan.order_path
                # The rows of orders only: the audit log also holds the company's own entries.
                rows = connection.execute(select(func.count()).select_from(plan.table)
                                          .where(plan.table.c[column].is_not(None))).scalar()
                expected = dataset.rows.get(plan.table.name)
                if expected is not None and rows != expected:
                    problems.append(f"{plan.table.name}: {rows} rows, expected {expected}")
                for column, target in plan.maps.items():
                    parent = db.metadata.tables[target]
                    child = plan.table.c[column]
                    key = parent.c[cloning.plan_key(target, plans)]
                    dangling = connection.execute(
                        select(func.count()).select_from(plan.table.outerjoin(parent, child == key))
                        .where(child.is_not(None), key.is_(None))).scalar()
                    if dangling:
                        problems.append(f"{plan.table.name}.{column}: {dangling} rows point at no {target}")
            orders = connection.execute(select(func.count()).select_from(order)
                                        .where(order.c.company_id == dataset.company_id)).scalar()
            if orders != dataset.orders:
                problems.append(f"{orders} orders, expected {dataset.orders}")
            numbers = connection.execute(select(func.count(order.c.number), func.count(order.c.number.distinct()))
                                         .where(order.c.company_id == dataset.company_id)).one()
            if numbers[0] != numbers[1]:
                problems.append(f"{numbers[0] - numbers[1]} order numbers repeated")
            templates = list(dataset.templates)
            sample = connection.execute(select(order.c.id, order.c.number).where(
                order.c.company_id == dataset.company_id, order.c.id.not_in(templates), order.c.number.is_not(None))
                .order_by(order.c.id.desc()).limit(1)).first()
        if sample is not None:
            problems += _pages_answer(app, dataset.company_id, sample.id, sample.number)
    return problems


def _pages_answer(app: Flask, company_id: int, order_id: int, number: str) -> list[str]:
    """The clone's portal page (as the administrator) and its API resource answer 200 and name it."""
    problems = []
    with app.app_context():
        with unit_of_work():
            admin = _user(company_id, "admin")
            token = create_token(admin, "flow data check")[0]
        db.session.remove()
    client = app.test_client()
    answer = client.get(f"/api/v1/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})
    if answer.status_code != 200 or answer.get_json().get("number") != number:
        problems.append(f"GET /api/v1/orders/{order_id}: {answer.status_code}")
    portal = app.test_client()
    if portal_sign_in(portal, "admin", "ordo-admin"):
        page = portal.get(f"/orders/{order_id}")
        if page.status_code != 200 or number not in page.get_data(as_text=True):
            problems.append(f"GET /orders/{order_id}: {page.status_code}")
    else:
        problems.append("the administrator could not sign in to the portal")
    return problems


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def portal_sign_in(client: Any, username: str, password: str) -> bool:
    """Sign a Flask test client in through the login form (its CSRF token included)."""
    form = client.get("/login").get_data(as_text=True)
    found = CSRF.search(form)
    data = {"username": username, "password": password, **({"csrf_token": found.group(1)} if found else {})}
    return client.post("/login", data=data).status_code == 302


# ---------------------------------------------------------------------------------------------- entry points


def existing(app: Flask, orders: int) -> Dataset | None:
    """The dataset already in the database, if it holds the demo company with exactly ``orders`` orders
    in the schema of this code (every table of the models there), upgraded to the latest migrations."""
    with app.app_context():
        if not set(db.metadata.tables) <= set(inspect(db.engine).get_table_names()):
            return None  # none yet, or made by an older version of Ordo
        try:
            company = db.session.execute(select(Company).where(Company.code == COMPANY)).scalar_one_or_none()
        except Exception:  # no tables yet
            db.session.rollback()
            return None
        if company is None:
            return None
        order_table = db.metadata.tables["order"]
        count = db.session.execute(select(func.count()).select_from(order_table)
                                   .where(order_table.c.company_id == company.id)).scalar()
        company_id = company.id
        db.session.remove()
    if count != orders:
        return None
    with app.app_context():  # the migrations added since it was made (indexes), as ``ordo db upgrade`` would
        applied = _revisions()
        with contextlib.redirect_stderr(io.StringIO()):
            migrate_upgrade(str(MIGRATIONS), "heads")
        if _revisions() != applied:  # the new indexes' statistics, as autovacuum would leave them
            cloning.analyse(db.engine)
        db.session.remove()
    return Dataset(url=app.config["SQLALCHEMY_DATABASE_URI"], orders=orders, company_id=company_id, templates={},
                   reused=True)


def _revisions() -> set[str]:
    return set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())


def generate(url: str, orders: int, *, seed: int = 7, instance_path: str | Path | None = None,
             reuse: bool = False, progress: bool = False) -> Dataset:
    """A database at ``url`` holding the demo company with ``orders`` orders made by flows and their clones."""
    app = make_app(url, instance_path)
    if reuse:
        found = existing(app, orders)
        if found is not None:
            return found
    began = time.perf_counter()
    reset_schema(app)
    templates = run_flows(app)
    with app.app_context():
        company_id = db.session.execute(select(Company.id).where(Company.code == COMPANY)).scalar_one()
        db.session.remove()
    dataset = Dataset(url=url, orders=orders, company_id=company_id, templates=templates,
                      flows_seconds=time.perf_counter() - began)
    clone(app, dataset, seed=seed, progress=progress)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return dataset


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a new SQLite file in a temporary folder (the database is emptied first)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database if it already holds the demo company with --orders orders")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='ordo-flowdata-')}/ordo.sqlite"
    dataset = generate(url, args.orders, seed=args.seed, reuse=args.reuse, progress=True)
    if dataset.reused:
        print(f"{url}: already holds {args.orders:,} orders; kept")
        return 0
    print(f"{args.orders:,} orders in {url}: flows {dataset.flows_seconds:.1f} s, "
          f"clones {dataset.clone_seconds:.1f} s")
    print("orders per status: " + ", ".join(f"{status} {n:,}" for status, n in
                                            sorted(dataset.expected_statuses().items())))
    print("rows: " + ", ".join(f"{name} {n:,}" for name, n in dataset.rows.items()))
    if not args.no_verify:
        problems = verify(make_app(url), dataset)
        for problem in problems:
            print(f"PROBLEM: {problem}")
        print("verified: " + ("consistent" if not problems else f"{len(problems)} problems"))
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
