"""The append-only audit log: who did what to which record, when, before and after.

Append-only twice over: the ORM refuses to update or delete an entry
(``AppendOnlyError``), and the database refuses it with triggers, against raw
SQL too. The triggers are made with the table, by ``db.create_all()`` here and
by the migration ``core_0006``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import UTCDateTime, utcnow


class AuditEntry(Model):
    __tablename__ = "audit_entry"
    # Supervision's lists of one kind of entry (escalations, overdue reviews), newest first: rare among the
    # millions of entries, found by action without walking the others.
    __table_args__ = (Index("ix_audit_entry_company_action_id", "company_id", "action", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AppendOnlyError(f"audit entry {target.id} is append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AppendOnlyError(f"audit entry {target.id} is append-only")


APPEND_ONLY_MESSAGE = "audit_entry is append-only"

# Per dialect: the statements that make the database refuse UPDATE and DELETE on
# audit_entry (and TRUNCATE on PostgreSQL), and those that undo them.
APPEND_ONLY_TRIGGERS: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    ],
    "postgresql": [
        # restrict_violation (23001): an integrity error, as SQLite's RAISE(ABORT) is.
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$",
        "CREATE TRIGGER audit_entry_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
    ],
}
DROP_APPEND_ONLY_TRIGGERS: dict[str, list[str]] = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_entry_no_update",
        "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_entry_no_update_or_delete ON audit_entry",
        "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
        "DROP FUNCTION IF EXISTS audit_entry_append_only()",
    ],
}

for _dialect, _statements in APPEND_ONLY_TRIGGERS.items():
    for _statement in _statements:
        event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
# Dropping the table drops its triggers; the function outlives it on PostgreSQL.
event.listen(AuditEntry.__table__, "after_drop",
             DDL("DROP FUNCTION IF EXISTS audit_entry_append_only()").execute_if(dialect="postgresql"))
