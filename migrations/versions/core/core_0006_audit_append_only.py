"""audit log append-only

Triggers that make the database refuse UPDATE and DELETE on audit_entry (and
TRUNCATE on PostgreSQL), so that the audit log cannot be rewritten with raw SQL
either. The same statements as ``core.models.audit.APPEND_ONLY_TRIGGERS``,
written out here so that this revision stays as it was when the model changes.

Revision ID: core_0006
Revises: core_0004
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0006'
down_revision = "core_0005"
branch_labels = None
depends_on = None

UPGRADE = {
    "sqlite": [
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_entry is append-only' USING ERRCODE = 'restrict_violation'; END $$",
        "CREATE TRIGGER audit_entry_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
    ],
}

DOWNGRADE = {
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


def _run(statements):
    dialect = op.get_bind().dialect.name
    if dialect not in statements:
        raise NotImplementedError(f"no append-only triggers for {dialect}")
    for statement in statements[dialect]:
        op.execute(statement)


def upgrade():
    _run(UPGRADE)


def downgrade():
    _run(DOWNGRADE)
