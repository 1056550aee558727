"""a problem case keeps everything it granted across its resolutions (``credited``), so a case reopened
and credited again, or a second case on the same line, cannot grant more than the line is worth

Revision ID: logistics_0007
Revises: logistics_0006
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'logistics_0007'
down_revision = 'logistics_0006'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)  # core.figures.MONEY


def upgrade():
    with op.batch_alter_table('logistics_case') as batch_op:
        batch_op.add_column(sa.Column('credited', MONEY, nullable=False, server_default='0'))
    # What a case resolved by a credit granted so far is its last credit: earlier ones were not kept.
    op.execute("UPDATE logistics_case SET credited = credit_amount WHERE credit_amount IS NOT NULL")
    with op.batch_alter_table('logistics_case') as batch_op:
        batch_op.alter_column('credited', server_default=None)


def downgrade():
    with op.batch_alter_table('logistics_case') as batch_op:
        batch_op.drop_column('credited')
