"""customer price lists

The prices agreed with a customer, one per product: their order lines default to
them, and their portal users order from them.

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-01 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0012'
down_revision = 'core_0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_customer_price_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_price_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_customer_price_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_price')),
    sa.UniqueConstraint('customer_id', 'product_id', name=op.f('uq_customer_price_customer_id'))
    )
    with op.batch_alter_table('customer_price', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_price_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_price_product_id'), ['product_id'], unique=False)


def downgrade():
    with op.batch_alter_table('customer_price', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_price_product_id'))
        batch_op.drop_index(batch_op.f('ix_customer_price_company_id'))
    op.drop_table('customer_price')
