"""outbox delivery: who holds a message being sent, when it was last tried, the SMTP server's last answer

``claim_token`` fences a sender's result to its own claim; ``last_attempt_at``,
``smtp_code`` and ``smtp_answer`` show administrators what happened to a message.
Existing messages have none of them. Each company's administrator role gets the
new permission ``admin.outbox`` (to read the outbox and send a failed message
again), as a new company's would, unless some role of the company holds it already.

Revision ID: core_0015
Revises: core_0014
Create Date: 2026-12-07 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0015'
down_revision = 'core_0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('smtp_code', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('smtp_answer', sa.Text(), nullable=True))
    op.execute(sa.text(
        "INSERT INTO role_permission (role_id, permission) "
        "SELECT role.id, 'admin.outbox' FROM role WHERE role.name = 'administrator' AND NOT EXISTS ("
        "  SELECT 1 FROM role_permission held JOIN role other ON other.id = held.role_id"
        "  WHERE other.company_id = role.company_id AND held.permission = 'admin.outbox')"))


def downgrade():
    op.execute(sa.text("DELETE FROM role_permission WHERE permission = 'admin.outbox'"))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('smtp_answer')
        batch_op.drop_column('smtp_code')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('claim_token')
