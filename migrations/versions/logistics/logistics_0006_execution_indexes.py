"""execution lists and counts by index: a person's tasks by due time, a company's plans by status

"My tasks" pages a person's tasks by due time, and the inbox counts a person's waiting tasks and
the plans waiting to be confirmed; at 100,000 orders each scanned every order or every plan.

Revision ID: logistics_0006
Revises: logistics_0005
Create Date: 2026-12-07 12:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'logistics_0006'
down_revision = 'logistics_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('logistics_task', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_task_assignee_due', ['company_id', 'assignee_id', 'due_at'], unique=False)
    with op.batch_alter_table('logistics_plan', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_plan_company_status', ['company_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('logistics_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_logistics_plan_company_status')
    with op.batch_alter_table('logistics_task', schema=None) as batch_op:
        batch_op.drop_index('ix_logistics_task_assignee_due')
