"""review policy, rounds, decisions and notices

Each company's review steps, policy, reason codes and capacity; a row per
review round; each person's decision; severities and overrides of findings;
the reminders, escalations and delay notices of late steps. Steps and findings
recorded before keep working: they get the defaults (any one approves, info).

Revision ID: review_0003
Revises: review_0002
Create Date: 2026-12-01 10:19:50.154894

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'review_0003'
down_revision = 'review_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_capacity_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('units_per_day', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_capacity_line_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_capacity_line')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_review_capacity_line_company_id'))
    )
    with op.batch_alter_table('review_capacity_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_capacity_line_company_id'), ['company_id'], unique=False)

    op.create_table('review_reason_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('label_zh', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_reason_code_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reason_code')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_review_reason_code_company_id'))
    )
    with op.batch_alter_table('review_reason_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_reason_code_company_id'), ['company_id'], unique=False)

    op.create_table('review_settings',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('allow_self_approval', sa.Boolean(), nullable=False),
    sa.Column('max_discount', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_settings_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_review_settings'))
    )
    op.create_table('review_step_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('permission', sa.String(length=120), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('policy', sa.Enum('any', 'all', 'quorum', name='steppolicy', native_enum=False, length=24), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('users', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_step_config_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_step_config')),
    sa.UniqueConstraint('company_id', 'department', name=op.f('uq_review_step_config_company_id'))
    )
    with op.batch_alter_table('review_step_config', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_step_config_company_id'), ['company_id'], unique=False)

    op.create_table('review_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'approved', 'rejected', 'sent_back', 'closed', name='roundstatus', native_enum=False, length=24), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_round_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_review_round_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_round')),
    sa.UniqueConstraint('order_id', 'number', name=op.f('uq_review_round_order_id'))
    )
    with op.batch_alter_table('review_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_round_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_round_order_id'), ['order_id'], unique=False)

    op.create_table('review_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('approve', 'reject', 'send_back', name='stepdecision', native_enum=False, length=24), nullable=False),
    sa.Column('reason_code', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_decision_company_id_company')),
    sa.ForeignKeyConstraint(['step_id'], ['review_step.id'], name=op.f('fk_review_decision_step_id_review_step')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_review_decision_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decision')),
    sa.UniqueConstraint('step_id', 'user_id', name=op.f('uq_review_decision_step_id'))
    )
    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_decision_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_decision_step_id'), ['step_id'], unique=False)

    op.create_table('review_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('reminder', 'escalation', 'delay', name='overduekind', native_enum=False, length=24), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_review_notice_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_review_notice_order_id_order')),
    sa.ForeignKeyConstraint(['step_id'], ['review_step.id'], name=op.f('fk_review_notice_step_id_review_step')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_notice')),
    sa.UniqueConstraint('step_id', 'level', 'kind', name=op.f('uq_review_notice_step_id'))
    )
    with op.batch_alter_table('review_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_notice_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_notice_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_notice_step_id'), ['step_id'], unique=False)

    with op.batch_alter_table('review_finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity', sa.Enum('info', 'warning', 'blocking', name='severity', native_enum=False, length=24), nullable=False, server_default='info'))
        batch_op.add_column(sa.Column('overridden_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('overridden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('override_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_finding_overridden_by_id_user'), 'user', ['overridden_by_id'], ['id'])

    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('policy', sa.Enum('any', 'all', 'quorum', name='steppolicy', native_enum=False, length=24), nullable=False, server_default='any'))
        batch_op.add_column(sa.Column('quorum', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('required', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('approvals', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('roles', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('users', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('reason_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('escalated_to', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('delay_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('delay_reported_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delay_reported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_review_step_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_review_step_delay_reported_by_id_user'), 'user', ['delay_reported_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_review_step_round_id_review_round'), 'review_round', ['round_id'], ['id'])



def downgrade():
    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_step_round_id_review_round'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_review_step_delay_reported_by_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_review_step_round_id'))
        batch_op.drop_column('delay_reported_at')
        batch_op.drop_column('delay_reported_by_id')
        batch_op.drop_column('delay_reason')
        batch_op.drop_column('escalated_to')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('overdue_at')
        batch_op.drop_column('reason_code')
        batch_op.drop_column('users')
        batch_op.drop_column('roles')
        batch_op.drop_column('approvals')
        batch_op.drop_column('required')
        batch_op.drop_column('quorum')
        batch_op.drop_column('policy')
        batch_op.drop_column('round_id')

    with op.batch_alter_table('review_finding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_finding_overridden_by_id_user'), type_='foreignkey')
        batch_op.drop_column('override_reason')
        batch_op.drop_column('overridden_at')
        batch_op.drop_column('overridden_by_id')
        batch_op.drop_column('severity')

    with op.batch_alter_table('review_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_notice_step_id'))
        batch_op.drop_index(batch_op.f('ix_review_notice_order_id'))
        batch_op.drop_index(batch_op.f('ix_review_notice_company_id'))

    op.drop_table('review_notice')
    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_decision_step_id'))
        batch_op.drop_index(batch_op.f('ix_review_decision_company_id'))

    op.drop_table('review_decision')
    with op.batch_alter_table('review_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_round_order_id'))
        batch_op.drop_index(batch_op.f('ix_review_round_company_id'))

    op.drop_table('review_round')
    with op.batch_alter_table('review_step_config', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_step_config_company_id'))

    op.drop_table('review_step_config')
    op.drop_table('review_settings')
    with op.batch_alter_table('review_reason_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_reason_code_company_id'))

    op.drop_table('review_reason_code')
    with op.batch_alter_table('review_capacity_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_capacity_line_company_id'))

    op.drop_table('review_capacity_line')
