"""review steps: an insert sentinel, so SQLite inserts a round's steps in one statement

As ``core_0018`` for order lines: SQLAlchemy numbers the rows of a multi-row
``INSERT ... RETURNING`` here (a submission opens a round of three steps or
more); existing steps keep NULL.

Revision ID: review_0007
Revises: review_0006
Create Date: 2026-12-08 00:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'review_0007'
down_revision = 'review_0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('_sentinel', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.drop_column('_sentinel')
