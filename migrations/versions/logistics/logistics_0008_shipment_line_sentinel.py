"""shipment lines: an insert sentinel, so SQLite inserts a shipment's lines in one statement

As ``core_0018`` for order lines: SQLAlchemy numbers the rows of a multi-row
``INSERT ... RETURNING`` here; existing lines keep NULL.

Revision ID: logistics_0008
Revises: logistics_0007
Create Date: 2026-12-07 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'logistics_0008'
down_revision = 'logistics_0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('logistics_shipment_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('_sentinel', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('logistics_shipment_line', schema=None) as batch_op:
        batch_op.drop_column('_sentinel')
