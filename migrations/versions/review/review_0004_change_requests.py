"""change requests: the order change request form, its diff, impact, review round and acknowledgement

Revision ID: review_0004
Revises: review_0003
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'review_0004'
down_revision = 'review_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_change_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('in_review', 'applied', 'rejected', 'sent_back', 'closed', name='changestatus', native_enum=False, length=24), nullable=False),
    sa.Column('base_revision', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('by_customer', sa.Boolean(), nullable=False),
    sa.Column('via', sa.Enum('portal', 'api', name='requestedvia', native_enum=False, length=24), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('line_changes', sa.JSON(), nullable=False),
    sa.Column('requested_date', sa.Date(), nullable=True),
    sa.Column('delivery_method', sa.String(length=24), nullable=True),
    sa.Column('payment_terms', sa.String(length=24), nullable=True),
    sa.Column('diff', sa.JSON(), nullable=False),
    sa.Column('old_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('new_subtotal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('new_tax_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('new_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('price_difference', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=True),
    sa.Column('promised_by_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('applied_revision', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user.id'], name=op.f('fk_review_change_request_acknowledged_by_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_change_request_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_review_change_request_order_id_order')),
    sa.ForeignKeyConstraint(['promised_by_id'], ['user.id'], name=op.f('fk_review_change_request_promised_by_id_user')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_review_change_request_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_change_request')),
    sa.UniqueConstraint('order_id', 'sequence', name=op.f('uq_review_change_request_order_id'))
    )
    with op.batch_alter_table('review_change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_change_request_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_change_request_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_review_change_request_order_status', ['order_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('review_change_request', schema=None) as batch_op:
        batch_op.drop_index('ix_review_change_request_order_status')
        batch_op.drop_index(batch_op.f('ix_review_change_request_order_id'))
        batch_op.drop_index(batch_op.f('ix_review_change_request_company_id'))
    op.drop_table('review_change_request')
