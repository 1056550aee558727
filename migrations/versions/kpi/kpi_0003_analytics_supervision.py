"""kpi: the confidential violation channel (reports and their follow-ups), the monthly supervision reports

Analytics read the core's tables and add none. Written after kpi_0001; re-chained
after kpi_0002 (the facts' rebuild) when the two branches of work meet.

Revision ID: kpi_0003
Revises: kpi_0002
Create Date: 2026-12-07 17:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'kpi_0003'
down_revision = 'kpi_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kpi_violation_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'investigating', 'substantiated', 'unfounded', name='violationstatus', native_enum=False, length=24), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_kpi_violation_report_closed_by_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_kpi_violation_report_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_kpi_violation_report_order_id_order')),
    sa.ForeignKeyConstraint(['reporter_id'], ['user.id'], name=op.f('fk_kpi_violation_report_reporter_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_violation_report'))
    )
    with op.batch_alter_table('kpi_violation_report', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_violation_report_company_id_id', ['company_id', 'id'], unique=False)

    op.create_table('kpi_violation_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_kpi_violation_follow_up_author_id_user')),
    sa.ForeignKeyConstraint(['report_id'], ['kpi_violation_report.id'], name=op.f('fk_kpi_violation_follow_up_report_id_kpi_violation_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_violation_follow_up'))
    )
    with op.batch_alter_table('kpi_violation_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_violation_follow_up_report_id'), ['report_id'], unique=False)

    op.create_table('kpi_monthly_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_kpi_monthly_report_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_monthly_report')),
    sa.UniqueConstraint('company_id', 'month', 'locale', name=op.f('uq_kpi_monthly_report_company_id'))
    )


def downgrade():
    op.drop_table('kpi_monthly_report')
    with op.batch_alter_table('kpi_violation_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_violation_follow_up_report_id'))
    op.drop_table('kpi_violation_follow_up')
    with op.batch_alter_table('kpi_violation_report', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_violation_report_company_id_id')
    op.drop_table('kpi_violation_report')
