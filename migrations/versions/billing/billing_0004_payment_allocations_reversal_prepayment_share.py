"""payments from a customer allocated across invoices, reversal, prepayment shares

A payment belongs to a customer and carries its currency; what it pays is in
``billing_payment_allocation`` (payment → order and its invoice, amount), what
no allocation takes is the customer's credit. A wrong payment is reversed, never
deleted (``reversed_at``, ``reversed_by_id``, ``reversal_reason``), its
allocations with it. ``billing_prepayment_share``: the percentage of a
prepayment order paid before execution, per customer or per order.

Each payment recorded before this revision paid one order: it becomes one
allocation of its whole amount to that order and its invoice.

Revision ID: billing_0004
Revises: billing_0003
Create Date: 2026-12-07 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0004'
down_revision = 'billing_0003'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)


def upgrade():
    with op.batch_alter_table('billing_payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reversed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reversal_reason', sa.String(length=500), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
    op.execute('UPDATE billing_payment SET customer_id = (SELECT "order".customer_id FROM "order" '
               'WHERE "order".id = billing_payment.order_id), currency = (SELECT "order".currency FROM "order" '
               'WHERE "order".id = billing_payment.order_id)')
    with op.batch_alter_table('billing_payment', schema=None) as batch_op:
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('currency', existing_type=sa.String(length=3), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_billing_payment_customer_id_customer'),
                                    'customer', ['customer_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_billing_payment_reversed_by_id_user'),
                                    'user', ['reversed_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_billing_payment_customer_id'), ['customer_id'], unique=False)

    op.create_table('billing_payment_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('amount', MONEY, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'],
                            name=op.f('fk_billing_payment_allocation_company_id_company')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'],
                            name=op.f('fk_billing_payment_allocation_invoice_id_billing_invoice')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_billing_payment_allocation_order_id_order')),
    sa.ForeignKeyConstraint(['payment_id'], ['billing_payment.id'],
                            name=op.f('fk_billing_payment_allocation_payment_id_billing_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_payment_allocation'))
    )
    with op.batch_alter_table('billing_payment_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_payment_allocation_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payment_allocation_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payment_allocation_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payment_allocation_payment_id'), ['payment_id'], unique=False)
    op.execute('INSERT INTO billing_payment_allocation (company_id, payment_id, order_id, invoice_id, amount, '
               'created_at) SELECT company_id, id, order_id, invoice_id, amount, created_at FROM billing_payment '
               'WHERE order_id IS NOT NULL')

    op.create_table('billing_prepayment_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'],
                            name=op.f('fk_billing_prepayment_share_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                            name=op.f('fk_billing_prepayment_share_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_billing_prepayment_share_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_prepayment_share')),
    sa.UniqueConstraint('order_id', name=op.f('uq_billing_prepayment_share_order_id'))
    )
    with op.batch_alter_table('billing_prepayment_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_prepayment_share_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_prepayment_share_customer_id'), ['customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('billing_prepayment_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_prepayment_share_customer_id'))
        batch_op.drop_index(batch_op.f('ix_billing_prepayment_share_company_id'))
    op.drop_table('billing_prepayment_share')
    with op.batch_alter_table('billing_payment_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_payment_allocation_payment_id'))
        batch_op.drop_index(batch_op.f('ix_billing_payment_allocation_order_id'))
        batch_op.drop_index(batch_op.f('ix_billing_payment_allocation_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_billing_payment_allocation_company_id'))
    op.drop_table('billing_payment_allocation')
    # A payment across several invoices named no order; the older schema cannot hold it.
    op.execute('DELETE FROM billing_payment WHERE order_id IS NULL')
    with op.batch_alter_table('billing_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_payment_customer_id'))
        batch_op.drop_constraint(batch_op.f('fk_billing_payment_reversed_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_billing_payment_customer_id_customer'), type_='foreignkey')
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('reversal_reason')
        batch_op.drop_column('reversed_by_id')
        batch_op.drop_column('reversed_at')
        batch_op.drop_column('currency')
        batch_op.drop_column('customer_id')
