"""review findings keep what they are about (params), so a page reads them in every language

Revision ID: review_0002
Revises: review_0001
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'review_0002'
down_revision = 'review_0001'
branch_labels = None
depends_on = None


def upgrade():
    # Findings recorded before have nothing beyond their message, which the page then shows.
    with op.batch_alter_table('review_finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    with op.batch_alter_table('review_finding', schema=None) as batch_op:
        batch_op.drop_column('params')
