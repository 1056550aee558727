"""acceptance line by line: each shipped line's verdict (accepted, with reservations, refused), the
company's refusal reasons, the rating and comment of a delivery; problem cases and their permissions

A shipment signed for before gets an "accepted" verdict for each of its lines, recorded as the
customer's: the old sign-off accepted everything.

Revision ID: logistics_0005
Revises: logistics_0004
Create Date: 2026-12-07 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'logistics_0005'
down_revision = 'logistics_0004'
branch_labels = None
depends_on = None

QUANTITY = sa.Numeric(14, 3)  # core.figures.QUANTITY
MONEY = sa.Numeric(14, 2)  # core.figures.MONEY
# The new permissions, given to each company's roles as a new company's would get them.
GRANTS = (
    ('logistics.cases', ('administrator', 'logistics', 'customer_service', 'sales', 'manager', 'production',
                         'customer')),
    ('logistics.cases.resolve', ('administrator', 'logistics', 'customer_service', 'production', 'manager')),
    ('logistics.credit', ('administrator', 'manager', 'finance')),
)


def upgrade():
    op.create_table('logistics_line_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('shipment_line_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=False),
    sa.Column('accepted_quantity', QUANTITY, nullable=False),
    sa.Column('refused_quantity', QUANTITY, nullable=False),
    sa.Column('refusal_reason', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_as', sa.String(length=24), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('refused_quantity >= 0', name='logistics_line_acceptance_refused'),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['shipment_id'], ['logistics_shipment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipment_line_id'], ['logistics_shipment_line.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shipment_line_id')
    )
    for column in ('company_id', 'shipment_id', 'order_id', 'order_line_id'):
        op.create_index(f'ix_logistics_line_acceptance_{column}', 'logistics_line_acceptance', [column])
    op.create_table('logistics_acceptance_setting',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('refusal_reasons', sa.JSON(), nullable=False),
    sa.Column('reopen_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.PrimaryKeyConstraint('company_id')
    )
    op.create_table('logistics_delivery_feedback',
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name='logistics_delivery_feedback_rating'),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['shipment_id'], ['logistics_shipment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shipment_id')
    )
    op.create_index('ix_logistics_delivery_feedback_company_id', 'logistics_delivery_feedback', ['company_id'])
    op.create_table('logistics_acceptance_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['shipment_id'], ['logistics_shipment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_logistics_acceptance_attachment_company_id', 'logistics_acceptance_attachment', ['company_id'])
    op.create_index('ix_logistics_acceptance_attachment_shipment_id', 'logistics_acceptance_attachment',
                    ['shipment_id'])
    op.create_table('logistics_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=48), nullable=False),
    sa.Column('case_type', sa.String(length=24), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=True),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('shipment_line_id', sa.Integer(), nullable=True),
    sa.Column('quantity', QUANTITY, nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.String(length=24), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('credit_amount', MONEY, nullable=True),
    sa.Column('replacement_shipment_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('credit_amount IS NULL OR credit_amount > 0', name='logistics_case_credit'),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], ),
    sa.ForeignKeyConstraint(['shipment_id'], ['logistics_shipment.id'], ),
    sa.ForeignKeyConstraint(['shipment_line_id'], ['logistics_shipment_line.id'], ),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['replacement_shipment_id'], ['logistics_shipment.id'], ),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'number')
    )
    for column in ('company_id', 'order_id', 'department', 'status'):
        op.create_index(f'ix_logistics_case_{column}', 'logistics_case', [column])
    op.create_table('logistics_case_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['logistics_case.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'level')
    )
    for column in ('company_id', 'order_id', 'case_id'):
        op.create_index(f'ix_logistics_case_notice_{column}', 'logistics_case_notice', [column])
    for permission, roles in GRANTS:
        for role in roles:
            _grant(permission, role)
    # The old sign-off accepted the whole shipment: each line of a signed shipment is accepted.
    op.execute(
        "INSERT INTO logistics_line_acceptance (company_id, shipment_id, shipment_line_id, order_id, order_line_id, "
        "verdict, accepted_quantity, refused_quantity, recorded_as, recorded_at) "
        "SELECT l.company_id, s.id, l.id, s.order_id, l.order_line_id, 'accepted', l.quantity, 0, 'customer', "
        "s.accepted_at FROM logistics_shipment_line l JOIN logistics_shipment s ON s.id = l.shipment_id "
        "WHERE s.status = 'accepted' AND s.accepted_at IS NOT NULL"
    )


def _grant(permission, role_name):
    """Give ``permission`` to each company's role ``role_name`` unless it holds it already."""
    op.execute(sa.text(
        "INSERT INTO role_permission (role_id, permission) "
        "SELECT role.id, :permission FROM role WHERE role.name = :role AND NOT EXISTS ("
        "  SELECT 1 FROM role_permission held WHERE held.role_id = role.id AND held.permission = :permission)"
    ).bindparams(permission=permission, role=role_name))


def downgrade():
    op.execute("DELETE FROM role_permission WHERE permission IN "
               "('logistics.cases', 'logistics.cases.resolve', 'logistics.credit')")
    op.drop_table('logistics_acceptance_attachment')
    op.drop_table('logistics_case_notice')
    op.drop_table('logistics_case')
    op.drop_table('logistics_delivery_feedback')
    op.drop_table('logistics_acceptance_setting')
    op.drop_table('logistics_line_acceptance')
