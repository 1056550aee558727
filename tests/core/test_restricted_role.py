"""The app under a PostgreSQL role that does not own the tables (docs/deploying.md, "The database").

A migration role owns the schema and runs ``ordo db upgrade``; the app's role gets the
GRANTs the guide lists, works as usual, and cannot switch the audit trigger off nor
change or delete audit rows. Everything happens in a scratch database and with roles
of the test's own, dropped afterwards.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ProgrammingError

from core.db import unit_of_work
from core.extensions import db
from core.models import AuditEntry, Company, Order, User
from plugins.intake import services
from tests import factories
from tests.plugins.intake.helpers import order_data

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="database roles and GRANTs are PostgreSQL's"),
]

# What docs/deploying.md tells the owner to grant the app's role.
GRANTS = """
GRANT USAGE ON SCHEMA public TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
REVOKE UPDATE, DELETE ON audit_entry FROM {app};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app};
"""


@dataclass
class Deployment:
    owner_url: str
    app_url: str


@pytest.fixture
def deployment(database_url: str) -> Iterator[Deployment]:
    """A scratch database owned by a migration role, and an app role that owns nothing."""
    server_url = make_url(database_url).set(drivername="postgresql+psycopg")
    suffix = uuid.uuid4().hex[:8]
    owner, app_role, name = f"ordo_owner_{suffix}", f"ordo_app_{suffix}", f"{server_url.database}_roles_{suffix}"
    password = uuid.uuid4().hex
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"CREATE ROLE {owner} LOGIN PASSWORD '{password}'"))
        connection.execute(text(f"CREATE ROLE {app_role} LOGIN PASSWORD '{password}'"))
        connection.execute(text(f'CREATE DATABASE "{name}" OWNER {owner}'))

    def as_role(role: str) -> URL:
        return server_url.set(username=role, password=password, database=name)

    try:
        yield Deployment(owner_url=as_role(owner).render_as_string(hide_password=False),
                         app_url=as_role(app_role).render_as_string(hide_password=False))
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f"DROP ROLE IF EXISTS {app_role}"))
            connection.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        server.dispose()


def _migrate_and_grant(make_app, deployment: Deployment) -> None:
    owner_app: Flask = make_app({"SQLALCHEMY_DATABASE_URI": deployment.owner_url})
    with owner_app.app_context():
        result = owner_app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        app_role = make_url(deployment.app_url).username
        with db.engine.begin() as connection:
            for statement in GRANTS.format(app=app_role).split(";"):
                if statement.strip():
                    connection.execute(text(statement))
        db.session.remove()
        db.engine.dispose()


def test_the_app_works_under_a_role_that_owns_no_table_and_cannot_touch_the_audit_trail(make_app, deployment):
    _migrate_and_grant(make_app, deployment)
    app = make_app({"SQLALCHEMY_DATABASE_URI": deployment.app_url})
    with app.app_context():
        # A company, its users, customers and products, and an order entered and submitted.
        world = factories.build_world(app)
        with unit_of_work():
            company = db.session.get_one(Company, world.company.id)
            clerk = db.session.get_one(User, world.users["sales"].id)
            order = services.create_draft(company, order_data(world), clerk)
            services.submit(order, clerk)
        number = db.session.execute(select(Order.number).where(Order.id == order.id)).scalar_one()
        audited = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        assert number and audited > 0

        with db.engine.connect() as connection:
            for statement in ("ALTER TABLE audit_entry DISABLE TRIGGER ALL",
                              "UPDATE audit_entry SET note = 'rewritten'",
                              "DELETE FROM audit_entry"):
                with pytest.raises(ProgrammingError, match="must be owner|permission denied"):
                    with connection.begin():
                        connection.execute(text(statement))
        db.session.remove()
        assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audited
        db.session.remove()
