"""invoice list index

The invoice lists (the API's ``GET /invoices``, the portal's invoices page) read
their pages newest first by keyset on (issued_at, id) within a company: without
this index every page sorted all of the company's invoices (about 160 ms a page
at 100,000 invoices on SQLite).

Revision ID: billing_0002
Revises: billing_0001
Create Date: 2026-12-07 06:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'billing_0002'
down_revision = 'billing_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.create_index('ix_billing_invoice_company_issued_at_id', ['company_id', 'issued_at', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_invoice_company_issued_at_id')
