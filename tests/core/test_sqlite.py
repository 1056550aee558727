"""Database connections: SQLite's pragmas, and foreign keys enforced on every database; ``rarely``, a hint to
SQLite's planner that other databases do without."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import column, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from core.db import commit
from core.extensions import db
from core.models import OrderLine
from core.sqlite import rarely
from tests import orders


def test_sqlite_connections_use_wal_normal_sync_a_busy_timeout_and_foreign_keys(make_app):
    app = make_app({"ORDO_SQLITE_BUSY_TIMEOUT_MS": 4321})
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the pragmas are SQLite's; PostgreSQL needs none of them")
        with db.engine.connect() as connection:
            pragma = lambda name: connection.execute(text(f"PRAGMA {name}")).scalar_one()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("busy_timeout") == 4321
            assert pragma("foreign_keys") == 1


def test_a_row_that_names_a_missing_parent_is_refused(app, world):
    order = orders.draft(world)
    db.session.add(OrderLine(order_id=order.id, line_no=2, product_id=999_999, description="ghost", unit="pcs",
                             quantity=Decimal("1"), unit_price=Decimal("1.00"), tax_rate=Decimal("0")))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_deleting_an_order_deletes_its_lines_as_the_schema_says(app, world):
    order = orders.draft(world, lines=[(world.products[0], "1", None), (world.products[1], "2", None)])
    commit()
    with db.engine.begin() as connection:
        connection.execute(text('DELETE FROM "order" WHERE id = :id'), {"id": order.id})
        left = connection.execute(text("SELECT count(*) FROM order_line")).scalar_one()
    assert left == 0  # order_line.order_id is ON DELETE CASCADE, on SQLite too


def test_rarely_is_a_likelihood_on_sqlite_and_the_condition_itself_elsewhere():
    entries = table("audit_entry", column("id"), column("action"))
    statement = select(entries.c.id).where(rarely(entries.c.action.in_(["order_at_risk", "case_escalated"])))
    on = lambda dialect: " ".join(str(statement.compile(  # noqa: E731
        dialect=dialect, compile_kwargs={"literal_binds": True})).split())
    assert on(sqlite.dialect()).endswith(
        "WHERE likelihood(audit_entry.action IN ('order_at_risk', 'case_escalated'), 0.001)")
    assert on(postgresql.dialect()).endswith("WHERE audit_entry.action IN ('order_at_risk', 'case_escalated')")
