"""statements of account (对账单): the statement day, statements with their lines, disputes, stamped copies and PDFs

A statement's lines are unique on the ledger entry they list (kind, source),
so an entry is on one statement at most; a customer has one statement per
statement date. Chained after billing_0003 for now; re-chained at merge.

Revision ID: billing_0005
Revises: billing_0004
Create Date: 2026-12-07 12:40:48.680475

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0005'
down_revision = 'billing_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_statement_setting',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('statement_day', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'],
        name=op.f('fk_billing_statement_setting_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_billing_statement_setting'))
    )
    op.create_table('billing_customer_statement_day',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('statement_day', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'],
        name=op.f('fk_billing_customer_statement_day_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
        name=op.f('fk_billing_customer_statement_day_customer_id_customer')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_billing_customer_statement_day'))
    )
    with op.batch_alter_table('billing_customer_statement_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_customer_statement_day_company_id'), ['company_id'], unique=False)

    op.create_table('billing_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('statement_date', sa.Date(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('opening_balance', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('debits', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('credits', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('closing_balance', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.Enum('sent', 'confirmed', 'disputed', 'answered', name='statementstatus',
        native_enum=False, length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_billing_statement_answered_by_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_statement_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_billing_statement_customer_id_customer')),
    sa.ForeignKeyConstraint(['previous_id'], ['billing_statement.id'],
        name=op.f('fk_billing_statement_previous_id_billing_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_statement')),
    sa.UniqueConstraint('company_id', 'customer_id', 'statement_date', name=op.f('uq_billing_statement_customer_date')),
    sa.UniqueConstraint('company_id', 'number', name=op.f('uq_billing_statement_number')),
    sa.UniqueConstraint('previous_id', name=op.f('uq_billing_statement_previous_id'))
    )
    with op.batch_alter_table('billing_statement', schema=None) as batch_op:
        batch_op.create_index('ix_billing_statement_company_date_id',
            ['company_id', 'statement_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_statement_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_statement_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_statement_status'), ['status'], unique=False)

    op.create_table('billing_statement_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'],
        name=op.f('fk_billing_statement_attachment_company_id_company')),
    sa.ForeignKeyConstraint(['statement_id'], ['billing_statement.id'],
        name=op.f('fk_billing_statement_attachment_statement_id_billing_statement')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'],
        name=op.f('fk_billing_statement_attachment_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_statement_attachment'))
    )
    with op.batch_alter_table('billing_statement_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_statement_attachment_statement_id'),
            ['statement_id'], unique=False)

    op.create_table('billing_statement_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('variant', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'],
        name=op.f('fk_billing_statement_document_company_id_company')),
    sa.ForeignKeyConstraint(['statement_id'], ['billing_statement.id'],
        name=op.f('fk_billing_statement_document_statement_id_billing_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_statement_document')),
    sa.UniqueConstraint('statement_id', 'version', 'variant', name=op.f('uq_billing_statement_document_statement_id'))
    )
    op.create_table('billing_statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('delivery', 'invoice', 'credit_note', 'payment', 'invoice_cancelled', name='linekind',
        native_enum=False, length=24), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('order_number', sa.String(length=40), nullable=True),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('entry_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('effect', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_statement_line_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_billing_statement_line_order_id_order')),
    sa.ForeignKeyConstraint(['statement_id'], ['billing_statement.id'],
        name=op.f('fk_billing_statement_line_statement_id_billing_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_statement_line')),
    sa.UniqueConstraint('company_id', 'kind', 'source_id', name=op.f('uq_billing_statement_line_company_id'))
    )
    with op.batch_alter_table('billing_statement_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_statement_line_statement_id'), ['statement_id'], unique=False)

    op.create_table('billing_statement_dispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='disputestatus',
        native_enum=False, length=24), nullable=False),
    sa.Column('disputed_by_id', sa.Integer(), nullable=True),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.Enum('correction', 'explanation', name='resolution',
        native_enum=False, length=24), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'],
        name=op.f('fk_billing_statement_dispute_company_id_company')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['billing_credit_note.id'],
        name=op.f('fk_billing_statement_dispute_credit_note_id_billing_credit_note')),
    sa.ForeignKeyConstraint(['disputed_by_id'], ['user.id'],
        name=op.f('fk_billing_statement_dispute_disputed_by_id_user')),
    sa.ForeignKeyConstraint(['line_id'], ['billing_statement_line.id'],
        name=op.f('fk_billing_statement_dispute_line_id_billing_statement_line')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'],
        name=op.f('fk_billing_statement_dispute_resolved_by_id_user')),
    sa.ForeignKeyConstraint(['statement_id'], ['billing_statement.id'],
        name=op.f('fk_billing_statement_dispute_statement_id_billing_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_statement_dispute')),
    sa.UniqueConstraint('line_id', name=op.f('uq_billing_statement_dispute_line_id'))
    )
    with op.batch_alter_table('billing_statement_dispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_statement_dispute_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_statement_dispute_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_statement_dispute_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('billing_statement_dispute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_statement_dispute_status'))
        batch_op.drop_index(batch_op.f('ix_billing_statement_dispute_statement_id'))
        batch_op.drop_index(batch_op.f('ix_billing_statement_dispute_company_id'))

    op.drop_table('billing_statement_dispute')
    with op.batch_alter_table('billing_statement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_statement_line_statement_id'))

    op.drop_table('billing_statement_line')
    op.drop_table('billing_statement_document')
    with op.batch_alter_table('billing_statement_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_statement_attachment_statement_id'))

    op.drop_table('billing_statement_attachment')
    with op.batch_alter_table('billing_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_statement_status'))
        batch_op.drop_index(batch_op.f('ix_billing_statement_customer_id'))
        batch_op.drop_index(batch_op.f('ix_billing_statement_company_id'))
        batch_op.drop_index('ix_billing_statement_company_date_id')

    op.drop_table('billing_statement')
    with op.batch_alter_table('billing_customer_statement_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_customer_statement_day_company_id'))

    op.drop_table('billing_customer_statement_day')
    op.drop_table('billing_statement_setting')
