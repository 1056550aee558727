"""Copies of orders that real flows made, with every row they touched: the demo's year of history and the
benchmarks' data.

A flow driven through the services writes an order's rows in many tables (lines, pinned modules, audit
entries, review steps and decisions, KPI facts, mail, shipments, invoices, open items, payments...). Which
tables those are is found from the metadata (:func:`order_tables`): each table with a foreign key to
``order``, and each table with a foreign key to one of those. A copy (a :class:`Clone`) of such a template
order takes the template's rows of all of them, with new ids and every reference among them mapped
(foreign keys, the ``entity``/``entity_id`` of the audit log and stored documents, a revision's
``replaced_by_change``); its times moved by one span (the dates and times in its JSON too: an event's
payload in the audit log), so every interval stays as the flow made it; a number
of its own day, reserved from intake through the ``order_numbers`` hook and written wherever the template's
number appeared; a customer and a salesperson in place of the template's, with their names and details;
unique values made unique. Mail older than an hour is marked sent, as the worker would have.

The rows go in with one executemany per table per chunk of copies (a ``COPY`` on PostgreSQL). Nothing here
knows a plugin: the tables, their keys and what their columns hold come from the metadata.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Column, Table, TypeDecorator, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from core.errors import OrdoError
from core.extensions import db
from core.models import Channel, Company, Customer, OrderStatus, User
from core.models.outbox import OutboxStatus
from core.modules import hooks_for_company

CHUNK = 1_000  # clones per transaction
# The order's fields the app takes from its customer when they are left out: (order column, customer column).
CUSTOMER_FIELDS = (("contact", "contact"), ("phone", "phone"), ("delivery_address", "address"),
                   ("invoice_type", "invoice_type"), ("invoice_title", "invoice_title"),
                   ("invoice_tax_id", "invoice_tax_id"), ("invoice_bank_account", "invoice_bank_account"),
                   ("invoice_address_phone", "invoice_address_phone"))


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


def order_tables(skip: Collection[str] = ()) -> list[TablePlan]:
    """Every table a real order touches, parents first: a foreign key to ``order`` or to one of these.

    ``skip`` names tables left out, with the tables reached only through them.
    """
    tables = db.metadata.sorted_tables
    cloned: dict[str, TablePlan] = {}
    for table in tables:
        if table.name in skip:
            continue
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


def plan_key(table: str, plans: Sequence[TablePlan]) -> str:
    """The key column of a cloned table (``id`` when it has no single integer key)."""
    for plan in plans:
        if plan.table.name == table:
            return plan.key or "id"
    return "id"


# ---------------------------------------------------------------------------------------------- templates, clones


@dataclass
class Template:
    """An order a flow made, with its rows of every cloned table."""

    order_id: int
    status: OrderStatus
    number: str | None
    created_at: datetime
    submitted_at: datetime | None
    customer_id: int
    created_by_id: int | None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # table -> its rows, by id
    # per table: rows' text and JSON columns that name something a clone replaces (number, customer, people)
    marked: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)
    # per table: rows' JSON columns holding a date or a time (an event's payload in the audit log), moved too
    dated: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)
    # per table: rows' JSON columns naming the order or its customer by id (``order_id``, ``customer_id``: an
    # event's payload in the audit log, which ``ordo kpi rebuild`` reads), given the clone's
    ided: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)


@dataclass
class Clone:
    """One copy to make: of which template, moved by how much, for whom and by whom."""

    template: Template
    shift: timedelta
    customer_id: int
    sales_id: int | None
    channel: Channel | None = None  # the order's channel, when not the template's


@dataclass
class Directory:
    """The company's customers and people as the clones name them."""

    customers: dict[int, dict[str, Any]]  # id -> code, name, email and the fields an order takes from it
    users: dict[int, dict[str, Any]]  # id -> name, username

    def customer(self, code: str) -> int:
        return next(cid for cid, row in self.customers.items() if row["code"] == code)

    def user(self, username: str) -> int:
        return next(uid for uid, row in self.users.items() if row["username"] == username)


def directory(company_id: int) -> Directory:
    """The company's customers and users, read once."""
    customers = db.session.execute(select(Customer).where(Customer.company_id == company_id)).scalars()
    users = db.session.execute(select(User).where(User.company_id == company_id)).scalars()
    return Directory(
        customers={c.id: {"code": c.code, "name": c.name, "email": c.email, "payment_terms": c.payment_terms,
                          **{col: getattr(c, col) for _o, col in CUSTOMER_FIELDS}} for c in customers},
        users={u.id: {"name": u.name, "username": u.username} for u in users})


def load_templates(connection: Connection, plans: Sequence[TablePlan], order_ids: Sequence[int]) -> list[Template]:
    """The given orders with their rows of every cloned table, in the order of ``order_ids``."""
    order_table = db.metadata.tables["order"]
    templates: dict[int, Template] = {}
    for row in connection.execute(select(order_table).where(order_table.c.id.in_(list(order_ids)))).mappings():
        templates[row["id"]] = Template(order_id=row["id"], status=OrderStatus(row["status"]), number=row["number"],
                                        created_at=row["created_at"], submitted_at=row["submitted_at"],
                                        customer_id=row["customer_id"], created_by_id=row["created_by_id"])
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
    return [templates[order_id] for order_id in order_ids]


def _replacements(clone: Clone, number: str | None, people: Directory) -> list[tuple[str, str]]:
    template = clone.template
    pairs: list[tuple[str, str]] = []
    if template.number and number:
        pairs.append((template.number, number))
    if clone.customer_id != template.customer_id:
        old, new = people.customers[template.customer_id], people.customers[clone.customer_id]
        for key in ("name", "email"):
            if old[key] and new[key]:
                pairs.append((old[key], new[key]))
    if clone.sales_id is not None and template.created_by_id is not None and clone.sales_id != template.created_by_id:
        was, now = people.users[template.created_by_id], people.users[clone.sales_id]
        pairs.append((f"{was['name']} ({was['username']})", f"{now['name']} ({now['username']})"))
        pairs.append((was["name"], now["name"]))
    return pairs


def _tokens(template: Template, people: Directory) -> list[str]:
    tokens = [template.number] if template.number else []
    customer = people.customers[template.customer_id]
    tokens += [v for v in (customer["name"], customer["email"]) if v]
    if template.created_by_id is not None:
        tokens.append(people.users[template.created_by_id]["name"])
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


# A date or a time in a JSON value, as ``isoformat`` writes it: the whole string, nothing around it.
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?")


def _mark(templates: Sequence[Template], plans: Sequence[TablePlan], people: Directory) -> None:
    """Note, once per template row, which text and JSON columns hold something a clone replaces, and which
    JSON columns hold a date or a time a clone moves."""
    for template in templates:
        tokens = _tokens(template, people)
        for plan in plans:
            marked, dated, ided = [], [], []
            for index, row in enumerate(template.rows.get(plan.table.name, [])):
                columns = [c for c in plan.texts if isinstance(row[c], str) and any(t in row[c] for t in tokens)]
                columns += [c for c in plan.jsons if row[c] is not None
                            and any(t in json.dumps(row[c], ensure_ascii=False, default=str) for t in tokens)]
                if columns:
                    marked.append((index, columns))
                moments = [c for c in plan.jsons if _has_moment(row[c])]
                if moments:
                    dated.append((index, moments))
                named = [c for c in plan.jsons if _names_ids(row[c])]
                if named:
                    ided.append((index, named))
            template.marked[plan.table.name] = marked
            template.dated[plan.table.name] = dated
            template.ided[plan.table.name] = ided


def _has_moment(value: Any) -> bool:
    if isinstance(value, str):
        return ISO_MOMENT.fullmatch(value) is not None
    if isinstance(value, list):
        return any(_has_moment(item) for item in value)
    if isinstance(value, dict):
        return any(_has_moment(item) for item in value.values())
    return False


ID_KEYS = ("order_id", "customer_id")  # the ids a clone's JSON names anew


def _names_ids(value: Any) -> bool:
    if isinstance(value, list):
        return any(_names_ids(item) for item in value)
    if isinstance(value, dict):
        return any(key in ID_KEYS for key in value) or any(_names_ids(item) for item in value.values())
    return False


def _map_ids(value: Any, ids: dict[str, dict[int, int]]) -> Any:
    """``value`` with each ``order_id`` and ``customer_id`` of the template's given the clone's."""
    if isinstance(value, list):
        return [_map_ids(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: ids[key].get(item, item) if key in ids and isinstance(item, int) else _map_ids(item, ids)
                for key, item in value.items()}
    return value


def _shift_json(value: Any, shift: timedelta, days: timedelta) -> Any:
    """``value`` with each date moved by ``days`` and each time by ``shift``, written as before."""
    if isinstance(value, str):
        if ISO_MOMENT.fullmatch(value) is None:
            return value
        if len(value) == 10:
            return (date.fromisoformat(value) + days).isoformat()
        moved = (datetime.fromisoformat(value) + shift).isoformat(sep=value[10])
        return moved[:-6] + "Z" if value.endswith("Z") and moved.endswith("+00:00") else moved
    if isinstance(value, list):
        return [_shift_json(item, shift, days) for item in value]
    if isinstance(value, dict):
        return {key: _shift_json(item, shift, days) for key, item in value.items()}
    return value


def reserve_numbers(company: Company, clones: Sequence[Clone]) -> list[str | None]:
    """A number for each clone of a numbered template, of the company-local day it was submitted on, reserved
    through the ``order_numbers`` hook (in the caller's transaction); in the clones' order, which is the
    order of their submission within a day."""
    zone = ZoneInfo(company.timezone)
    days: list[date | None] = []
    for item in clones:
        submitted = item.template.submitted_at
        days.append((submitted + item.shift).astimezone(zone).date() if item.template.number and submitted else None)
    hooks = hooks_for_company(company.id)
    given: dict[date, Iterator[str]] = {}
    for day, count in sorted(Counter(day for day in days if day is not None).items()):
        numbers = hooks.order_numbers(company=company, day=day, count=count)
        if numbers is None or len(numbers) != count:
            raise OrdoError(f"no plugin numbers the orders of {day}")
        given[day] = iter(numbers)
    return [next(given[day]) if day is not None else None for day in days]


# ---------------------------------------------------------------------------------------------- writing


def write_clones(engine: Engine, company: Company, plans: Sequence[TablePlan], templates: Sequence[Template],
                 clones: Sequence[Clone], numbers: Sequence[str | None], people: Directory, now: datetime,
                 progress: Callable[[int], None] | None = None) -> Counter[int]:
    """Insert the clones, oldest first in chunks of :data:`CHUNK`, each in its own transaction; tell
    ``progress`` how many were written after each chunk. Return the clones made per template order."""
    entities = entity_tables(plans)
    _mark(templates, plans, people)
    with engine.connect() as connection:
        next_id = {plan.table.name: (connection.execute(select(func.max(plan.table.c[plan.key]))).scalar() or 0) + 1
                   for plan in plans if plan.key}
    made: Counter[int] = Counter()
    for start in range(0, len(clones), CHUNK):
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item, number in zip(clones[start:start + CHUNK], numbers[start:start + CHUNK], strict=True):
            _clone_one(item, number, plans, entities, next_id, people, now, rows)
            made[item.template.order_id] += 1
        with engine.begin() as connection:
            for plan in plans:
                batch = rows.get(plan.table.name)
                if batch:
                    bulk_insert(connection, plan.table, batch)
        if progress is not None:
            progress(min(CHUNK, len(clones) - start))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            for plan in plans:
                if plan.key:
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{plan.table.name}\"', '{plan.key}'), "
                        f"(SELECT max(\"{plan.key}\") FROM \"{plan.table.name}\"))"))
    return made


def _clone_one(item: Clone, number: str | None, plans: Sequence[TablePlan], entities: dict[str, str],
               next_id: dict[str, int], people: Directory, now: datetime,
               out: dict[str, list[dict[str, Any]]]) -> None:
    template, shift = item.template, item.shift
    days = timedelta(days=shift.days + (1 if shift.seconds >= 43_200 else 0))
    pairs = _replacements(item, number, people)
    persons = {template.created_by_id: item.sales_id} if item.sales_id is not None else {}
    ids: dict[str, dict[int, int]] = {}  # table -> the template's row ids -> the clone's
    for plan in plans:
        rows = template.rows.get(plan.table.name)
        if rows and plan.key:
            start = next_id[plan.table.name]
            ids[plan.table.name] = {row[plan.key]: start + n for n, row in enumerate(rows)}
            next_id[plan.table.name] = start + len(rows)
    named_ids = {"order_id": ids["order"], "customer_id": {template.customer_id: item.customer_id}}
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
        for index, columns in template.dated.get(name, []):
            copy = copies[index]
            for column in columns:
                copy[column] = _shift_json(copy[column], shift, days)
        for index, columns in template.ided.get(name, []):
            copy = copies[index]
            for column in columns:
                copy[column] = _map_ids(copy[column], named_ids)
        for index, copy in enumerate(copies):
            if plan.key:
                copy[plan.key] = ids[name][copy[plan.key]]
            for column, target in plan.maps.items():
                value = copy[column]
                if value is not None and column != plan.key:
                    copy[column] = ids.get(target, {}).get(value, value)
            for column in plan.users:
                value = copy[column]
                if value in persons:
                    copy[column] = persons[value]
            for column in plan.datetimes:
                if copy[column] is not None:
                    copy[column] = copy[column] + shift
            for column in plan.dates:
                if copy[column] is not None:
                    copy[column] = copy[column] + days
            if plan.entity and copy["entity_id"] is not None:
                named = entities.get(copy["entity"])
                if named is not None and named in ids:
                    copy["entity_id"] = ids[named].get(copy["entity_id"], copy["entity_id"])
                elif copy["entity"] == "customer" and copy["entity_id"] == template.customer_id:
                    copy["entity_id"] = item.customer_id  # the customer's entry (a promise to pay): the clone's
            for column in plan.uniques:
                if copy[column] is not None and copy[column] == rows[index][column]:
                    copy[column] = _uniquify(copy[column], f"c{ids['order'][template.order_id]}")
        if name != "order" and "customer_id" in copies[0]:  # a payment, an open item, a fact: its customer's
            for copy in copies:
                if copy["customer_id"] == template.customer_id:
                    copy["customer_id"] = item.customer_id
        if name == "order":
            _as_customer(copies[0], item, people, template)
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


def _as_customer(order: dict[str, Any], item: Clone, people: Directory, template: Template) -> None:
    """The clone's customer in place of the template's, with the details the app would take from it."""
    if item.channel is not None:
        order["channel"] = item.channel
    if item.customer_id == template.customer_id:
        return
    old, new = people.customers[template.customer_id], people.customers[item.customer_id]
    order["customer_id"] = item.customer_id
    for order_column, customer_column in CUSTOMER_FIELDS:
        if order[order_column] == old[customer_column]:
            order[order_column] = new[customer_column]


def _sent(message: dict[str, Any], now: datetime) -> None:
    """A mail of an order an hour old or more has gone: sent once, as the worker leaves it."""
    if message["status"] != OutboxStatus.PENDING or message["created_at"] > now - timedelta(hours=1):
        return
    at = message["created_at"] + timedelta(seconds=40)
    message.update(status=OutboxStatus.SENT, attempts=1, last_attempt_at=at, sent_at=at, smtp_code=250,
                   smtp_answer="2.0.0 Ok: queued", next_attempt_at=message["created_at"])


def _uniquify(value: str, tag: str) -> str:
    local, at, domain = value.rpartition("@")
    if at and local:
        return f"{local}.{tag}@{domain}"
    return f"{value}-{tag}"


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


def analyse(engine: Engine) -> None:
    """Table statistics as autovacuum (PostgreSQL) or ``ANALYZE`` (SQLite) would leave them."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
