"""kpi's migrations: kpi_0008 gives the analytics their covering indexes on the core's orders and lines, and takes
them away again."""
from __future__ import annotations

from sqlalchemy import inspect

from core.extensions import db
from tests.core.test_migrations import empty_database_url  # noqa: F401 - the fixture

SALES = {"order": "ix_kpi_order_sales", "order_line": "ix_kpi_order_line_mix"}


def indexes() -> dict[str, set[str]]:
    inspector = inspect(db.engine)
    return {table: {index["name"] for index in inspector.get_indexes(table)} for table in SALES}


def test_kpi_0008_adds_the_analytics_covering_indexes_and_its_downgrade_drops_them(
        make_app, empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert all(name in indexes()[table] for table, name in SALES.items())

        result = app.test_cli_runner().invoke(args=["db", "downgrade", "kpi_0006"])
        assert result.exit_code == 0, result.output
        assert not any(name in indexes()[table] for table, name in SALES.items())

        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert all(name in indexes()[table] for table, name in SALES.items())
        db.session.remove()
        db.engine.dispose()
