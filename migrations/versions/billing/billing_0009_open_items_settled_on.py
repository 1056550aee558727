"""open items: when each invoice was settled (billing_open_item.settled_on), back-filled, and the ageing index led by it

An invoice whose rows sum to nothing gets, on every row, the day of its last row;
one that still owes keeps it empty. The ageing index is rebuilt led by
(company, settled_on) so that a report as of a day reads only the rows of invoices
not settled by then. Chained after billing_0008 (collection).

Revision ID: billing_0009
Revises: billing_0008
Create Date: 2026-12-07 17:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0009'
down_revision = 'billing_0008'
branch_labels = None
depends_on = None

AGEING = ['company_id', 'invoice_id', 'customer_id', 'salesperson_id', 'currency', 'due_date', 'posted_on', 'amount']


def upgrade():
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settled_on', sa.Date(), nullable=True))
        batch_op.drop_index('ix_billing_open_item_ageing')
    # Settled: the rows sum to less than half a cent (they are kept to the cent); the day is the last row's.
    op.execute(sa.text(
        "UPDATE billing_open_item SET settled_on = (SELECT max(item.posted_on) FROM billing_open_item AS item "
        "WHERE item.invoice_id = billing_open_item.invoice_id) "
        "WHERE invoice_id IN (SELECT invoice_id FROM billing_open_item GROUP BY invoice_id "
        "HAVING sum(amount) < 0.005)"))
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.create_index('ix_billing_open_item_ageing', ['company_id', 'settled_on'] + AGEING[1:],
                              unique=False)


def downgrade():
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_open_item_ageing')
        batch_op.drop_column('settled_on')
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.create_index('ix_billing_open_item_ageing', AGEING, unique=False)
