"""kpi's migrations: the audit log's index that only the old stuck orders' query read goes with kpi_0007."""
from __future__ import annotations

from sqlalchemy import inspect

from core.extensions import db
from tests.core.test_migrations import empty_database_url  # noqa: F401 (a fixture)

ORDER_STEP = "ix_kpi_audit_entry_order_step"


def audit_indexes() -> set[str]:
    with db.engine.connect() as connection:
        return {index["name"] for index in inspect(connection).get_indexes("audit_entry")}


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
