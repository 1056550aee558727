"""order list indexes

The order list (core.listview, core.order_list) reads its pages by keyset on
(sort column, id) within a company: one index per sortable column, so that the
first page and the thousandth cost the same at 100,000 orders.

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0009'
down_revision = 'core_0008'
branch_labels = None
depends_on = None

# Written out, not imported from the model: this revision stays as it is when the model changes.
SORTS = ("number", "created_at", "submitted_at", "requested_date", "total")


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        for column in SORTS:
            batch_op.create_index(f'ix_order_company_{column}_id', ['company_id', column, 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        for column in reversed(SORTS):
            batch_op.drop_index(f'ix_order_company_{column}_id')
