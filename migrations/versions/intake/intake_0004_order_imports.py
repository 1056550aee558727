"""order imports and saved column mappings

Revision ID: intake_0004
Revises: intake_0003
Create Date: 2026-12-01 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'intake_0004'
down_revision = 'intake_0003'
branch_labels = None
depends_on = None

CHANNELS = ('phone', 'email', 'website', 'ecommerce', 'sales_rep', 'portal', 'api')
STATUSES = ('uploaded', 'queued', 'running', 'done', 'failed')


def upgrade():
    op.create_table('intake_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mapping', sa.String(length=64), nullable=False),
    sa.Column('submit', sa.Boolean(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='importstatus', native_enum=False, length=24), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.Column('failure', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_intake_import_company_id_company')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_intake_import_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_import'))
    )
    with op.batch_alter_table('intake_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_import_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_import_status'), ['status'], unique=False)
    op.create_table('intake_import_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.Enum(*CHANNELS, name='channel', native_enum=False, length=24), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_intake_import_mapping_changed_by_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_intake_import_mapping_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_import_mapping')),
    sa.UniqueConstraint('company_id', 'name', name=op.f('uq_intake_import_mapping_company_id'))
    )
    with op.batch_alter_table('intake_import_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_import_mapping_company_id'), ['company_id'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_import_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_import_mapping_company_id'))
    op.drop_table('intake_import_mapping')
    with op.batch_alter_table('intake_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_import_status'))
        batch_op.drop_index(batch_op.f('ix_intake_import_company_id'))
    op.drop_table('intake_import')
