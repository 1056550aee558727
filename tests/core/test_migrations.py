"""Migrations: one branch per plugin, and upgrading every branch gives exactly the models' schema."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from core import audit, companies
from core.extensions import db
from core.models import Channel, DeliveryMethod, Order, OrderStatus, utcnow
from tests import factories


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A database of its own, empty: a file on SQLite, a fresh database on PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    name = f"ordo_migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_every_bundled_plugin_has_its_own_branch(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_revisions("heads")
    labels = {label for revision in heads for label in revision.branch_labels}
    assert labels >= {"intake", "review", "logistics", "billing", "kpi"}


def test_upgrading_every_branch_creates_exactly_the_models_schema(make_app, empty_database_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            tables = set(inspect(connection).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert {"order", "intake_sequence", "review_step", "logistics_shipment", "billing_invoice", "kpi_event"} <= tables


def test_the_migrated_audit_log_refuses_update_and_delete(make_app, empty_database_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        company = companies.create_company("ACME", "Acme")
        audit.record(company_id=company.id, entity="company", entity_id=company.id, action="test", actor=None)
        db.session.commit()
        for statement in ("UPDATE audit_entry SET note = 'rewritten'", "DELETE FROM audit_entry"):
            with pytest.raises(IntegrityError, match="audit_entry is append-only"):
                db.session.execute(text(statement))
            db.session.rollback()

        result = app.test_cli_runner().invoke(args=["db", "downgrade", "core_0005"])
        assert result.exit_code == 0, result.output
        db.session.execute(text("UPDATE audit_entry SET note = 'rewritten'"))  # the triggers went with core_0006
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_core_0015_grants_the_outbox_to_administrators_of_companies_that_grant_it_to_nobody(
        make_app, empty_database_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        acme = companies.create_company("ACME", "Acme")
        other = companies.create_company("OTHER", "Other")
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "core_0014"])
        assert result.exit_code == 0, result.output
        # OTHER's administrators chose to let their supervisors keep the outbox instead.
        db.session.execute(text(
            "INSERT INTO role_permission (role_id, permission) SELECT id, 'admin.outbox' FROM role "
            "WHERE company_id = :company AND name = 'supervisor'"), {"company": other.id})
        db.session.commit()

        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0

        holders = db.session.execute(text(
            "SELECT role.company_id, role.name FROM role_permission JOIN role ON role.id = role_permission.role_id "
            "WHERE permission = 'admin.outbox' ORDER BY role.company_id, role.name")).all()
        assert [tuple(row) for row in holders] == [(acme.id, "administrator"), (other.id, "supervisor")]
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("permission", ["company.calendar", "admin.company"])
def test_core_0016_grants_company_permissions_to_administrators_of_companies_that_grant_them_to_nobody(
        make_app, empty_database_url, permission):
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        acme = companies.create_company("ACME", "Acme")
        other = companies.create_company("OTHER", "Other")
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "core_0015"])
        assert result.exit_code == 0, result.output
        held = text("SELECT role.company_id, role.name FROM role_permission "
                    "JOIN role ON role.id = role_permission.role_id "
                    "WHERE permission = :permission ORDER BY role.company_id, role.name")
        assert db.session.execute(held, {"permission": permission}).all() == []
        # OTHER lets its supervisors hold it instead of its administrators.
        db.session.execute(text(
            "INSERT INTO role_permission (role_id, permission) SELECT id, :permission FROM role "
            "WHERE company_id = :company AND name = 'supervisor'"), {"company": other.id, "permission": permission})
        db.session.commit()

        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0

        holders = db.session.execute(held, {"permission": permission}).all()
        assert [tuple(row) for row in holders] == [(acme.id, "administrator"), (other.id, "supervisor")]
        db.session.remove()
        db.engine.dispose()


def test_core_0021_dates_each_order_s_status_from_its_latest_status_change_else_its_submission_or_creation(
        make_app, empty_database_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        company = companies.create_company("ACME", "Acme")
        customer = factories.customer(company)
        now = utcnow()
        days = {n: now - timedelta(days=n) for n in (1, 3, 12, 20)}

        def order(number: str, status: OrderStatus, submitted_at: datetime | None) -> Order:
            made = Order(company_id=company.id, number=number, status=status, channel=Channel.PHONE,
                         customer_id=customer.id, requested_date=now.date(), payment_terms=customer.payment_terms,
                         delivery_method=DeliveryMethod.FREIGHT, created_at=days[20], submitted_at=submitted_at,
                         status_changed_at=now)
            db.session.add(made)
            return made

        moved = order("SO-1", OrderStatus.IN_PRODUCTION, days[12])
        waiting = order("SO-2", OrderStatus.SUBMITTED, days[12])
        draft = order("SO-3", OrderStatus.DRAFT, None)
        db.session.flush()
        ids = {name: made.id for name, made in (("moved", moved), ("waiting", waiting), ("draft", draft))}
        # Committed with nothing read after it: a session left in a transaction (reading an expired order)
        # holds a lock on the table that the downgrade's DROP INDEX waits for, forever, on PostgreSQL.
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "core_0020"])
        assert result.exit_code == 0, result.output
        # The first went into production 3 days ago; a payment and an applied change after it left its status.
        audit.record_many([{**audit.values(company_id=company.id, entity="order", entity_id=ids["moved"],
                                           action=action, actor=None, order_id=ids["moved"]), "at": at}
                           for action, at in (("submit", days[12]), ("review_decided", days[12]),
                                              ("production_started", days[3]), ("pay", days[1]),
                                              ("change_applied", days[1]))])
        db.session.commit()

        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0

        db.session.expire_all()
        since = {row.id: row.status_changed_at for row in db.session.execute(select(Order.id, Order.status_changed_at))}
        assert (since[ids["moved"]], since[ids["waiting"]], since[ids["draft"]]) == (days[3], days[12], days[20])
        db.session.remove()
        db.engine.dispose()


def test_core_0022_indexes_a_customer_s_orders_by_status_and_its_downgrade_drops_the_index(
        make_app, empty_database_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})

    def indexed() -> dict[str, list[str | None]]:
        with db.engine.connect() as connection:
            return {index["name"]: index["column_names"] for index in inspect(connection).get_indexes("order")
                    if index["name"] == "ix_order_company_customer_status"}

    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        assert indexed() == {"ix_order_company_customer_status": [
            "company_id", "customer_id", "status", "submitted_at", "total"]}

        result = app.test_cli_runner().invoke(args=["db", "downgrade", "core_0021"])
        assert result.exit_code == 0, result.output
        assert indexed() == {}

        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        assert list(indexed()) == ["ix_order_company_customer_status"]
        db.session.remove()
        db.engine.dispose()
