"""kpi: an index on the audit log by order, entity, action and moment, for the stuck orders' last step

The supervision page of stuck orders reads each open order's latest status event from it instead of
grouping every order's audit entries (issue 16).

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


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_audit_entry_order_step')
