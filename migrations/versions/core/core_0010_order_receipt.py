"""order receipt and source, product lead time

Where an order came from (``source_reference``) and when it was received
(``received_at``, which may be before it was entered: existing orders take
their entry time), and how many days a product needs (``lead_time_days``).

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0010'
down_revision = 'core_0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_reference', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE "order" SET received_at = created_at')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.alter_column('received_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index('ix_order_company_source_reference', ['company_id', 'source_reference'], unique=False)
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_time_days', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.alter_column('lead_time_days', existing_type=sa.Integer(), server_default=None)


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('lead_time_days')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_company_source_reference')
        batch_op.drop_column('received_at')
        batch_op.drop_column('source_reference')
