"""order: when it took its current status, and an index of each status's orders by it

Supervision's stuck orders worked out every open order's latest status change from the audit log on each
request (3.3 s at 100,000 orders). The order now keeps it (``status_changed_at``, set by the event that
changes the status). Existing orders take the moment of their latest status-changing audit entry, else their
submission, else their creation.

Revision ID: core_0021
Revises: core_0020
Create Date: 2026-12-08 01:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0021'
down_revision = 'core_0020'
branch_labels = None
depends_on = None

# The audit actions of the order events that change its status (core.orders.events.OrderEvent, as of this
# revision): a payment, a settlement, a change or an overdue review leaves the status as it is.
STATUS_CHANGES = ('submit', 'review_decided', 'production_started', 'ship', 'deliver', 'complete', 'cancel')


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    # SQLite makes a column NOT NULL only by copying the table, and the order table cannot be dropped under its
    # children's foreign keys: there the column comes NOT NULL with a default that the back-fill below replaces
    # on every row (new orders take theirs from the model).
    op.add_column('order', sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=not sqlite,
                                     server_default=sa.text("'1970-01-01 00:00:00.000000'") if sqlite else None))
    actions = ", ".join(f"'{action}'" for action in STATUS_CHANGES)
    op.execute(
        'UPDATE "order" SET status_changed_at = COALESCE('
        '(SELECT max(audit_entry.at) FROM audit_entry WHERE audit_entry.order_id = "order".id'
        f" AND audit_entry.entity = 'order' AND audit_entry.action IN ({actions})), "
        'submitted_at, created_at)')
    if not sqlite:
        op.alter_column('order', 'status_changed_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index('ix_order_company_status_status_changed_at', 'order',
                    ['company_id', 'status', 'status_changed_at', 'id'], unique=False)


def downgrade():
    # Not in batch mode: SQLite drops the column in place (the table cannot be copied, as above).
    op.drop_index('ix_order_company_status_status_changed_at', table_name='order')
    op.drop_column('order', 'status_changed_at')
