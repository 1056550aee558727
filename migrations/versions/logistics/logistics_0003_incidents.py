"""incidents and at-risk warnings: incidents on orders and tasks, escalations, each plan's at-risk state, the
customer's notices of a new date (unique per plan and date), and the company's notice setting

Three new permissions come with them: ``logistics.incidents`` (recording),
``logistics.escalations`` (taking escalated incidents) and ``logistics.notify``
(confirming a new date to the customer). Each existing company's default roles
get each, as a new company's would, unless some role of the company holds it already.

Revision ID: logistics_0003
Revises: logistics_0002
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'logistics_0003'
down_revision = 'logistics_0002'
branch_labels = None
depends_on = None


GRANTS = {
    "logistics.incidents": ("administrator", "sales", "finance", "production", "logistics", "customer_service",
                            "manager"),
    "logistics.escalations": ("administrator", "manager"),
    "logistics.notify": ("administrator", "sales", "customer_service", "manager"),
}


def upgrade():
    op.create_table('logistics_incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('material_shortage', 'equipment_failure', 'transport_delay', 'quality_problem', 'other', name='incidentkind', native_enum=False, length=24), nullable=False),
    sa.Column('delay_hours', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='incidentstatus', native_enum=False, length=24), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_logistics_incident_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_logistics_incident_order_id_order')),
    sa.ForeignKeyConstraint(['task_id'], ['logistics_task.id'], name=op.f('fk_logistics_incident_task_id_logistics_task'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_logistics_incident_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['escalated_by_id'], ['user.id'], name=op.f('fk_logistics_incident_escalated_by_id_user')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_logistics_incident_resolved_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logistics_incident'))
    )
    with op.batch_alter_table('logistics_incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_logistics_incident_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_logistics_incident_order_status', ['order_id', 'status'], unique=False)

    op.create_table('logistics_incident_escalation',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['logistics_incident.id'], name=op.f('fk_logistics_incident_escalation_incident_id_logistics_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_logistics_incident_escalation_user_id_user')),
    sa.PrimaryKeyConstraint('incident_id', 'user_id', name=op.f('pk_logistics_incident_escalation'))
    )
    with op.batch_alter_table('logistics_incident_escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_logistics_incident_escalation_user_id'), ['user_id'], unique=False)

    op.create_table('logistics_plan_risk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('at_risk', sa.Boolean(), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_logistics_plan_risk_company_id_company')),
    sa.ForeignKeyConstraint(['plan_id'], ['logistics_plan.id'], name=op.f('fk_logistics_plan_risk_plan_id_logistics_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_logistics_plan_risk_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logistics_plan_risk')),
    sa.UniqueConstraint('plan_id', name=op.f('uq_logistics_plan_risk_plan_id'))
    )
    with op.batch_alter_table('logistics_plan_risk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_logistics_plan_risk_company_id'), ['company_id'], unique=False)

    op.create_table('logistics_risk_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'withdrawn', name='noticestatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_logistics_risk_notice_company_id_company')),
    sa.ForeignKeyConstraint(['plan_id'], ['logistics_plan.id'], name=op.f('fk_logistics_risk_notice_plan_id_logistics_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_logistics_risk_notice_order_id_order')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_logistics_risk_notice_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_logistics_risk_notice_outbox_id_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logistics_risk_notice')),
    sa.UniqueConstraint('plan_id', 'expected_date', name=op.f('uq_logistics_risk_notice_plan_id'))
    )
    with op.batch_alter_table('logistics_risk_notice', schema=None) as batch_op:
        batch_op.create_index('ix_logistics_risk_notice_company_status', ['company_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_logistics_risk_notice_order_id'), ['order_id'], unique=False)

    op.create_table('logistics_risk_settings',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('notify_at_once', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_logistics_risk_settings_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_logistics_risk_settings'))
    )
    for permission, roles in GRANTS.items():
        op.execute(sa.text(
            "INSERT INTO role_permission (role_id, permission) "
            "SELECT role.id, :permission FROM role WHERE role.name IN :roles AND NOT EXISTS ("
            "  SELECT 1 FROM role_permission held JOIN role other ON other.id = held.role_id"
            "  WHERE other.company_id = role.company_id AND held.permission = :permission)"
        ).bindparams(sa.bindparam("roles", expanding=True), permission=permission, roles=list(roles)))


def downgrade():
    op.execute(sa.text("DELETE FROM role_permission WHERE permission IN :permissions").bindparams(
        sa.bindparam("permissions", expanding=True), permissions=list(GRANTS)))
    op.drop_table('logistics_risk_settings')
    with op.batch_alter_table('logistics_risk_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_logistics_risk_notice_order_id'))
        batch_op.drop_index('ix_logistics_risk_notice_company_status')
    op.drop_table('logistics_risk_notice')
    with op.batch_alter_table('logistics_plan_risk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_logistics_plan_risk_company_id'))
    op.drop_table('logistics_plan_risk')
    with op.batch_alter_table('logistics_incident_escalation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_logistics_incident_escalation_user_id'))
    op.drop_table('logistics_incident_escalation')
    with op.batch_alter_table('logistics_incident', schema=None) as batch_op:
        batch_op.drop_index('ix_logistics_incident_order_status')
        batch_op.drop_index(batch_op.f('ix_logistics_incident_company_id'))
    op.drop_table('logistics_incident')
