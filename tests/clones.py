"""Many copies of an order a real flow made, with its rows, in a few statements: data that grows for the
tests that count statements (10 tasks, then 1,000).

The order is built through the procedure once (submitted, reviewed, shipped, invoiced: whatever the
test needs); its copies are inserted as rows, each with the rows of the given tables that belong to
it (``order_id``), so a thousand orders cost a few statements rather than a thousand flows.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import String, Table, UniqueConstraint, insert, select

from core.extensions import db
from core.models import Order, OrderLine, OrderModule

# Always copied with the order: its lines and its pinned modules.
ORDER_ROWS: tuple[Table, ...] = (OrderLine.__table__, OrderModule.__table__)  # type: ignore[assignment]

Vary = Callable[[int, dict[str, Any]], dict[str, Any]]
_copies = itertools.count(1)  # numbers that tell copies apart in unique columns, across calls


def _unique_text_columns(table: Table) -> set[str]:
    """The text columns of ``table`` that take part in a unique constraint or index: copies must differ there."""
    groups = [constraint.columns for constraint in table.constraints if isinstance(constraint, UniqueConstraint)]
    groups += [index.columns for index in table.indexes if index.unique]
    return {column.name for group in groups for column in group if isinstance(column.type, String)}


def _copy(table: Table, row: Mapping[str, Any], copy: int, overrides: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: value for key, value in row.items() if key != "id"}
    for name in _unique_text_columns(table):
        if values.get(name) is not None:
            values[name] = f"{values[name]}~{copy}"
    values.update(overrides)
    return values


def clone_order(order_id: int, copies: int, tables: Sequence[Any] = (), *,
                vary: Mapping[str, Vary] | None = None) -> list[int]:
    """``copies`` copies of the order, with its lines, pinned modules and its rows in ``tables`` (models or tables
    with an ``order_id``); the new orders' ids.

    ``vary`` changes a copy's row before it is inserted, by table name: ``{"review_step": fn}`` with
    ``fn(copy_number, row) -> row`` (to make every third one late, say).
    """
    vary = vary or {}
    orders: Table = Order.__table__  # type: ignore[assignment]
    original = db.session.execute(select(orders).where(orders.c.id == order_id)).mappings().one()
    marks = [next(_copies) for _ in range(copies)]
    rows = [_copy(orders, original, mark, {}) for mark in marks]
    if "order" in vary:
        rows = [vary["order"](n, row) for n, row in enumerate(rows)]
    new_ids = list(db.session.execute(
        insert(orders).returning(orders.c.id, sort_by_parameter_order=True), rows).scalars())
    for child in (*ORDER_ROWS, *(getattr(table, "__table__", table) for table in tables)):
        own = db.session.execute(select(child).where(child.c.order_id == order_id)).mappings().all()
        if not own:
            continue
        change = vary.get(child.name)
        children = [_copy(child, row, mark, {"order_id": new_id}) for mark, new_id in zip(marks, new_ids, strict=True)
                    for row in own]
        if change is not None:
            children = [change(n // len(own), row) for n, row in enumerate(children)]
        db.session.execute(insert(child), children)
    db.session.flush()
    return new_ids
