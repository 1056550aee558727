"""the company's invoicing policy for monthly settlement: at delivery, or in the monthly statement

``billing_statement_setting.monthly_invoicing``: ``at_delivery`` (what every
company did before this revision, so the default) or ``with_statement``: the
statement run issues the invoices of the period's deliveries.

Revision ID: billing_0006
Revises: billing_0005
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0006'
down_revision = 'billing_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('billing_statement_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('monthly_invoicing', sa.String(length=24), nullable=False,
                                      server_default='at_delivery'))


def downgrade():
    with op.batch_alter_table('billing_statement_setting', schema=None) as batch_op:
        batch_op.drop_column('monthly_invoicing')
