"""stock tables: warehouses, the ledger of moves, the balance per product and warehouse

Revision ID: stock_0001
Revises:
Create Date: 2026-12-07 17:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'stock_0001'
down_revision = None
branch_labels = ('stock',)
depends_on = 'core_0001'

QUANTITY = sa.Numeric(14, 3)  # core.figures.QUANTITY
MOVE_KIND = sa.Enum('receipt', 'adjustment', 'reservation', 'release', 'issue', 'return', name='movekind',
                    native_enum=False, length=24)


def upgrade():
    op.create_table('stock_warehouse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_stock_warehouse_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_warehouse')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_stock_warehouse_company_id'))
    )
    with op.batch_alter_table('stock_warehouse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_warehouse_company_id'), ['company_id'], unique=False)

    op.create_table('stock_balance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('on_hand', QUANTITY, nullable=False),
    sa.Column('reserved', QUANTITY, nullable=False),
    sa.Column('quarantine', QUANTITY, nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_balance_on_hand_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= on_hand', name=op.f('ck_stock_balance_reserved_within_on_hand')),
    sa.CheckConstraint('quarantine >= 0', name=op.f('ck_stock_balance_quarantine_not_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_stock_balance_company_id_company')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_balance_product_id_product')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['stock_warehouse.id'],
                            name=op.f('fk_stock_balance_warehouse_id_stock_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_balance')),
    sa.UniqueConstraint('warehouse_id', 'product_id', name=op.f('uq_stock_balance_warehouse_id'))
    )
    with op.batch_alter_table('stock_balance', schema=None) as batch_op:
        batch_op.create_index('ix_stock_balance_company_product', ['company_id', 'product_id'], unique=False)

    op.create_table('stock_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('kind', MOVE_KIND, nullable=False),
    sa.Column('on_hand', QUANTITY, nullable=False),
    sa.Column('reserved', QUANTITY, nullable=False),
    sa.Column('quarantine', QUANTITY, nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('order_line_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_stock_move_actor_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_stock_move_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_stock_move_order_id_order')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_move_product_id_product')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['stock_warehouse.id'],
                            name=op.f('fk_stock_move_warehouse_id_stock_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_move'))
    )
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.create_index('ix_stock_move_company_at', ['company_id', 'at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_move_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_move_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index('ix_stock_move_warehouse_product', ['warehouse_id', 'product_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_move_warehouse_product')
        batch_op.drop_index(batch_op.f('ix_stock_move_order_line_id'))
        batch_op.drop_index(batch_op.f('ix_stock_move_order_id'))
        batch_op.drop_index('ix_stock_move_company_at')
    op.drop_table('stock_move')
    with op.batch_alter_table('stock_balance', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_balance_company_product')
    op.drop_table('stock_balance')
    with op.batch_alter_table('stock_warehouse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_warehouse_company_id'))
    op.drop_table('stock_warehouse')
