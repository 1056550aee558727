"""invoice profiles: the customer's default delivery method and invoice, the order's invoice

A customer's default delivery method (none: left to the order) and its invoice
profile (type 增值税普通发票 / 增值税专用发票, none for no invoice; 开票抬头,
纳税人识别号, 开户行及账号, 地址、电话); an order's invoice, taken from the
profile when the order names none. Existing customers and orders have none:
their free-text invoice requirements stay as they were.

Revision ID: core_0013
Revises: core_0012
Create Date: 2026-12-01 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0013'
down_revision = 'core_0012'
branch_labels = None
depends_on = None


def _invoice_columns(tax_id_length):
    return [
        sa.Column('invoice_type', sa.Enum('ordinary', 'special', name='invoicetype', native_enum=False,
                                          length=24), nullable=True),
        sa.Column('invoice_title', sa.String(length=200), nullable=True),
        sa.Column('invoice_tax_id', sa.String(length=tax_id_length), nullable=True),
        sa.Column('invoice_bank_account', sa.String(length=200), nullable=True),
        sa.Column('invoice_address_phone', sa.String(length=200), nullable=True),
    ]


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_method', sa.Enum('express', 'freight', 'pickup',
                                                                 name='deliverymethod', native_enum=False,
                                                                 length=24), nullable=True))
        for column in _invoice_columns(20):
            batch_op.add_column(column)
    with op.batch_alter_table('order', schema=None) as batch_op:
        for column in _invoice_columns(40):
            batch_op.add_column(column)


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        for column in reversed(_invoice_columns(40)):
            batch_op.drop_column(column.name)
    with op.batch_alter_table('customer', schema=None) as batch_op:
        for column in reversed(_invoice_columns(20)):
            batch_op.drop_column(column.name)
        batch_op.drop_column('delivery_method')
