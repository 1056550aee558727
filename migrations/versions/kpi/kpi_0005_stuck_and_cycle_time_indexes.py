"""kpi: indexes for the stuck orders' last step and the cycle times' ranks

The supervision page of stuck orders reads each open order's latest status event from an index on the audit
log by order, entity, action and moment instead of grouping every order's audit entries (issue 16); on
SQLite the cycle times read each stage's durations in order from the task and order facts (issue 21).

Revision ID: kpi_0005
Revises: kpi_0004
Create Date: 2026-12-08 00:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'kpi_0005'
down_revision = 'kpi_0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_audit_entry_order_step', ['order_id', 'entity', 'action', 'at'], unique=False)
    with op.batch_alter_table('kpi_task', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_task_durations', ['company_id', 'stage', 'department', 'seconds', 'done_at'],
                              unique=False)
    with op.batch_alter_table('kpi_order', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_order_lead', ['company_id', 'lead_seconds', 'delivered_at'], unique=False)


def downgrade():
    with op.batch_alter_table('kpi_order', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_order_lead')
    with op.batch_alter_table('kpi_task', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_task_durations')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_audit_entry_order_step')
