"""order fingerprints for the duplicate check, computed for the orders already taken

Revision ID: intake_0005
Revises: intake_0004
Create Date: 2026-12-07 03:30:00.000000

"""
import hashlib
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'intake_0005'
down_revision = 'intake_0004'
branch_labels = None
depends_on = None

BATCH = 1000


def _fingerprint(lines):
    # As plugins.intake.fingerprints.of_lines computes it (a migration keeps its own copy of the rule).
    text = ";".join(sorted(f"{product_id}:{Decimal(quantity):.3f}" for product_id, quantity in lines))
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade():
    fingerprint = op.create_table('intake_fingerprint',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_intake_fingerprint_order_id_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_intake_fingerprint'))
    )
    with op.batch_alter_table('intake_fingerprint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_fingerprint_fingerprint'), ['fingerprint'], unique=False)

    # Every order taken so far gets the fingerprint of its lines, a batch of orders at a time.
    connection = op.get_bind()
    order = sa.table('order', sa.column('id'))
    line = sa.table('order_line', sa.column('order_id'), sa.column('product_id'), sa.column('quantity'))
    last = 0
    while True:
        ids = connection.execute(sa.select(order.c.id).where(order.c.id > last)
                                 .order_by(order.c.id).limit(BATCH)).scalars().all()
        if not ids:
            break
        lines = {order_id: [] for order_id in ids}
        for order_id, product_id, quantity in connection.execute(sa.select(
                line.c.order_id, line.c.product_id, line.c.quantity).where(line.c.order_id.in_(ids))):
            lines[order_id].append((product_id, quantity))
        connection.execute(fingerprint.insert(), [{"order_id": order_id, "fingerprint": _fingerprint(order_lines)}
                                                  for order_id, order_lines in lines.items()])
        last = ids[-1]


def downgrade():
    with op.batch_alter_table('intake_fingerprint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_fingerprint_fingerprint'))
    op.drop_table('intake_fingerprint')
