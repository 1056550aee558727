"""kpi's migrations: the audit log's index that only the old stuck orders' query read goes with kpi_0007;
kpi_0008 gives the analytics their covering indexes on the core's orders and lines, and takes them away again."""
from __future__ import annotations

from sqlalchemy import inspect

from core.extensions import db
from tests.core.test_migrations import empty_database_url  # noqa: F401 (a fixture)

ORDER_STEP = "ix_kpi_audit_entry_order_step"
SALES = {"order": "ix_kpi_order_sales", "order_line": "ix_kpi_order_line_mix"}


def indexes(*tables: str) -> dict[str, set[str]]:
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        return {table: {index["name"] for index in inspector.get_indexes(table)} for table in tables}


def audit_indexes() -> set[str]:
    return indexes("audit_entry")["audit_entry"]


def sales_indexes_present() -> list[bool]:
    found = indexes(*SALES)
    return [name in found[table] for table, name in SALES.items()]


def test_kpi_0007_drops_the_audit_log_s_order_step_index_and_its_downgrade_makes_it_again(
        make_app, empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        assert ORDER_STEP not in audit_indexes()

        result = app.test_cli_runner().invoke(args=["db", "downgrade", "kpi_0006"])
        assert result.exit_code == 0, result.output
        assert ORDER_STEP in audit_indexes()

        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert ORDER_STEP not in audit_indexes()
        db.session.remove()
        db.engine.dispose()


def test_kpi_0008_adds_the_analytics_covering_indexes_and_its_downgrade_drops_them(
        make_app, empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert all(sales_indexes_present())

        result = app.test_cli_runner().invoke(args=["db", "downgrade", "kpi_0007"])
        assert result.exit_code == 0, result.output
        assert not any(sales_indexes_present())

        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert all(sales_indexes_present())
        db.session.remove()
        db.engine.dispose()
