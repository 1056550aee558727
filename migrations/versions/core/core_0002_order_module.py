"""the pinned modules of an order as rows (order_module), queryable in SQL

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-01 08:00:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_module',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_order_module_order_id_order'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'module', name=op.f('pk_order_module'))
    )
    op.create_index('ix_order_module_module', 'order_module', ['module', 'order_id'], unique=False)
    connection = op.get_bind()
    rows = connection.execute(sa.text('SELECT id, pinned_modules FROM "order" WHERE pinned_modules IS NOT NULL'))
    pinned = []
    for order_id, modules in rows:
        if isinstance(modules, str):
            modules = json.loads(modules)
        pinned += [{"order_id": order_id, "module": name} for name in sorted(set(modules or ()))]
    if pinned:
        connection.execute(sa.text('INSERT INTO order_module (order_id, module) VALUES (:order_id, :module)'),
                           pinned)
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('pinned_modules')
        batch_op.create_index('ix_order_company_status', ['company_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_company_status')
        batch_op.add_column(sa.Column('pinned_modules', sa.JSON(), nullable=True))
    connection = op.get_bind()
    modules: dict[int, list[str]] = {}
    for order_id, name in connection.execute(sa.text('SELECT order_id, module FROM order_module ORDER BY module')):
        modules.setdefault(order_id, []).append(name)
    for order_id, names in modules.items():
        connection.execute(sa.text('UPDATE "order" SET pinned_modules = :m WHERE id = :id'),
                           {"m": json.dumps(names), "id": order_id})
    op.drop_index('ix_order_module_module', table_name='order_module')
    op.drop_table('order_module')
