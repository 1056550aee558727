"""the inbox's plans and shipments from indexes: plans waiting to be confirmed by target date, shipments by status

The company's draft plans were sorted by target date after reading all of them (50 ms at 100,000
orders); (company, status, target date, id) lists the first page in order and still counts them.
The shipments to dispatch and to sign off were found among every shipment of the company (30 to
90 ms); (company, status) reads only the prepared and dispatched ones.

Revision ID: logistics_0009
Revises: logistics_0008
Create Date: 2026-12-07 21:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'logistics_0009'
down_revision = 'logistics_0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('logistics_plan', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_plan_company_status_target',
                              ['company_id', 'status', 'target_date', 'id'], unique=False)
        batch_op.drop_index('ix_logistics_plan_company_status')
    with op.batch_alter_table('logistics_shipment', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_shipment_company_status', ['company_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('logistics_shipment', schema=None) as batch_op:
        batch_op.drop_index('ix_logistics_shipment_company_status')
    with op.batch_alter_table('logistics_plan', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_plan_company_status', ['company_id', 'status'], unique=False)
        batch_op.drop_index('ix_logistics_plan_company_status_target')
