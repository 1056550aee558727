"""Import orders from e-commerce exports and order files (CSV in UTF-8 or GB18030, Excel .xlsx).

Rows that share a platform order id become one order with several lines; the order's
source reference is ``<mapping>:<order id>``, so importing the same file again creates
nothing new. A bad row is reported with its row number (as in the file: the header is
row 1), its column and the reason, and only its order is left out. Orders are
committed in chunks, one transaction each.

The file is never held as a table (:func:`core.tabular.rows_of` hands its rows on one at a time):
the import reads it once through the limits, keeping only which chunk each order
falls in, then again, importing each chunk as soon as its last row is read and letting
its rows go. What an import holds is the file's bytes and the rows of the chunks whose
last row is yet to come: one chunk's when each order's rows are together, as exports
write them (``benchmarks/import_memory.py`` measures the largest file the limits allow).

Each chunk is imported in bulk, as one entry by hand would be many times over: every
order is made by ``services.new_draft`` (the values ``services.create_draft`` stores)
and checked by ``checks.check_order``, with what the checks ask the database (the
company's day, each customer's credit hold) asked once for the chunk
(``checks.batch_for``); then the good orders, their lines and their "created" audit
entries are inserted with one Core executemany each. Entering a draft fires no event
or hook, so none is skipped; submitting (``submit``) goes through ``services.submit``
per order after the drafts are in.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import class_mapper

from core import audit, prices
from core.db import unit_of_work
from core.errors import OrdoError, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Company, Customer, Order, OrderLine, Product, User
from core.models.types import SENTINEL
from core.stored_text import StoredText, stored
from core.untrusted_text import control_character
from core.tabular import RowError, rows_of
from core.tabular_limits import ImportRefused
from plugins.intake import checks, fingerprints, services
from plugins.intake.mappings import REQUIRED, ColumnMapping
from plugins.intake.models import IntakeFingerprint

CHUNK = 500
_IN_CHUNK = 900  # parameters per IN (...) query, under every database's limit


@dataclass
class ImportResult:
    rows: int = 0
    created: list[int] = field(default_factory=list)
    submitted: int = 0
    already_imported: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str | StoredText] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict[str, str]


def _columns(header: list[str], mapping: ColumnMapping) -> tuple[dict[str, int], list[str]]:
    """Which position holds which field, and the headers the mapping does not know."""
    names = [cell.strip() for cell in header]
    found: dict[str, int] = {}
    for field_name, aliases in mapping.columns.items():
        for alias in aliases:
            if alias in names:
                found[field_name] = names.index(alias)
                break
    known = set(found.values())
    unknown = [name for index, name in enumerate(names) if index not in known and name]
    missing = [mapping.header_for(name) for name in REQUIRED if name not in found]
    if missing:
        raise ImportRefused(_("the file has no column %(columns)s, which the mapping %(mapping)s needs",
                              columns=", ".join(missing), mapping=mapping.name), field="file")
    return found, unknown


def check_columns(header: list[str], mapping: ColumnMapping) -> tuple[dict[str, int], list[str]]:
    """Which position of the header holds which field, and the headers the mapping does not know.

    Refuses a header without a column the mapping needs, naming it.
    """
    return _columns(header, mapping)


# --- importing ------------------------------------------------------------------------


def import_orders(company: Company, filename: str, data: bytes, mapping: ColumnMapping, actor: User, *,
                  submit: bool = False, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import the file's orders into the company, committing each chunk of orders; see the module.

    The file is read twice, row by row, and never held as a table: first through the
    limits, to refuse it before any order is imported and to plan the chunks
    (:func:`_plan`), then to import each chunk as soon as its last row is read.
    """
    return _import(company, lambda: rows_of(filename, data), mapping, actor, submit=submit, progress=progress)


def import_table(company: Company, table: list[list[str]], mapping: ColumnMapping, actor: User, *,
                 submit: bool = False, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import the rows ``core.tabular.read_table`` read (header first); ``progress`` is told the rows per chunk."""
    return _import(company, lambda: iter(table), mapping, actor, submit=submit, progress=progress)


@dataclass(frozen=True)
class _Plan:
    """What the first reading of a file found: its header, its rows under the header, and its chunks.

    A chunk is :data:`CHUNK` orders in the order of their first row; ``chunk_of`` gives
    each order number's chunk and ``ends[k]`` the position (under the header) of chunk
    ``k``'s last row, after which the chunk is complete and is imported.
    """

    header: list[str]
    rows: int
    chunk_of: dict[str, int]
    ends: list[int]


def _plan(rows: Iterator[list[str]], mapping: ColumnMapping) -> _Plan:
    """Read every row once, keeping only each order number's chunk: the memory of a few strings per order."""
    header = next(rows)
    names = [cell.strip() for cell in header]
    position = next((names.index(alias) for alias in mapping.columns.get("order_ref", ()) if alias in names), None)
    chunk_of: dict[str, int] = {}
    ends: list[int] = []
    count = 0
    for index, cells in enumerate(rows):
        count = index + 1
        reference = cells[position].strip() if position is not None and position < len(cells) else ""
        if not reference:
            continue
        chunk = chunk_of.setdefault(reference, len(chunk_of) // CHUNK)
        if chunk == len(ends):
            ends.append(index)
        else:
            ends[chunk] = index
    return _Plan(header, count, chunk_of, ends)


def _import(company: Company, read: Callable[[], Iterator[list[str]]], mapping: ColumnMapping, actor: User, *,
            submit: bool, progress: Callable[[int], None] | None) -> ImportResult:
    """Import the rows ``read()`` gives (header first; each call reads them anew), chunk by chunk: a chunk's rows
    are held from its first row read until its last, and let go once it is imported and committed."""
    plan = _plan(read(), mapping)
    if not actor.can("order.create"):
        raise PermissionDenied(_("you may not enter orders, so you may not import them"),
                               permissions=("order.create",))
    header = plan.header
    positions, unknown = _columns(header, mapping)
    result = ImportResult(rows=plan.rows)
    result.warnings = [stored("column %(column)s is not part of the mapping %(mapping)s and was not imported",
                         column=name, mapping=mapping.name) for name in unknown]
    may_price = actor.can("order.view_prices")
    if "unit_price" in positions and not may_price:
        result.warnings.append(stored("you may not set prices: the column %(column)s was not imported and the list "
                                 "prices apply", column=header[positions["unit_price"]].strip()))
    headers = {name: header[index].strip() for name, index in positions.items()}
    column = {name: headers.get(name) or mapping.header_for(name) for name in mapping.columns}
    context = _Context(company, mapping, actor, column, may_price, submit)
    waiting: dict[int, dict[str, list[_Row]]] = {}  # the rows read of the chunks not yet imported, by chunk
    done = 0  # the chunks imported
    rows = read()
    next(rows)  # the header, as the plan read it
    for index, cells in enumerate(rows):
        number = index + 2
        if any(cell.strip() for cell in cells):
            values = {name: (cells[at].strip() if at < len(cells) else "") for name, at in positions.items()}
            reference = values["order_ref"]
            if not reference:
                result.errors.append(RowError(number, column["order_ref"], stored("the order number is empty")))
            else:
                waiting.setdefault(plan.chunk_of[reference], {}).setdefault(reference, []).append(
                    _Row(number, values))
        while done < len(plan.ends) and plan.ends[done] <= index:
            _run_chunk(context, waiting.pop(done), result, progress)
            done += 1
    result.errors.sort(key=lambda error: error.row)
    return result


def _run_chunk(context: _Context, chunk: dict[str, list[_Row]], result: ImportResult,
               progress: Callable[[int], None] | None) -> None:
    """Import one chunk in its own transaction."""
    with unit_of_work():
        _import_chunk(context, chunk, result)
    if progress is not None:
        progress(sum(len(rows) for rows in chunk.values()))


@dataclass(frozen=True)
class _Context:
    """What every order of one import shares."""

    company: Company
    mapping: ColumnMapping
    actor: User
    column: dict[str, str]
    may_price: bool
    submit: bool


@dataclass(frozen=True)
class _Master:
    """The chunk's customers and products by code, its products by id, and what its checks ask once."""

    customers: dict[str, Customer]
    products: dict[str, Product]
    products_by_id: dict[int, Product]
    batch: checks.Batch
    agreed: dict[int, dict[int, Decimal]]  # each customer's agreed prices, by customer id, then product id


@dataclass(frozen=True)
class _Draft:
    """An order that passed every check, made as ``services.create_draft`` makes it, not yet saved."""

    source: str
    draft: services.NewDraft
    problems: list[checks.Problem]


def _import_chunk(context: _Context, chunk: dict[str, list[_Row]], result: ImportResult) -> None:
    """Validate the chunk's orders in memory, then insert the good ones as drafts, their lines and their
    audit entries with one executemany each; submit them afterwards when asked to."""
    company = context.company
    sources = {ref: f"{context.mapping.name}:{ref}" for ref in chunk}
    existing = _existing_references(company.id, list(sources.values()))
    result.already_imported.extend(ref for ref in chunk if sources[ref] in existing)
    new = {ref: rows for ref, rows in chunk.items() if sources[ref] not in existing}
    # Looked up per chunk: a commit expires what the session holds, and one query reloads them all.
    customers = _customers(company.id, {rows[0].values["customer_code"] for rows in new.values()})
    products = _products(company.id, {row.values["product_code"] for rows in new.values() for row in rows})
    by_id = {product.id: product for product in products.values()}
    master = _Master(customers, products, by_id, checks.batch_for(company, customers.values()),
                     prices.agreed_prices_of((customer.id for customer in customers.values()), by_id))
    drafts = [draft for ref, rows in new.items()
              if (draft := _checked_draft(context, sources[ref], rows, master, result)) is not None]
    ids = _insert_drafts(drafts, context.actor)
    result.created.extend(ids)
    if context.submit:
        _submit(drafts, ids, context.actor, result)


def _checked_draft(context: _Context, source: str, rows: list[_Row], master: _Master,
                   result: ImportResult) -> _Draft | None:
    """The order of ``rows`` as a draft with its warnings, or None with its errors in ``result``."""
    column, company = context.column, context.company
    errors: list[RowError] = []
    first = rows[0]
    customer = master.customers.get(first.values["customer_code"])
    if not first.values["customer_code"]:
        errors.append(RowError(first.number, column["customer_code"], stored("the customer code is empty")))
    elif customer is None or not customer.active:
        errors.append(RowError(first.number, column["customer_code"],
                               stored("customer %(code)s does not exist", code=first.values["customer_code"])
                               if customer is None else stored("customer %(name)s is inactive", name=customer.name)))
    for row in rows[1:]:
        if row.values["customer_code"] and row.values["customer_code"] != first.values["customer_code"]:
            errors.append(RowError(row.number, column["customer_code"],
                                   stored("the customer differs from row %(row)s of the same order", row=first.number)))
    errors.extend(error for row in rows for error in _control_characters(row, column))
    lines = [line for row in rows
             if (line := _line(row, master.products, column, context.may_price, errors)) is not None]
    requested = _requested_date(first, column, errors)
    if errors:
        result.errors.extend(errors)
        return None
    assert customer is not None
    if requested is None:
        slowest = max((master.products[row.values["product_code"]].lead_time_days for row in rows), default=0)
        requested = company.today() + timedelta(days=slowest)
    data = {"customer_id": customer.id, "channel": context.mapping.channel, "source_reference": source,
            "customer_reference": source.split(":", 1)[1][:100], "requested_date": requested,
            "delivery_method": None, "contact": first.values.get("contact") or None,
            "phone": first.values.get("phone") or None, "delivery_address": first.values.get("address") or None,
            "notes": first.values.get("notes") or None, "lines": lines}
    try:
        draft = services.new_draft(company, customer, data, context.actor, master.products_by_id,
                                  may_set_prices=context.may_price, agreed=master.agreed.get(customer.id, {}))
        problems = checks.check_order(draft, batch=master.batch)
        blocking = checks.blocking(problems)
        if blocking:
            result.errors.extend(_problem_error(problem, rows, column) for problem in blocking)
            return None
        services.compute_new_draft(draft)
    except ValidationError as error:
        result.errors.append(RowError(first.number, column.get(error.field or "", column["order_ref"]),
                                      str(error)))
        return None
    return _Draft(source, draft, problems)


def _insert_drafts(drafts: list[_Draft], actor: User) -> list[int]:
    """Insert the drafts, their lines and their "created" audit entries, with exactly the values
    ``services.create_draft`` stores; the new orders' ids in the drafts' order."""
    if not drafts:
        return []
    orders, lines = cast(Table, Order.__table__), cast(Table, OrderLine.__table__)
    # The chunk's source references are distinct, so they pair each new id with its draft: rows returned in
    # any order let SQLite insert many per statement too (sorting them by parameter needs one per row there).
    statement = insert(orders).returning(orders.c.source_reference, orders.c.id)
    returned: dict[str, int] = {source: order_id for source, order_id in db.session.execute(
        statement, [_insert_values(Order, item.draft.columns) for item in drafts])}
    assert len(returned) == len(drafts), "the orders of a chunk have distinct source references"
    ids = [returned[item.draft.columns["source_reference"]] for item in drafts]
    db.session.execute(insert(lines), [_insert_values(OrderLine, {**line.columns, "order_id": order_id})
                                       for item, order_id in zip(drafts, ids, strict=True)
                                       for line in item.draft.lines])
    # Inserted past the session, so past the listener that fingerprints orders: the duplicate check needs them.
    db.session.execute(insert(IntakeFingerprint), [
        {"order_id": order_id, "fingerprint": fingerprints.of_lines(
            (line.product.id, line.quantity) for line in item.draft.lines)}
        for item, order_id in zip(drafts, ids, strict=True)])
    audit.record_many([audit.values(company_id=item.draft.company_id, order_id=order_id, entity="order",
                                    entity_id=order_id, action="created", actor=actor,
                                    after=services.new_draft_snapshot(item.draft))
                       for item, order_id in zip(drafts, ids, strict=True)])
    return ids


def _insert_values(model: type[Order] | type[OrderLine], columns: dict[str, Any]) -> dict[str, Any]:
    """Every column a flush of a new ``model`` with these attribute values would insert: for those left None the
    column's default (the ORM leaves a None out for the default to apply); the first row version."""
    plain, defaulted = _insert_columns(model)
    values = {name: columns.get(key) for key, name in plain}
    for key, name, default, always in defaulted:
        value = columns.get(key)
        values[name] = default() if always or value is None else value
    return values


_Default = Callable[[], Any]


@cache
def _insert_columns(model: type[Order] | type[OrderLine]) -> tuple[list[tuple[str, str]],
                                                                   list[tuple[str, str, _Default, bool]]]:
    """The columns of the model's table but the key the database numbers, as attribute and column names: those
    without a default, then those with the default a flush applies and whether it always applies (the row
    version, as the ORM starts it)."""
    mapper = class_mapper(model)
    plain: list[tuple[str, str]] = []
    defaulted: list[tuple[str, str, _Default, bool]] = []
    for column in mapper.local_table.columns:
        if column.primary_key or column.key == SENTINEL:
            continue
        key = mapper.get_property_by_column(column).key
        default = _column_default(column)
        if column is mapper.version_id_col and callable(mapper.version_id_generator):
            defaulted.append((key, column.key, partial(mapper.version_id_generator, None), True))
        elif default is not None:
            defaulted.append((key, column.key, default, False))
        else:
            plain.append((key, column.key))
    return plain, defaulted


def _column_default(column: Any) -> _Default | None:
    default = getattr(column, "default", None)
    if default is None:
        return None
    if default.is_callable:
        return lambda: default.arg(None)
    if default.is_scalar:
        return lambda: default.arg
    raise TypeError(f"the default of {column} is computed by the database; the import cannot give it")


def _submit(drafts: list[_Draft], ids: list[int], actor: User, result: ImportResult) -> None:
    """Submit the drafts inserted without warnings through ``services.submit`` (numbers, events), one by one."""
    wanted = [order_id for draft, order_id in zip(drafts, ids, strict=True) if not draft.problems]
    loaded: dict[int, Order] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        loaded.update((order.id, order) for order in db.session.execute(
            select(Order).where(Order.id.in_(wanted[start:start + _IN_CHUNK]))).scalars())
    for draft, order_id in zip(drafts, ids, strict=True):
        if draft.problems:
            result.warnings.append(stored("order %(ref)s was left as a draft: its warnings need a clerk's "
                                          "confirmation (%(problems)s)", ref=draft.source,
                                          problems="; ".join(p.message for p in draft.problems)))
            continue
        try:
            services.submit(loaded[order_id], actor)
            result.submitted += 1
        except OrdoError as error:
            result.warnings.append(stored("order %(ref)s was left as a draft: %(reason)s", ref=draft.source,
                                          reason=str(error)))


def _in_chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = sorted(values)
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start:start + _IN_CHUNK]


def _customers(company_id: int, codes: set[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for part in _in_chunks(codes - {""}):
        found.update((row.code, row) for row in db.session.execute(
            select(Customer).where(Customer.company_id == company_id, Customer.code.in_(part))).scalars())
    return found


def _products(company_id: int, codes: set[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    for part in _in_chunks(codes - {""}):
        found.update((row.code, row) for row in db.session.execute(
            select(Product).where(Product.company_id == company_id, Product.code.in_(part))).scalars())
    return found


def _existing_references(company_id: int, sources: list[str]) -> set[str]:
    found: set[str] = set()
    for part in _in_chunks(sources):
        found.update(ref for ref in db.session.execute(select(Order.source_reference).where(
            Order.company_id == company_id, Order.source_reference.in_(part))).scalars() if ref)
    return found


_MULTILINE = frozenset({"address", "notes"})


def _control_characters(row: _Row, column: dict[str, str]) -> Iterator[RowError]:
    """An error for each cell of the row holding a control character (newlines only in the address and notes)."""
    for name, text in row.values.items():
        character = control_character(text, multiline=name in _MULTILINE)
        if character is not None:
            yield RowError(row.number, column.get(name, name),
                           stored("the value contains a control character (%(character)s)", character=character))


def _line(row: _Row, products: dict[str, Product], column: dict[str, str], may_price: bool,
          errors: list[RowError]) -> dict[str, Any] | None:
    code = row.values["product_code"]
    product = products.get(code)
    if not code:
        errors.append(RowError(row.number, column["product_code"], stored("the product code is empty")))
    elif product is None:
        errors.append(RowError(row.number, column["product_code"],
                               stored("product %(code)s does not exist", code=code)))
    elif not product.active:
        errors.append(RowError(row.number, column["product_code"],
                               stored("product %(code)s is no longer sold", code=code)))
    quantity = _decimal(row, "quantity", column, errors, services.QUANTITY_PLACES, services.MAX_QUANTITY,
                        positive=True)
    price_text = row.values.get("unit_price") or ""
    unit_price = None
    if price_text and may_price:
        unit_price = _decimal(row, "unit_price", column, errors, services.MONEY_PLACES, services.MAX_MONEY)
    if product is None or quantity is None or (price_text and may_price and unit_price is None):
        return None
    return {"product_id": product.id, "quantity": quantity, "unit_price": unit_price}


def _decimal(row: _Row, name: str, column: dict[str, str], errors: list[RowError], places: Decimal,
             largest: Decimal, positive: bool = False) -> Decimal | None:
    text = (row.values.get(name) or "").replace(",", "").lstrip("¥￥")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(RowError(row.number, column[name], stored("%(value)s is not a number", value=repr(text))
                               if text else stored("the value is empty")))
        return None
    if not value.is_finite() or value < 0 or (positive and value == 0):
        errors.append(RowError(row.number, column[name], stored("the value must be greater than 0") if positive
                               else stored("the value must be 0 or more")))
    elif value > largest:
        errors.append(RowError(row.number, column[name], stored("the value is too large")))
    elif value != value.quantize(places):
        errors.append(RowError(row.number, column[name], stored("the value has more than %(places)s decimal places",
                                                           places=-int(places.as_tuple().exponent))))
    else:
        return value.quantize(places)
    return None


def _requested_date(row: _Row, column: dict[str, str], errors: list[RowError]) -> date | None:
    text = row.values.get("requested_date") or ""
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        errors.append(RowError(row.number, column["requested_date"],
                               stored("%(value)s is not a date (YYYY-MM-DD)", value=repr(text))))
        return None


_PROBLEM_COLUMNS = {"customer_id": "customer_code", "contact": "contact", "phone": "phone",
                    "delivery_address": "address", "requested_date": "requested_date"}
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")
_LINE_COLUMNS = {"product_id": "product_code", "quantity": "quantity", "unit_price": "unit_price"}


def _problem_error(problem: checks.Problem, rows: list[_Row], column: dict[str, str]) -> RowError:
    match = _LINE_FIELD.match(problem.field)
    if match:
        return RowError(rows[int(match[1])].number, column[_LINE_COLUMNS.get(match[2], "product_code")],
                        problem.message)
    return RowError(rows[0].number, column[_PROBLEM_COLUMNS.get(problem.field, "order_ref")], problem.message)
