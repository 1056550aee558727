"""order lines: an insert sentinel, so SQLite inserts an order's lines in one statement

SQLAlchemy numbers the rows of a multi-row ``INSERT ... RETURNING`` in this
column to match the ids SQLite returns to its rows; without it every line is an
INSERT of its own. Existing lines keep NULL: the column means nothing after the insert.

Revision ID: core_0018
Revises: core_0017
Create Date: 2026-12-07 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0018'
down_revision = 'core_0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('_sentinel', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_column('_sentinel')
