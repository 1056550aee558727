"""kpi facts of problem cases (the cases opened on each order, their count on a delivered order) and of invoices

Execution tasks and resolved cases are ``kpi_task`` rows of two new stages (a string column: no change).
A delivered order recorded before keeps ``cases`` 0 until ``ordo kpi rebuild`` reads its cases back.

Revision ID: kpi_0004
Revises: kpi_0003
Create Date: 2026-12-07 20:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'kpi_0004'
down_revision = 'kpi_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kpi_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=48), nullable=False),
    sa.Column('case_type', sa.String(length=24), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_kpi_case_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_kpi_case_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_case'))
    )
    with op.batch_alter_table('kpi_case', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_case_company_opened', ['company_id', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_case_order_id'), ['order_id'], unique=False)
    with op.batch_alter_table('kpi_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cases', sa.Integer(), server_default='0', nullable=False))
    op.create_table('kpi_invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('salesperson_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_kpi_invoice_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_kpi_invoice_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_kpi_invoice_order_id_order')),
    sa.ForeignKeyConstraint(['salesperson_id'], ['user.id'], name=op.f('fk_kpi_invoice_salesperson_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_invoice'))
    )
    with op.batch_alter_table('kpi_invoice', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_invoice_company_issued', ['company_id', 'issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_invoice_order_id'), ['order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kpi_invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_invoice_order_id'))
        batch_op.drop_index('ix_kpi_invoice_company_issued')
    op.drop_table('kpi_invoice')
    with op.batch_alter_table('kpi_order', schema=None) as batch_op:
        batch_op.drop_column('cases')
    with op.batch_alter_table('kpi_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_case_order_id'))
        batch_op.drop_index('ix_kpi_case_company_opened')
    op.drop_table('kpi_case')
