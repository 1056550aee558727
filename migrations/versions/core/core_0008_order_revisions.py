"""order revisions: the revisions an approved change replaced, kept readable

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-01 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('requested_date', sa.Date(), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=True),
    sa.Column('delivery_method', sa.Enum('express', 'freight', 'pickup', name='deliverymethod', native_enum=False, length=24), nullable=False),
    sa.Column('payment_terms', sa.Enum('prepayment', 'cash_on_delivery', 'monthly', name='paymentterms', native_enum=False, length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tax_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('replaced_by_change', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_order_revision_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_order_revision_order_id_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_revision')),
    sa.UniqueConstraint('order_id', 'revision', name=op.f('uq_order_revision_order_id'))
    )
    with op.batch_alter_table('order_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_revision_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_revision_order_id'), ['order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('order_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_revision_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_revision_company_id'))
    op.drop_table('order_revision')
