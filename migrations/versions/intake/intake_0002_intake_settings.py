"""intake settings per company

The order number's format, the window in which the same order twice is
suspected a duplicate, and whether customers' portal orders are submitted
directly.

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-12-01 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'intake_0002'
down_revision = 'intake_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('number_format', sa.String(length=64), nullable=False),
    sa.Column('duplicate_window_days', sa.Integer(), nullable=False),
    sa.Column('portal_submits_directly', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_intake_setting_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_setting')),
    sa.UniqueConstraint('company_id', name=op.f('uq_intake_setting_company_id'))
    )


def downgrade():
    op.drop_table('intake_setting')
