"""stock lots: a product's tracking (none, lot, serial), its lots, the lot of a move, the balance per lot

And the permission to create and rename warehouses (``stock.warehouse``): a company
that switched stock on before it existed gets it on the roles that may move stock
(administrator, logistics), as switching stock on grants it now, unless some role
of the company holds it already.

Revision ID: stock_0002
Revises: stock_0001
Create Date: 2026-12-07 20:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'stock_0002'
down_revision = 'stock_0001'
branch_labels = None
depends_on = None

QUANTITY = sa.Numeric(14, 3)  # core.figures.QUANTITY
TRACKING = sa.Enum('none', 'lot', 'serial', name='tracking', native_enum=False, length=24)


def upgrade():
    op.create_table('stock_product_tracking',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('tracking', TRACKING, nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_stock_product_tracking_company_id_company')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], ondelete='CASCADE',
                            name=op.f('fk_stock_product_tracking_product_id_product')),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_stock_product_tracking'))
    )
    op.create_index(op.f('ix_stock_product_tracking_company_id'), 'stock_product_tracking', ['company_id'])

    op.create_table('stock_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_stock_lot_company_id_company')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_lot_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_lot')),
    sa.UniqueConstraint('company_id', 'product_id', 'name', name=op.f('uq_stock_lot_company_id'))
    )
    op.create_index(op.f('ix_stock_lot_product_id'), 'stock_lot', ['product_id'])

    op.create_table('stock_lot_balance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('on_hand', QUANTITY, nullable=False),
    sa.Column('quarantine', QUANTITY, nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_lot_balance_lot_on_hand_not_negative')),
    sa.CheckConstraint('quarantine >= 0', name=op.f('ck_stock_lot_balance_lot_quarantine_not_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_stock_lot_balance_company_id_company')),
    sa.ForeignKeyConstraint(['lot_id'], ['stock_lot.id'], name=op.f('fk_stock_lot_balance_lot_id_stock_lot')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_lot_balance_product_id_product')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['stock_warehouse.id'],
                            name=op.f('fk_stock_lot_balance_warehouse_id_stock_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_lot_balance')),
    sa.UniqueConstraint('warehouse_id', 'lot_id', name=op.f('uq_stock_lot_balance_warehouse_id'))
    )
    op.create_index(op.f('ix_stock_lot_balance_lot_id'), 'stock_lot_balance', ['lot_id'])

    op.execute(sa.text(
        "INSERT INTO role_permission (role_id, permission) "
        "SELECT role.id, 'stock.warehouse' FROM role WHERE role.name IN ('administrator', 'logistics') "
        "AND EXISTS (SELECT 1 FROM role_permission moving WHERE moving.role_id = role.id "
        "            AND moving.permission = 'stock.move') "
        "AND NOT EXISTS (SELECT 1 FROM role_permission held JOIN role other ON other.id = held.role_id "
        "                WHERE other.company_id = role.company_id AND held.permission = 'stock.warehouse')"))

    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lot_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_stock_move_lot_id_stock_lot'), 'stock_lot', ['lot_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_stock_move_lot_id'), ['lot_id'], unique=False)


def downgrade():
    op.execute(sa.text("DELETE FROM role_permission WHERE permission = 'stock.warehouse'"))
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_move_lot_id'))
        batch_op.drop_constraint(batch_op.f('fk_stock_move_lot_id_stock_lot'), type_='foreignkey')
        batch_op.drop_column('lot_id')
    op.drop_index(op.f('ix_stock_lot_balance_lot_id'), table_name='stock_lot_balance')
    op.drop_table('stock_lot_balance')
    op.drop_index(op.f('ix_stock_lot_product_id'), table_name='stock_lot')
    op.drop_table('stock_lot')
    op.drop_index(op.f('ix_stock_product_tracking_company_id'), table_name='stock_product_tracking')
    op.drop_table('stock_product_tracking')
