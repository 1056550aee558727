"""kpi: covering indexes for the analytics' orders and the product mix's lines

The analytics pages (regions, RFM customers, months, product and channel mix) read a period's orders from an
index holding every column they filter and sum (company, currency, submission, status, customer, channel,
total, id), and the product mix the orders' lines from one holding the line's order, product, quantity and
amount: at a million orders they read each order's row at a random place of the table (issue 21).

Revision ID: kpi_0008
Revises: kpi_0007
Create Date: 2026-12-08 03:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'kpi_0008'
down_revision = 'kpi_0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_order_sales', ['company_id', 'currency', 'submitted_at', 'status', 'customer_id',
                                                     'channel', 'total', 'id'], unique=False)
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_order_line_mix', ['order_id', 'product_id', 'quantity', 'amount'], unique=False)


def downgrade():
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_order_line_mix')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_order_sales')
