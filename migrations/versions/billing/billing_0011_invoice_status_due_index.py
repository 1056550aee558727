"""issued invoices by due date: finance's inbox lists the payments to collect due first from an index

At 100,000 orders the inbox's payments to collect were sorted out of every delivered order (0.2 to
0.4 s); by (company, status, due date, order) it reads the issued invoices due first and stops at its page.

Revision ID: billing_0011
Revises: billing_0010
Create Date: 2026-12-07 21:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'billing_0011'
down_revision = 'billing_0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.create_index('ix_billing_invoice_company_status_due',
                              ['company_id', 'status', 'due_date', 'order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_invoice_company_status_due')
