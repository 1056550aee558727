"""the inbox's sign-offs to record from indexes: dispatched shipments by dispatch time, pickups by preparation

The sign-offs were sorted by their order's due day after reading every shipment awaiting one with its order
(6,250 at 100,000 orders) for a page of ten. They are listed now as they have waited: dispatched shipments
by (company, status, dispatched_at, id), pickups ready for the customer by (company, status, delivery method,
created_at, id); each reads its first page in order and stops. Both lead with (company, status), which the
shipments to dispatch and the counts read: the index on those two alone goes.

Revision ID: logistics_0010
Revises: logistics_0009
Create Date: 2026-12-08 01:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'logistics_0010'
down_revision = 'logistics_0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('logistics_shipment', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_shipment_dispatched',
                              ['company_id', 'status', 'dispatched_at', 'id'], unique=False)
        batch_op.create_index('ix_logistics_shipment_pickup',
                              ['company_id', 'status', 'delivery_method', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_logistics_shipment_company_status')


def downgrade():
    with op.batch_alter_table('logistics_shipment', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_shipment_company_status', ['company_id', 'status'], unique=False)
        batch_op.drop_index('ix_logistics_shipment_pickup')
        batch_op.drop_index('ix_logistics_shipment_dispatched')
