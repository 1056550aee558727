"""ageing buckets per company: the bounds in days of the report's buckets (billing_ageing_bound)

A company without rows uses the defaults (30, 60, 90, 180). Chained after
billing_0009 (open items' settled_on).

Revision ID: billing_0010
Revises: billing_0009
Create Date: 2026-12-07 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0010'
down_revision = 'billing_0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_ageing_bound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_ageing_bound_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_ageing_bound')),
    sa.UniqueConstraint('company_id', 'position', name=op.f('uq_billing_ageing_bound_company_id'))
    )
    with op.batch_alter_table('billing_ageing_bound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_ageing_bound_company_id'), ['company_id'], unique=False)


def downgrade():
    with op.batch_alter_table('billing_ageing_bound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_ageing_bound_company_id'))
    op.drop_table('billing_ageing_bound')
