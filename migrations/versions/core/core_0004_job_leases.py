"""job leases

The lease and the last run of each periodic job of ``ordo worker``.

Revision ID: core_0004
Revises: core_0001
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0004'
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_lease',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.Enum('succeeded', 'failed', name='joboutcome', native_enum=False, length=24),
              nullable=True),
    sa.Column('last_result', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lease'))
    )


def downgrade():
    op.drop_table('job_lease')
