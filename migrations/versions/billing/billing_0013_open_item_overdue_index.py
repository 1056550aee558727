"""the overdue lists from an index: the open items due before a day, in due date order

At 100,000 orders the inbox's customers with overdue invoices summed every overdue open item of the company
(read by the ageing index, led by company and ``settled_on`` then the invoice) and sorted the customers, for
a page of ten. Led by (company, settled_on, due_date, customer), the open rows overdue at a day are one range
in due date order, so the first customers by their oldest due date are read off its start; covering.

Revision ID: billing_0013
Revises: billing_0012
Create Date: 2026-12-08 03:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'billing_0013'
down_revision = 'billing_0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.create_index('ix_billing_open_item_overdue',
                              ['company_id', 'settled_on', 'due_date', 'customer_id', 'salesperson_id',
                               'invoice_id', 'amount'], unique=False)


def downgrade():
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_open_item_overdue')
