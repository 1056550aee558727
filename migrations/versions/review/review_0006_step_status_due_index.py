"""open review steps due first: the inbox lists them from an index

The inbox walked every step of the company by due time (decided ones included, nine in ten at
100,000 orders) to find the open ones: 0.1 s. (company, status, due time, id) starts at the open ones.

Revision ID: review_0006
Revises: review_0005
Create Date: 2026-12-07 21:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'review_0006'
down_revision = 'review_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.create_index('ix_review_step_company_status_due', ['company_id', 'status', 'due_at', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.drop_index('ix_review_step_company_status_due')
