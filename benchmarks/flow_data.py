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
2. **Clones.** Every table a real order touches is found from the metadata: each table
   with a foreign key to ``order``, and each table with a foreign key to one of those
   (``review_decision`` through ``review_step``, ``billing_payment`` through
   ``billing_invoice``...). A clone of a template copies the template's rows of all of
   them, with new ids and every reference among them mapped (foreign keys, and the ids
   the audit log and stored documents name by ``entity``/``entity_id``, and a revision's
   ``replaced_by_change``); its times moved back by the same span (a year for settled
   orders, weeks for open ones), so intervals stay as the flow made them; a new order
   number of its own day (the company's number format, the day's sequence, the
   ``intake_sequence`` counter set as the app would leave it) written wherever the
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
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade as migrate_upgrade  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import JSON, Column, Table, TypeDecorator, func, insert, inspect, select, text  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from core import companies, company_profile, masterdata  # noqa: E402
from core.app import create_app  # noqa: E402
from core.auth.services import create_token  # noqa: E402
from core.db import unit_of_work  # noqa: E402
from core.demo import DemoClient, load_demo  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Channel, Company, Customer, Order, OrderStatus, PaymentTerms, User, utcnow  # noqa: E402
from core.models.outbox import OutboxStatus  # noqa: E402
from core.orders import actions  # noqa: E402
from plugins.intake import import_jobs  # noqa: E402
from plugins.intake.models import IntakeSequence  # noqa: E402
from plugins.intake.settings import format_number, settings_for  # noqa: E402
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
CHUNK = 1_000  # clones per transaction
# The order's fields the app takes from its customer when they are left out: (order column, customer column).
CUSTOMER_FIELDS = (("contact", "contact"), ("phone", "phone"), ("delivery_address", "address"),
                   ("invoice_type", "invoice_type"), ("invoice_title", "invoice_title"),
                   ("invoice_tax_id", "invoice_tax_id"), ("invoice_bank_account", "invoice_bank_account"),
                   ("invoice_address_phone", "invoice_address_phone"))


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


# ---------------------------------------------------------------------------------------------- the tables


@dataclass
class TablePlan:
    """How one table's rows are copied: which columns get new values, and from what."""

    table: Table
    key: str | None  # the integer primary key, if the table has one
    order_path: tuple[str, str | None]  # (column, parent table): order_id directly, or through a parent's row
    maps: dict[str, str] = field(default_factory=dict)  # column -> cloned table whose id it holds
    users: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    datetimes: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    jsons: list[str] = field(default_factory=list)
    entity: str | None = None  # the column naming which table ``entity_id`` points into
    uniques: list[str] = field(default_factory=list)  # text columns that must differ from the template's


def order_tables() -> list[TablePlan]:
    """Every table a real order touches, parents first: a foreign key to ``order`` or to one of these."""
    tables = db.metadata.sorted_tables
    cloned: dict[str, TablePlan] = {}
    for table in tables:
        path: tuple[str, str | None] | None = None
        if table.name == "order":
            path = ("id", None)
        else:
            for column in table.columns:
                for key in column.foreign_keys:
                    target = key.column.table.name
                    if target == "order" and (path is None or path[1] is not None):
                        path = (column.name, None)
                    elif target in cloned and path is None:
                        path = (column.name, target)
        if path is None:
            continue
        cloned[table.name] = _plan(table, path, cloned)
    return list(cloned.values())


def _plan(table: Table, path: tuple[str, str | None], cloned: dict[str, TablePlan]) -> TablePlan:
    keys = [c for c in table.primary_key.columns]
    key = keys[0].name if len(keys) == 1 and _python_type(keys[0]) is int and not keys[0].foreign_keys else None
    plan = TablePlan(table=table, key=key, order_path=path)
    for column in table.columns:
        kind = _python_type(column)
        targets = [fk.column.table.name for fk in column.foreign_keys]
        if targets and (targets[0] in cloned or targets[0] == "order"):
            plan.maps[column.name] = targets[0]
        elif targets == ["user"]:
            plan.users.append(column.name)
        elif targets == ["customer"]:
            plan.customers.append(column.name)
        elif kind is datetime:
            plan.datetimes.append(column.name)
        elif kind is date:
            plan.dates.append(column.name)
        elif isinstance(column.type, JSON):
            plan.jsons.append(column.name)
        elif kind is str and not targets:
            plan.texts.append(column.name)
    if "entity" in table.columns and "entity_id" in table.columns:
        plan.entity = "entity"
    for constraint in [*table.constraints, *table.indexes]:
        columns = list(getattr(constraint, "columns", []))
        if not columns or not (constraint.__class__.__name__ == "UniqueConstraint" or getattr(constraint, "unique",
                                                                                              False)):
            continue
        if any(c.name in plan.maps or c.name == key for c in columns):
            continue  # unique through a remapped id
        plan.uniques.extend(c.name for c in columns if c.name in plan.texts and c.name not in plan.uniques)
    return plan


def _python_type(column: Column) -> Any:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # UTCDateTime, Money...: what they store
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def entity_tables(plans: Sequence[TablePlan]) -> dict[str, str]:
    """The entity names of the audit log and stored documents, each to its cloned table.

    A plugin's table is named by its entity after the plugin's prefix: ``shipment`` is ``logistics_shipment``.
    """
    names = [plan.table.name for plan in plans if plan.key]
    found = {name: name for name in names}
    for name in names:
        _prefix, _, rest = name.partition("_")  # the plugin's prefix: billing_invoice is an "invoice"
        if rest:
            found.setdefault(rest, name)
    return found


# ---------------------------------------------------------------------------------------------- cloning


@dataclass
class Template:
    order_id: int
    status: OrderStatus
    number: str | None
    created_at: datetime
    customer_id: int
    created_by_id: int | None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # table -> its rows, by id
    # per table: rows' text and JSON columns that name something a clone replaces (number, customer, people)
    marked: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)


@dataclass
class Clone:
    template: Template
    shift: timedelta
    customer_id: int
    sales_id: int | None


def _load_templates(connection: Connection, plans: Sequence[TablePlan], company_id: int) -> list[Template]:
    order_table = db.metadata.tables["order"]
    templates: dict[int, Template] = {}
    for row in connection.execute(select(order_table).where(order_table.c.company_id == company_id)
                                  .order_by(order_table.c.id)).mappings():
        templates[row["id"]] = Template(order_id=row["id"], status=OrderStatus(row["status"]), number=row["number"],
                                        created_at=row["created_at"], customer_id=row["customer_id"],
                                        created_by_id=row["created_by_id"])
    owner: dict[str, dict[int, int]] = {"order": {i: i for i in templates}}  # table -> row id -> template order id
    for plan in plans:
        table = plan.table
        column, parent = plan.order_path
        mapping = owner[parent] if parent else owner["order"]
        query = select(table).where(table.c[column].in_(list(mapping)))
        if plan.key:
            query = query.order_by(table.c[plan.key])
        owned: dict[int, int] = {}
        for row in connection.execute(query).mappings():
            order_id = mapping[row[column]]
            templates[order_id].rows.setdefault(table.name, []).append(dict(row))
            if plan.key:
                owned[row[plan.key]] = order_id
        owner[table.name] = owned
    return list(templates.values())


def _spread(templates: Sequence[Template], count: int, rng: random.Random, now: datetime,
            customers: list[tuple[int, float]], sales: list[tuple[int, float]]) -> list[Clone]:
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
        clones.append(Clone(template=template, shift=shift, customer_id=customer, sales_id=person))
    clones.sort(key=lambda c: c.template.created_at + c.shift)
    return clones


def _replacements(clone: Clone, number: str | None, customers: dict[int, dict[str, Any]],
                  users: dict[int, dict[str, Any]]) -> list[tuple[str, str]]:
    template = clone.template
    pairs: list[tuple[str, str]] = []
    if template.number and number:
        pairs.append((template.number, number))
    if clone.customer_id != template.customer_id:
        old, new = customers[template.customer_id], customers[clone.customer_id]
        for key in ("name", "email"):
            if old[key] and new[key]:
                pairs.append((old[key], new[key]))
    if clone.sales_id is not None and template.created_by_id is not None and clone.sales_id != template.created_by_id:
        old, new = users[template.created_by_id], users[clone.sales_id]
        pairs.append((f"{old['name']} ({old['username']})", f"{new['name']} ({new['username']})"))
        pairs.append((old["name"], new["name"]))
    return pairs


def _tokens(template: Template, customers: dict[int, dict[str, Any]], users: dict[int, dict[str, Any]]) -> list[str]:
    tokens = [template.number] if template.number else []
    tokens += [v for v in (customers[template.customer_id]["name"], customers[template.customer_id]["email"]) if v]
    if template.created_by_id is not None:
        tokens.append(users[template.created_by_id]["name"])
    return tokens


def _replace_json(value: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for old, new in pairs:
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_replace_json(item, pairs) for item in value]
    if isinstance(value, dict):
        return {key: _replace_json(item, pairs) for key, item in value.items()}
    return value


def _mark(templates: Sequence[Template], plans: Sequence[TablePlan], customers: dict[int, dict[str, Any]],
          users: dict[int, dict[str, Any]]) -> None:
    """Note, once per template row, which text and JSON columns hold something a clone replaces."""
    for template in templates:
        tokens = _tokens(template, customers, users)
        for plan in plans:
            marked = []
            for index, row in enumerate(template.rows.get(plan.table.name, [])):
                columns = [c for c in plan.texts if isinstance(row[c], str) and any(t in row[c] for t in tokens)]
                columns += [c for c in plan.jsons if row[c] is not None
                            and any(t in json.dumps(row[c], ensure_ascii=False, default=str) for t in tokens)]
                if columns:
                    marked.append((index, columns))
            template.marked[plan.table.name] = marked


class Numbers:
    """Order numbers per company-local day, continuing each day's counter."""

    def __init__(self, connection: Connection, company_id: int, number_format: str, prefix: str, zone: ZoneInfo):
        self.format, self.prefix, self.zone = number_format, prefix, zone
        self.company_id = company_id
        self.last: dict[date, int] = dict(connection.execute(
            select(IntakeSequence.day, IntakeSequence.last).where(IntakeSequence.company_id == company_id)).all())
        self.known = set(self.last)

    def next(self, submitted_at: datetime) -> str:
        day = submitted_at.astimezone(self.zone).date()
        self.last[day] = self.last.get(day, 0) + 1
        return format_number(self.format, self.prefix, day, self.last[day])

    def save(self, connection: Connection) -> None:
        table = IntakeSequence.__table__
        for day in self.known & set(self.last):
            connection.execute(table.update().where(table.c.company_id == self.company_id, table.c.day == day)
                               .values(last=self.last[day]))
        fresh = [{"company_id": self.company_id, "day": day, "last": last}
                 for day, last in sorted(self.last.items()) if day not in self.known]
        if fresh:
            connection.execute(insert(table), fresh)


def _uniquify(value: str, tag: str) -> str:
    local, at, domain = value.rpartition("@")
    if at and local:
        return f"{local}.{tag}@{domain}"
    return f"{value}-{tag}"


def clone(app: Flask, dataset: Dataset, *, seed: int = 7, progress: bool = False) -> None:
    """Add clones of the company's orders until it has ``dataset.orders``, in chunks of ``CHUNK``."""
    began = time.perf_counter()
    rng = random.Random(seed)
    with app.app_context():
        engine = db.engine
        plans = order_tables()
        entities = entity_tables(plans)
        plan_of = {plan.table.name: plan for plan in plans}
        company = db.session.get_one(Company, dataset.company_id)
        number_format = settings_for(company.id).number_format
        zone, prefix = ZoneInfo(company.timezone), company.order_prefix
        company_customers = db.session.execute(select(Customer).where(Customer.company_id == company.id)).scalars()
        customer_rows = {c.id: {"code": c.code, "name": c.name, "email": c.email,
                                **{col: getattr(c, col) for _o, col in CUSTOMER_FIELDS}} for c in company_customers}
        user_rows = {u.id: {"name": u.name, "username": u.username}
                     for u in db.session.execute(select(User).where(User.company_id == company.id)).scalars()}
        by_code = {row["code"]: cid for cid, row in customer_rows.items()}
        by_username = {row["username"]: uid for uid, row in user_rows.items()}
        customers = [(by_code[code], share) for code, share in CUSTOMER_SHARES]
        sales = [(by_username[name], share) for name, share in SALES_SHARES]
        db.session.remove()
        count = dataset.orders - len(dataset.templates)
        if count < 0:
            raise SystemExit(f"--orders must be at least {len(dataset.templates)}, the templates' number")
        with engine.connect() as connection:
            templates = _load_templates(connection, plans, company.id)
            numbers = Numbers(connection, company.id, number_format, prefix, zone)
            next_id = {plan.table.name: (connection.execute(select(func.max(plan.table.c[plan.key]))).scalar() or 0) + 1
                       for plan in plans if plan.key}
        _mark(templates, plans, customer_rows, user_rows)
        now = utcnow()
        clones = _spread(templates, count, rng, now, customers, sales)
        made = 0
        for chunk in _chunks(clones, CHUNK):
            rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for item in chunk:
                _clone_one(item, plans, plan_of, entities, next_id, numbers, customer_rows, user_rows, now,
                           rows, by_code["C006"])
                dataset.clones[item.template.order_id] += 1
            with engine.begin() as connection:
                for plan in plans:
                    batch = rows.get(plan.table.name)
                    if batch:
                        bulk_insert(connection, plan.table, batch)
            made += len(chunk)
            if progress:
                rate = made / (time.perf_counter() - began)
                print(f"  {made:,} of {count:,} clones ({rate:,.0f} orders/s)", file=sys.stderr, flush=True)
        with engine.begin() as connection:
            numbers.save(connection)
            if connection.dialect.name == "postgresql":
                for plan in plans:
                    if plan.key:
                        connection.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('\"{plan.table.name}\"', '{plan.key}'), "
                            f"(SELECT max(\"{plan.key}\") FROM \"{plan.table.name}\"))"))
        analyse(engine)
        dataset.rows = {plan.table.name: sum(len(t.rows.get(plan.table.name, [])) * (1 + dataset.clones[t.order_id])
                                             for t in templates) for plan in plans}
    dataset.clone_seconds = time.perf_counter() - began


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert whole rows: one ``executemany`` on SQLite, one ``COPY`` on PostgreSQL (its fastest way in).

    ``COPY`` gets each value as the column's type would bind it (an enum's value, JSON as text,
    a datetime in UTC), so both ways store the same.
    """
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    dialect = connection.dialect
    binds = [(column.name, _to_json if isinstance(column.type, JSON) else column.type.bind_processor(dialect))
             for column in table.columns]
    names = ", ".join(f'"{name}"' for name, _bind in binds)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            # A column the template's rows leave out (an insert sentinel) goes in as NULL, as the executemany does.
            copy.write_row([bind(row.get(name)) if bind else row.get(name) for name, bind in binds])


def _to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _chunks(items: Sequence[Clone], size: int) -> Iterator[Sequence[Clone]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _clone_one(item: Clone, plans: Sequence[TablePlan], plan_of: dict[str, TablePlan], entities: dict[str, str],
               next_id: dict[str, int], numbers: Numbers, customers: dict[int, dict[str, Any]],
               users: dict[int, dict[str, Any]], now: datetime, out: dict[str, list[dict[str, Any]]],
               platform_id: int) -> None:
    template, shift = item.template, item.shift
    days = timedelta(days=shift.days + (1 if shift.seconds >= 43_200 else 0))
    order_row = template.rows["order"][0]
    number = None
    if template.number is not None:
        number = numbers.next(order_row["submitted_at"] + shift)
    pairs = _replacements(item, number, customers, users)
    people = {template.created_by_id: item.sales_id} if item.sales_id is not None else {}
    ids: dict[str, dict[int, int]] = {}  # table -> the template's row ids -> the clone's
    for plan in plans:
        rows = template.rows.get(plan.table.name)
        if rows and plan.key:
            start = next_id[plan.table.name]
            ids[plan.table.name] = {row[plan.key]: start + n for n, row in enumerate(rows)}
            next_id[plan.table.name] = start + len(rows)
    for plan in plans:
        rows = template.rows.get(plan.table.name)
        if not rows:
            continue
        name = plan.table.name
        copies = [dict(row) for row in rows]
        for index, columns in template.marked.get(name, []):
            copy = copies[index]
            for column in columns:
                copy[column] = _replace_json(copy[column], pairs)
        for index, copy in enumerate(copies):
            if plan.key:
                copy[plan.key] = ids[name][copy[plan.key]]
            for column, target in plan.maps.items():
                value = copy[column]
                if value is not None and column != plan.key:
                    copy[column] = ids.get(target, {}).get(value, value)
            for column in plan.users:
                value = copy[column]
                if value in people:
                    copy[column] = people[value]
            for column in plan.datetimes:
                if copy[column] is not None:
                    copy[column] = copy[column] + shift
            for column in plan.dates:
                if copy[column] is not None:
                    copy[column] = copy[column] + days
            if plan.entity and copy["entity_id"] is not None:
                target = entities.get(copy["entity"])
                if target is not None and target in ids:
                    copy["entity_id"] = ids[target].get(copy["entity_id"], copy["entity_id"])
            for column in plan.uniques:
                if copy[column] is not None and copy[column] == rows[index][column]:
                    copy[column] = _uniquify(copy[column], f"c{ids['order'][template.order_id]}")
        if name != "order" and copies and "customer_id" in copies[0]:  # a payment is its customer's
            for copy in copies:
                if copy["customer_id"] == template.customer_id:
                    copy["customer_id"] = item.customer_id
        if name == "order":
            _as_customer(copies[0], item, customers, template, platform_id)
            if copies[0]["source_reference"]:  # the channel's own reference names one order of the channel
                copies[0]["source_reference"] = f"{copies[0]['source_reference']}-{copies[0]['id']}"
        elif name == "order_revision":
            for copy in copies:
                if copy.get("replaced_by_change") is not None and "review_change_request" in ids:
                    copy["replaced_by_change"] = ids["review_change_request"].get(copy["replaced_by_change"],
                                                                                  copy["replaced_by_change"])
        elif name == "outbox_message":
            for copy in copies:
                _sent(copy, now)
        out[name].extend(copies)


def _as_customer(order: dict[str, Any], item: Clone, customers: dict[int, dict[str, Any]], template: Template,
                 platform_id: int) -> None:
    """The clone's customer in place of the template's, with the details the app would take from it."""
    if item.customer_id == template.customer_id:
        return
    old, new = customers[template.customer_id], customers[item.customer_id]
    order["customer_id"] = item.customer_id
    for order_column, customer_column in CUSTOMER_FIELDS:
        if order[order_column] == old[customer_column]:
            order[order_column] = new[customer_column]
    if item.customer_id == platform_id:
        order["channel"] = Channel.ECOMMERCE


def _sent(message: dict[str, Any], now: datetime) -> None:
    """A mail of an order an hour old or more has gone: sent once, as the worker leaves it."""
    if message["status"] != OutboxStatus.PENDING or message["created_at"] > now - timedelta(hours=1):
        return
    at = message["created_at"] + timedelta(seconds=40)
    message.update(status=OutboxStatus.SENT, attempts=1, last_attempt_at=at, sent_at=at, smtp_code=250,
                   smtp_answer="2.0.0 Ok: queued", next_attempt_at=message["created_at"])


def analyse(engine: Any) -> None:
    """Table statistics as autovacuum (PostgreSQL) or ``ANALYZE`` (SQLite) would leave them."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


# ---------------------------------------------------------------------------------------------- checks


def verify(app: Flask, dataset: Dataset) -> list[str]:
    """What is wrong with the generated data: statuses, row counts, dangling references, a clone's pages."""
    problems = []
    with app.app_context():
        plans = order_tables()
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
                    key = parent.c[plan_key(target, plans)]
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


def plan_key(table: str, plans: Sequence[TablePlan]) -> str:
    for plan in plans:
        if plan.table.name == table:
            return plan.key or "id"
    return "id"


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
            analyse(db.engine)
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
