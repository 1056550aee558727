"""outbox attachments of a plugin's own document (a customer's statement), not only an order's

An attachment without an order names a document a plugin owns: its kind and
``document_key``, the id of its row in the plugin's table; the plugin answers its
bytes when the message is sent (the ``outbox_document`` hook). ``order_id`` and
``revision`` become optional; the attachments queued so far are all an order's.

Revision ID: core_0019
Revises: core_0018
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0019'
down_revision = 'core_0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_key', sa.Integer(), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('revision', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute(sa.text("DELETE FROM outbox_attachment WHERE order_id IS NULL"))
    with op.batch_alter_table('outbox_attachment', schema=None) as batch_op:
        batch_op.alter_column('revision', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('document_key')
