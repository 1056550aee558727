"""The audit log is append-only in the database itself: raw SQL cannot rewrite or delete an entry."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import commit
from core.extensions import db
from core.models import AuditEntry
from tests import conftest, factories


@pytest.fixture
def entry(app) -> AuditEntry:
    company = factories.company()
    audit.record(company_id=company.id, entity="company", entity_id=company.id, action="test",
                 actor=None, note="as it happened")
    commit()
    return db.session.execute(select(AuditEntry).where(AuditEntry.company_id == company.id,
                                                      AuditEntry.action == "test")).scalar_one()


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
    db.session.remove()  # the test's own connection goes back first: emptying the tables disposes of the pool
    conftest._empty_tables(app)
    again = factories.company("OTHER")
    audit.record(company_id=again.id, entity="company", entity_id=again.id, action="test", actor=None)
    commit()
    _refused("UPDATE audit_entry SET note = 'rewritten'")
    _refused("DELETE FROM audit_entry")


@contextmanager
def _statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def _actions(company_id: int) -> list[str]:
    return list(db.session.execute(select(AuditEntry.action).where(AuditEntry.company_id == company_id,
                                                                   AuditEntry.entity_id.is_(None))
                                   .order_by(AuditEntry.at, AuditEntry.id)).scalars())


def test_a_transactions_entries_are_written_at_the_commit_in_one_statement_in_the_order_recorded(app):
    company = factories.company()
    commit()
    with _statements() as sent:
        for action in ("submitted", "review_opened", "review_step_opened"):
            audit.record(company_id=company.id, entity="order", entity_id=None, action=action, actor=None)
        audit.record_many([audit.values(company_id=company.id, entity="order", entity_id=None, action="imported",
                                        actor=None)])
        assert not [statement for statement in sent if "audit_entry" in statement]
        commit()

    assert len([statement for statement in sent if "INSERT INTO audit_entry" in statement]) == 1
    assert _actions(company.id) == ["submitted", "review_opened", "review_step_opened", "imported"]


def test_a_read_of_the_log_in_the_same_transaction_sees_what_was_recorded_before_it(app):
    company = factories.company()
    audit.record(company_id=company.id, entity="company", entity_id=None, action="first", actor=None)
    assert _actions(company.id) == ["first"]
    audit.record(company_id=company.id, entity="company", entity_id=None, action="second", actor=None)
    commit()
    assert _actions(company.id) == ["first", "second"]


def test_a_rollback_drops_what_was_recorded_and_a_savepoints_only_its_own(app):
    company = factories.company()
    commit()
    audit.record(company_id=company.id, entity="company", entity_id=None, action="discarded", actor=None)
    db.session.rollback()
    audit.record(company_id=company.id, entity="company", entity_id=None, action="kept", actor=None)
    savepoint = db.session.begin_nested()
    audit.record(company_id=company.id, entity="company", entity_id=None, action="undone", actor=None)
    savepoint.rollback()
    commit()
    assert _actions(company.id) == ["kept"]
