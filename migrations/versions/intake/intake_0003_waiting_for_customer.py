"""drafts waiting for the customer

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-12-01 11:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'intake_0003'
down_revision = 'intake_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_waiting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.Column('emailed_to', sa.String(length=200), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_intake_waiting_answered_by_id_user')),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_intake_waiting_by_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_intake_waiting_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_intake_waiting_order_id_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_waiting'))
    )
    with op.batch_alter_table('intake_waiting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_waiting_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_waiting_order_id'), ['order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_waiting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_waiting_order_id'))
        batch_op.drop_index(batch_op.f('ix_intake_waiting_company_id'))
    op.drop_table('intake_waiting')
