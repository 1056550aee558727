"""a step's findings by index

An order's page and a step's page load the findings of the order's steps by step;
without an index on ``step_id`` each load read every finding of the company (100 ms
at 100,000 orders on SQLite).

Revision ID: review_0005
Revises: review_0004
Create Date: 2026-12-07 12:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'review_0005'
down_revision = 'review_0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_finding_step_id'), ['step_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_finding_step_id'))
