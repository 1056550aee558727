"""a company's orders of one status in order, from an index: oldest first (the inbox's drafts), and by the
day they should leave by (logistics' orders to ship); audit entries by action (supervision's escalations)

The drafts waiting in the inbox were found by walking every order of the company by creation
time, the settled ones first (20 to 40 ms at 100,000 orders); the orders to ship were sorted out
of every approved order and every order in production, each checked against the holds (0.2 to 0.3 s).
Supervision's escalations walked every audit entry newest first looking for a few kinds of them (1.2
million entries, 2 to 8 s, for none).

Revision ID: core_0020
Revises: core_0019
Create Date: 2026-12-07 21:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0020'
down_revision = 'core_0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.create_index('ix_order_company_status_created_at_id', ['company_id', 'status', 'created_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_order_company_status_promised_requested',
                              ['company_id', 'status', 'promised_date', 'requested_date', 'id'], unique=False)
    # Not in batch mode: the audit log's table (and its triggers refusing updates) is never copied.
    op.create_index('ix_audit_entry_company_action_id', 'audit_entry', ['company_id', 'action', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_entry_company_action_id', table_name='audit_entry')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_company_status_promised_requested')
        batch_op.drop_index('ix_order_company_status_created_at_id')
