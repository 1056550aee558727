"""The audit log is append-only in the database itself: raw SQL cannot rewrite or delete an entry."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import commit
from core.extensions import db
from core.models import AuditEntry
from tests import conftest, factories


@pytest.fixture
def entry(app) -> AuditEntry:
    company = factories.company()
    written = audit.record(company_id=company.id, entity="company", entity_id=company.id, action="test",
                           actor=None, note="as it happened")
    commit()
    return written


def _refused(statement: str) -> None:
    with pytest.raises(IntegrityError, match="audit_entry is append-only"):
        db.session.execute(text(statement))
    db.session.rollback()


def test_raw_sql_cannot_update_an_entry(entry):
    _refused("UPDATE audit_entry SET note = 'rewritten'")
    assert db.session.execute(select(AuditEntry.note).where(AuditEntry.id == entry.id)).scalar_one() == "as it happened"


def test_raw_sql_cannot_delete_an_entry(entry):
    _refused(f"DELETE FROM audit_entry WHERE id = {entry.id}")
    _refused("DELETE FROM audit_entry")
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() >= 1


def test_raw_sql_can_insert_an_entry(entry):
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    db.session.execute(text(
        "INSERT INTO audit_entry (company_id, entity, action, actor_label, at) "
        "VALUES (:company_id, 'company', 'imported', 'system', :at)"), {"company_id": entry.company_id, "at": entry.at})
    commit()
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == before + 1


def test_postgresql_refuses_to_truncate_the_log(app, entry):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    _refused("TRUNCATE audit_entry CASCADE")


def test_the_triggers_are_back_after_the_tests_empty_the_tables(app, entry):
    conftest._empty_tables(app)
    again = factories.company("OTHER")
    audit.record(company_id=again.id, entity="company", entity_id=again.id, action="test", actor=None)
    commit()
    _refused("UPDATE audit_entry SET note = 'rewritten'")
    _refused("DELETE FROM audit_entry")
