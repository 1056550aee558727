"""shipment lines: shipments of some quantity of some order lines, each mode's fields, the pre-dispatch check,
the company's shipping settings, an order's own partial-delivery choice, products tracked by lot or serial

A shipment made before carried the whole order: it gets a line for every order line
with the line's quantity. ``logistics.settings`` goes to each company's administrator
role, as a new company's would get it.

Revision ID: logistics_0004
Revises: logistics_0003
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'logistics_0004'
down_revision = 'logistics_0003'
branch_labels = None
depends_on = None

QUANTITY = sa.Numeric(14, 3)  # core.figures.QUANTITY
SHIPMENT_COLUMNS = (
    ('vehicle', sa.String(length=32)), ('driver_name', sa.String(length=120)),
    ('driver_phone', sa.String(length=32)), ('waybill_number', sa.String(length=64)),
    ('pickup_code', sa.String(length=16)), ('collected_by', sa.String(length=120)),
)


def upgrade():
    with op.batch_alter_table('logistics_shipment') as batch:
        for name, type_ in SHIPMENT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('checked_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_logistics_shipment_checked_by_id_user', 'user', ['checked_by_id'], ['id'])
    op.create_table('logistics_shipment_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', QUANTITY, nullable=False),
    sa.Column('confirmed_quantity', QUANTITY, nullable=True),
    sa.Column('check_result', sa.String(length=24), nullable=True),
    sa.Column('check_reason', sa.String(length=500), nullable=True),
    sa.Column('lot_numbers', sa.JSON(), nullable=True),
    sa.CheckConstraint('quantity > 0', name='logistics_shipment_line_quantity'),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], ),
    sa.ForeignKeyConstraint(['shipment_id'], ['logistics_shipment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shipment_id', 'order_line_id')
    )
    op.create_index('ix_logistics_shipment_line_company_id', 'logistics_shipment_line', ['company_id'])
    op.create_index('ix_logistics_shipment_line_shipment_id', 'logistics_shipment_line', ['shipment_id'])
    op.create_index('ix_logistics_shipment_line_order_line_id', 'logistics_shipment_line', ['order_line_id'])
    op.create_table('logistics_setting',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('carriers', sa.JSON(), nullable=False),
    sa.Column('partial_delivery', sa.Boolean(), nullable=False),
    sa.Column('check_mode', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.PrimaryKeyConstraint('company_id')
    )
    op.create_table('logistics_order_shipping',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('partial_delivery', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id')
    )
    op.create_index('ix_logistics_order_shipping_company_id', 'logistics_order_shipping', ['company_id'])
    op.create_table('logistics_product_tracking',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('tracking', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id')
    )
    op.create_index('ix_logistics_product_tracking_company_id', 'logistics_product_tracking', ['company_id'])
    # A shipment made before carried its whole order: a line per order line, with the line's quantity.
    op.execute(
        "INSERT INTO logistics_shipment_line (company_id, shipment_id, order_line_id, quantity) "
        "SELECT s.company_id, s.id, l.id, l.quantity FROM logistics_shipment s "
        "JOIN order_line l ON l.order_id = s.order_id WHERE l.quantity > 0"
    )
    _grant('logistics.settings', 'administrator')


def _grant(permission, role_name):
    """Give ``permission`` to each company's role ``role_name`` unless some role of the company holds it."""
    op.execute(sa.text(
        "INSERT INTO role_permission (role_id, permission) "
        "SELECT role.id, :permission FROM role WHERE role.name = :role AND NOT EXISTS ("
        "  SELECT 1 FROM role_permission held JOIN role other ON other.id = held.role_id"
        "  WHERE other.company_id = role.company_id AND held.permission = :permission)"
    ).bindparams(permission=permission, role=role_name))


def downgrade():
    op.execute("DELETE FROM role_permission WHERE permission = 'logistics.settings'")
    op.drop_table('logistics_product_tracking')
    op.drop_table('logistics_order_shipping')
    op.drop_table('logistics_setting')
    op.drop_table('logistics_shipment_line')
    with op.batch_alter_table('logistics_shipment') as batch:
        batch.drop_constraint('fk_logistics_shipment_checked_by_id_user', type_='foreignkey')
        for column in ('checked_by_id', 'checked_at', 'collected_at', *(name for name, _t in SHIPMENT_COLUMNS)):
            batch.drop_column(column)
