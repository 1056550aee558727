#!/usr/bin/env python3
"""The order flow against its floor: the same row writes, in the same transactions, with plain sqlite3 in WAL.

Ordo runs the flow of ``order_flow.py`` in-process (its JSON API through Werkzeug's test client, no PDF) on
a fresh SQLite file. One order after the warm-up is captured, not timed: every INSERT, UPDATE and DELETE its
requests send, with their parameters, each in the transaction that committed it (an engine listener on the
statements and the commits; reads are left out, a transaction that wrote nothing is left out).

The floor replays that order's writes for many orders with the standard library's ``sqlite3`` on a copy of
Ordo's database (the same schema, indexes, triggers and rows), with Ordo's pragmas (WAL, ``synchronous=NORMAL``,
foreign keys on): one ``BEGIN`` ... ``COMMIT`` per captured transaction, the statements' text as Ordo sent it
(one statement for several rows where Ordo sent one). Each replayed order is its own: an id the captured order
inserted is replaced, wherever a primary or foreign key column carries it, by the id the replay's own insert
got; a string the schema keeps unique (the order's number, the invoice's) gets the replayed order's suffix.

Ordo's timed orders and the floor's alternate in rounds in this one process, so both see the same load;
the script prints both orders/s and the ratio (floor / Ordo: how many times the floor's speed the flow's is
below), and checks that the floor wrote what the flow did: per order, the same rows added to each table
and the same rows changed by each UPDATE (it stops otherwise).

    .venv/bin/python benchmarks/wal_floor.py --orders 20
    .venv/bin/python benchmarks/wal_floor.py --orders 20 --rounds 4 --floor-orders 400
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import order_flow  # noqa: E402
from benchmarks.results import Results  # noqa: E402

INSERT = re.compile(r'^\s*INSERT INTO "?(\w+)"?\s*\(([^)]*)\)\s*VALUES\s', re.I)
UPDATE = re.compile(r'^\s*(?:UPDATE|DELETE FROM)\s+"?(\w+)"?\s', re.I)
# A parameter's column in an UPDATE or DELETE: ``name=?`` or ``"table".name = ?``, in the order they appear.
ASSIGNED = re.compile(r'(?:"?\w+"?\.)?"?(\w+)"?\s*(?:=|>=|<=|<|>|!=)\s*\?')
RETURNING_ID = re.compile(r'\sRETURNING\s+(?:"?\w+"?\.)?id\b', re.I)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20, help="Ordo's timed orders, over all the rounds")
    parser.add_argument("--rounds", type=int, default=4, help="Ordo's orders and the floor's alternate this many times")
    parser.add_argument("--floor-orders", type=int, default=200, help="orders the floor replays in each round")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--db-uri", default=None, help="a SQLite URL (default: a file in a temp dir); the floor is "
                                                       "sqlite3's, so only SQLite")
    return parser.parse_args(argv)


@dataclass
class Write:
    """One INSERT, UPDATE or DELETE as sent: its text, its parameters (one tuple, or several for executemany)."""

    sql: str
    params: list[tuple]
    many: bool
    table: str
    columns: list[str | None]  # the column each parameter goes to or is compared with (None: neither)
    rowcount: int = -1  # the rows an UPDATE or DELETE changed (-1: an INSERT, counted by the tables)
    returns_id: bool = False
    returning: bool = False

    @property
    def insert(self) -> bool:
        return self.rowcount < 0


@dataclass
class Capture:
    transactions: list[list[Write]] = field(default_factory=list)
    pending: list[Write] = field(default_factory=list)
    new_ids: dict[str, list[int]] = field(default_factory=dict)  # per table, the ids the order inserted, in order
    rows_added: dict[str, int] = field(default_factory=dict)  # per table, the rows the order added

    @property
    def writes(self) -> list[Write]:
        return [write for transaction in self.transactions for write in transaction]


def columns_of(sql: str, count: int) -> tuple[str, list[str | None]]:
    """The table a statement writes and the column of each of its ``count`` parameters (per row)."""
    insert = INSERT.match(sql)
    if insert:
        names = [name.strip().strip('"') for name in insert.group(2).split(",")]
        values = sql[insert.end():]
        rows = values.split(" ON CONFLICT")[0].split(" RETURNING")[0].count("(")
        flat = [names[i % len(names)] if i < rows * len(names) else None for i in range(count)]
        return insert.group(1), flat
    update = UPDATE.match(sql)
    if update:
        found: list[str | None] = list(ASSIGNED.findall(sql))
        if len(found) != count:
            raise SystemExit(f"cannot tell the columns of {count} parameters of: {sql}")
        return update.group(1), found
    raise SystemExit(f"not a write this script knows: {sql}")


def capture_order(app: Any, engine: Any, call: order_flow.Call, world: order_flow.World, index: int) -> Capture:
    """One order of the flow, its writes recorded with their parameters and transactions (not timed)."""
    from sqlalchemy import event

    captured = Capture()
    before_ids, before_rows = id_tops(engine), row_counts(engine)

    def statement(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, many: bool) -> None:
        head = sql.lstrip()[:6].upper()
        if head not in ("INSERT", "UPDATE", "DELETE"):
            return
        # An insert of several rows in one statement (SQLAlchemy's "insertmanyvalues") comes with ``many`` set
        # and its parameters flat: it goes to the cursor's execute, as one statement.
        many = many and bool(parameters) and isinstance(parameters[0], (tuple, list))
        params = [tuple(p) for p in parameters] if many else [tuple(parameters)]
        table, columns = columns_of(sql, len(params[0]))
        captured.pending.append(Write(sql, params, many, table, columns,
                                      returns_id=bool(RETURNING_ID.search(sql)),
                                      returning=" RETURNING " in sql.upper()))

    def executed(_conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        if captured.pending and captured.pending[-1].sql == sql and not sql.lstrip().upper().startswith("INSERT"):
            captured.pending[-1].rowcount = cursor.rowcount

    def committed(_conn: Any) -> None:
        if captured.pending:
            captured.transactions.append(captured.pending)
        captured.pending = []

    def rolled_back(_conn: Any) -> None:
        captured.pending = []

    listeners = (("before_cursor_execute", statement), ("after_cursor_execute", executed),
                 ("commit", committed), ("rollback", rolled_back))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        order_flow.one_order(call, world, index, order_flow.Steps())
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    if captured.pending:
        raise SystemExit("the captured order left writes uncommitted")
    with engine.connect() as connection:
        for table, top in before_ids.items():
            ids = list(connection.exec_driver_sql(f'SELECT id FROM "{table}" WHERE id > ? ORDER BY id', (top,))
                       .scalars())
            if ids:
                captured.new_ids[table] = ids
    after_rows = row_counts(engine)
    captured.rows_added = {table: after_rows[table] - before_rows[table] for table in after_rows
                           if after_rows[table] != before_rows[table]}
    return captured


def id_tables(engine: Any) -> list[str]:
    """The tables whose key is one integer column ``id`` (the ids a replayed order gets anew)."""
    from core.extensions import db

    return [table.name for table in db.metadata.sorted_tables
            if [column.name for column in table.primary_key.columns] == ["id"]
            and table.name in set(engine_tables(engine))]


def engine_tables(engine: Any) -> list[str]:
    from sqlalchemy import inspect

    return inspect(engine).get_table_names()


def id_tops(engine: Any) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.exec_driver_sql(f'SELECT coalesce(max(id), 0) FROM "{table}"').scalar() or 0
                for table in id_tables(engine)}


def row_counts(engine: Any) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar() or 0
                for table in engine_tables(engine)}


def key_targets() -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """(table, column) -> the table whose id it carries (its own for ``id``, the referenced one for a foreign key);
    and the (table, column) pairs a unique constraint or index covers."""
    from sqlalchemy import UniqueConstraint

    from core.extensions import db

    targets: dict[tuple[str, str], str] = {}
    unique: set[tuple[str, str]] = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.primary_key and column.name == "id":
                targets[(table.name, column.name)] = table.name
            for key in column.foreign_keys:
                targets[(table.name, column.name)] = key.column.table.name
            if column.unique:
                unique.add((table.name, column.name))
        for index in table.indexes:
            if index.unique:
                unique.update((table.name, column.name) for column in index.columns)
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                unique.update((table.name, column.name) for column in constraint.columns)
    return targets, unique


class Floor:
    """The captured order's writes replayed with plain sqlite3, each replayed order with ids of its own."""

    def __init__(self, path: Path, captured: Capture) -> None:
        self.captured = captured
        self.connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000", "foreign_keys=ON"):
            self.connection.execute(f"PRAGMA {pragma}")
        targets, unique = key_targets()
        self.captured_index = {(table, value): index for table, ids in captured.new_ids.items()
                               for index, value in enumerate(ids)}
        # Per write, what each parameter becomes: ("id", table) for a key the order inserted, ("unique",) for a
        # string kept unique (not in an upsert, whose conflict is the point), else None.
        self.plans: list[list[tuple[int, tuple[str, ...]]]] = []
        for write in captured.writes:
            plan: list[tuple[str, ...] | None] = []
            for position, column in enumerate(write.columns):
                target = targets.get((write.table, column)) if column else None
                sample = write.params[0][position]
                if target in captured.new_ids and isinstance(sample, int):
                    plan.append(("id", target))
                elif (column and (write.table, column) in unique and isinstance(sample, str)
                      and "ON CONFLICT" not in write.sql.upper()):
                    plan.append(("unique",))
                else:
                    plan.append(None)
            # Kept: the positions to change and how (empty: the parameters go as captured).
            self.plans.append([(position, action) for position, action in enumerate(plan) if action is not None])
        self.tops = {table: self.connection.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"').fetchone()[0]
                     for table in captured.new_ids}
        self.replayed = 0
        self.changed_rows: list[int] = []

    def order(self) -> None:
        """One more order's writes, in the captured transactions."""
        self.replayed += 1
        suffix = f"~{self.replayed}"
        ids: dict[str, list[int]] = {table: [] for table in self.captured.new_ids}
        cursor = self.connection.cursor()
        plans = iter(self.plans)
        for transaction in self.captured.transactions:
            cursor.execute("BEGIN")
            for write in transaction:
                plan = next(plans)
                # Only the parameters that change from order to order are touched: the floor's own work is sqlite3's.
                params = [self.shifted(row, plan, ids, suffix) for row in write.params] if plan else write.params
                if write.many:
                    cursor.executemany(write.sql, params)
                else:
                    cursor.execute(write.sql, params[0])
                rows = cursor.fetchall() if write.returning else []
                if write.rowcount >= 0:
                    self.changed_rows.append(cursor.rowcount)
                if write.insert and write.table in ids:
                    made = [row[0] for row in rows] if write.returns_id else self.made(write.table, cursor, write.many)
                    ids[write.table].extend(made)
                    self.tops[write.table] = max([self.tops[write.table], *made])
            cursor.execute("COMMIT")

    def made(self, table: str, cursor: sqlite3.Cursor, many: bool) -> list[int]:
        """The ids an INSERT without RETURNING gave its rows: the rows' count up to the last one's (one writer
        makes them consecutive); after an executemany, which tells no rowid, the rows after the table's highest."""
        if not many:
            last = cursor.lastrowid or 0
            return list(range(last - cursor.rowcount + 1, last + 1)) if cursor.rowcount > 0 else []
        top = self.connection.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
        return list(range(self.tops[table] + 1, top + 1))

    def shifted(self, row: tuple, plan: list, ids: dict[str, list[int]], suffix: str) -> tuple:
        values = list(row)
        for position, action in plan:
            value = values[position]
            if value is None:
                continue
            if action[0] == "id":
                index = self.captured_index.get((action[1], value))
                if index is not None:
                    values[position] = ids[action[1]][index]
            else:
                values[position] = value + suffix
        return tuple(values)

    def close(self) -> None:
        self.connection.close()


def run(args: argparse.Namespace) -> dict:
    from sqlalchemy import event

    from core.extensions import db

    workdir = tempfile.mkdtemp(prefix="ordo-floor-")
    uri = args.db_uri or f"sqlite:///{workdir}/ordo.sqlite"
    if not uri.startswith("sqlite"):
        raise SystemExit("the WAL floor is plain sqlite3's: give a SQLite --db-uri (or none)")
    app, world = order_flow.build_world(uri, workdir)
    call = order_flow.in_process(app, world.tokens)
    with app.app_context():
        engine = db.engine
    for index in range(args.warmup):
        order_flow.one_order(call, world, index, order_flow.Steps())
    captured = capture_order(app, engine, call, world, args.warmup)
    # The floor's database: a copy of Ordo's as it stands (sqlite3's backup: the pages, not the files).
    floor_path = Path(workdir) / "floor.sqlite"
    source = sqlite3.connect(engine.url.database)
    target = sqlite3.connect(floor_path)
    source.backup(target)
    source.close()
    target.close()
    floor = Floor(floor_path, captured)
    floor_before = {table: floor.connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                    for table in row_counts(engine)}
    flow_before = row_counts(engine)

    # Statements the flow sends: all, reads included (order_flow.py's count), and the writes alone.
    counter = order_flow.Counter()
    event.listen(engine, "before_cursor_execute", counter)
    ordo_seconds = floor_seconds = 0.0
    ordo_cpu = floor_cpu = 0.0
    floor_orders = 0
    index = args.warmup + 1
    per_round = [args.orders // args.rounds + (1 if r < args.orders % args.rounds else 0) for r in range(args.rounds)]
    ids = []
    for number, orders in enumerate(per_round):
        sides = ("ordo", "floor") if number % 2 == 0 else ("floor", "ordo")
        for side in sides:
            began, cpu = time.perf_counter(), time.process_time()
            if side == "ordo":
                for _ in range(orders):
                    ids.append(order_flow.one_order(call, world, index, order_flow.Steps()))
                    index += 1
                ordo_seconds += time.perf_counter() - began
                ordo_cpu += time.process_time() - cpu
            else:
                for _ in range(args.floor_orders):
                    floor.order()
                floor_orders += args.floor_orders
                floor_seconds += time.perf_counter() - began
                floor_cpu += time.process_time() - cpu
    event.remove(engine, "before_cursor_execute", counter)

    problems = [problem for order_id in ids for problem in order_flow.verify(call, order_id)]
    flow_after = row_counts(engine)
    flow_rows = {table: (flow_after[table] - flow_before[table]) / len(ids) for table in flow_after
                 if flow_after[table] != flow_before[table]}
    floor_rows = {}
    for table in floor_before:
        count = floor.connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        if count != floor_before[table]:
            floor_rows[table] = (count - floor_before[table]) / floor.replayed
    changed = [write.rowcount for write in captured.writes if write.rowcount >= 0]
    if flow_rows != floor_rows or floor_rows != {t: float(n) for t, n in captured.rows_added.items()}:
        problems.append(f"rows added per order: flow {flow_rows}, floor {floor_rows}")
    floor_changed = [floor.changed_rows[n * len(changed):(n + 1) * len(changed)] for n in range(floor.replayed)]
    if floor_changed != [changed] * floor.replayed:
        problems.append(f"rows changed by the captured UPDATEs {changed}, by the floor's "
                        f"{floor.changed_rows[:len(changed)]}")
    floor.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if problems:
        raise SystemExit("VERIFY FAILED: " + "; ".join(problems[:5]))
    writes = captured.writes
    ordo_rate = len(ids) / ordo_seconds
    floor_rate = floor_orders / floor_seconds
    return {
        "db": "sqlite", "orders": len(ids), "rounds": args.rounds, "floor_orders": floor_orders,
        "ordo_orders_per_s": round(ordo_rate, 3), "floor_orders_per_s": round(floor_rate, 1),
        "ratio": round(floor_rate / ordo_rate, 1),
        "ordo_cpu_ms_per_order": round(ordo_cpu / len(ids) * 1000, 2),
        "floor_cpu_ms_per_order": round(floor_cpu / floor_orders * 1000, 3),
        "cpu_ratio": round((ordo_cpu / len(ids)) / (floor_cpu / floor_orders), 1),
        "statements_per_order": round(counter.sent / len(ids), 1),
        "writes_per_order": len(writes), "transactions_per_order": len(captured.transactions),
        "rows_added_per_order": sum(captured.rows_added.values()), "rows_changed_per_order": sum(changed),
        "rows_added_by_table": captured.rows_added,
        # What the check above compared: per table, the rows an order added in the flow and in the floor; the
        # rows each UPDATE of an order changed, in the flow and in each replayed order.
        "flow_rows_per_order": flow_rows, "floor_rows_per_order": floor_rows,
        "flow_rows_changed": changed, "floor_rows_changed": floor_changed,
    }


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    load = os.getloadavg()[0]
    result = run(args)
    print(f"ordo:  {result['orders']} orders in process, {result['ordo_orders_per_s']} orders/s "
          f"({result['ordo_cpu_ms_per_order']} ms CPU an order), {result['statements_per_order']} statements an order")
    print(f"floor: {result['floor_orders']} orders with plain sqlite3 in WAL, {result['floor_orders_per_s']} orders/s "
          f"({result['floor_cpu_ms_per_order']} ms CPU an order): {result['writes_per_order']} writes in "
          f"{result['transactions_per_order']} transactions, {result['rows_added_per_order']} rows added and "
          f"{result['rows_changed_per_order']} changed an order, the same as the flow's")
    print(f"ratio (floor orders/s / ordo orders/s): {result['ratio']}x wall-clock, {result['cpu_ratio']}x CPU "
          f"(load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"{result['rounds']} rounds alternated)")
    figures = Results("wal_floor", database="sqlite", orders=result["orders"], floor_orders=result["floor_orders"],
                      load_average=round(load, 1))
    figures.figure("orders_per_s", result["ordo_orders_per_s"], side="ordo", what="the flow, in process")
    figures.figure("orders_per_s", result["floor_orders_per_s"], side="floor",
                   what="the same writes and transactions, plain sqlite3 in WAL")
    figures.figure("ratio", result["ratio"], of="floor / ordo, orders/s")
    figures.figure("cpu_ratio", result["cpu_ratio"], of="ordo / floor, CPU time an order")
    figures.figure("statements_per_order", result["statements_per_order"], side="ordo")
    figures.figure("writes_per_order", result["writes_per_order"], side="both",
                   transactions=result["transactions_per_order"])
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
