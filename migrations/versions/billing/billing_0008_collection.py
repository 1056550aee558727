"""collection: dunning levels and notices, promises to pay, follow-ups, credit holds

A dunning notice is unique on (invoice, level): whatever runs at once or
again, an invoice is chased once per level. Chained after
billing_0007 (open items).

Revision ID: billing_0008
Revises: billing_0007
Create Date: 2026-12-07 14:43:08.695422

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0008'
down_revision = 'billing_0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_dunning_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'letter', 'call', name='dunningchannel', native_enum=False, length=24), nullable=False),
    sa.Column('tone', sa.Enum('reminder', 'formal', 'final', name='noticetone', native_enum=False, length=24), nullable=False),
    sa.Column('holds_credit', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_dunning_level_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_dunning_level')),
    sa.UniqueConstraint('company_id', 'level', name=op.f('uq_billing_dunning_level_company_id'))
    )
    with op.batch_alter_table('billing_dunning_level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_dunning_level_company_id'), ['company_id'], unique=False)

    op.create_table('billing_credit_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('dunning', 'decision', name='holdsource', native_enum=False, length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('release_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_credit_hold_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_billing_credit_hold_customer_id_customer')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['user.id'], name=op.f('fk_billing_credit_hold_placed_by_id_user')),
    sa.ForeignKeyConstraint(['released_by_id'], ['user.id'], name=op.f('fk_billing_credit_hold_released_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_credit_hold'))
    )
    with op.batch_alter_table('billing_credit_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_credit_hold_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_billing_credit_hold_customer_released_at', ['customer_id', 'released_at'], unique=False)

    op.create_table('billing_dunning_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'letter', 'call', name='dunningchannel', native_enum=False, length=24), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('owed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_dunning_notice_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_billing_dunning_notice_customer_id_customer')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'], name=op.f('fk_billing_dunning_notice_invoice_id_billing_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_dunning_notice')),
    sa.UniqueConstraint('invoice_id', 'level', name=op.f('uq_billing_dunning_notice_invoice_id'))
    )
    with op.batch_alter_table('billing_dunning_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_dunning_notice_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_billing_dunning_notice_customer_sent_at', ['customer_id', 'sent_at'], unique=False)

    op.create_table('billing_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('called', 'emailed', 'visited', name='followupkind', native_enum=False, length=24), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_billing_follow_up_by_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_follow_up_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_billing_follow_up_customer_id_customer')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'], name=op.f('fk_billing_follow_up_invoice_id_billing_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_follow_up'))
    )
    with op.batch_alter_table('billing_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_follow_up_customer_id'), ['customer_id'], unique=False)

    op.create_table('billing_payment_promise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('promised_for', sa.Date(), nullable=False),
    sa.Column('owed_at_promise', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('open', 'kept', 'broken', name='promisestatus', native_enum=False, length=24), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_payment_promise_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_billing_payment_promise_customer_id_customer')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'], name=op.f('fk_billing_payment_promise_invoice_id_billing_invoice')),
    sa.ForeignKeyConstraint(['made_by_id'], ['user.id'], name=op.f('fk_billing_payment_promise_made_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_payment_promise'))
    )
    with op.batch_alter_table('billing_payment_promise', schema=None) as batch_op:
        batch_op.create_index('ix_billing_payment_promise_company_status', ['company_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payment_promise_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payment_promise_invoice_id'), ['invoice_id'], unique=False)



def downgrade():
    with op.batch_alter_table('billing_payment_promise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_payment_promise_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_billing_payment_promise_customer_id'))
        batch_op.drop_index('ix_billing_payment_promise_company_status')

    op.drop_table('billing_payment_promise')
    with op.batch_alter_table('billing_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_follow_up_customer_id'))

    op.drop_table('billing_follow_up')
    with op.batch_alter_table('billing_dunning_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_dunning_notice_customer_sent_at')
        batch_op.drop_index(batch_op.f('ix_billing_dunning_notice_company_id'))

    op.drop_table('billing_dunning_notice')
    with op.batch_alter_table('billing_credit_hold', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_credit_hold_customer_released_at')
        batch_op.drop_index(batch_op.f('ix_billing_credit_hold_company_id'))

    op.drop_table('billing_credit_hold')
    with op.batch_alter_table('billing_dunning_level', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_dunning_level_company_id'))

    op.drop_table('billing_dunning_level')
