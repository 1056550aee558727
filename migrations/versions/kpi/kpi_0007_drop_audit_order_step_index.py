"""kpi: drop the audit log's index by order, entity, action and moment

The stuck orders' page reads how long each order has been in its status from ``order.status_changed_at``
(core_0021) and no longer the latest status event of the audit log, so nothing reads kpi_0005's index on the
core's ``audit_entry`` any more, and every audit entry written paid for it.

Revision ID: kpi_0007
Revises: kpi_0006
Create Date: 2026-12-08 03:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'kpi_0007'
down_revision = 'kpi_0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_audit_entry_order_step')


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_audit_entry_order_step', ['order_id', 'entity', 'action', 'at'], unique=False)
