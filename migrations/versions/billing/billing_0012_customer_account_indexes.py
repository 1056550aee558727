"""a customer's account from indexes: their open items, and their latest payments

At 100,000 orders the account summed a customer's open items out of every open item of the company (the
ageing index leads with the company and ``settled_on``), three times a request: the totals, the page of
open invoices and its count. Led by (company, customer, settled_on), the range read is the customer's
open items alone, covering. Their latest payments were sorted out of all their payments; by (company,
customer, received_at, id) the page reads the newest fifty and stops.

Revision ID: billing_0012
Revises: billing_0011
Create Date: 2026-12-08 00:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'billing_0012'
down_revision = 'billing_0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.create_index('ix_billing_open_item_customer_open',
                              ['company_id', 'customer_id', 'settled_on', 'invoice_id', 'salesperson_id',
                               'currency', 'due_date', 'posted_on', 'amount'], unique=False)
    with op.batch_alter_table('billing_payment', schema=None) as batch_op:
        batch_op.create_index('ix_billing_payment_customer_received',
                              ['company_id', 'customer_id', 'received_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('billing_payment', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_payment_customer_received')
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_open_item_customer_open')
