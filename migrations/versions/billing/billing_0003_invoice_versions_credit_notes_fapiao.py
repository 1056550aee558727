"""invoice versions, credit notes, fapiao records, document numbers

An invoice is never edited after issue: a change credits it and issues a new
version (``version``, ``replaces_id``; one order has several invoices, one per
version), each with its own lines and the buyer as the order named them then
(an invoice issued before gets its order's lines as they stand).
Credit notes with their lines, the fapiao finance records against invoices and
credit notes, and the per-company, per-year document number sequences.

Revision ID: billing_0003
Revises: billing_0002
Create Date: 2026-12-07 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0003'
down_revision = 'billing_0002'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)


def _line_columns(nullable_item):
    return [
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('order_line_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.String(length=200), nullable=nullable_item),
        sa.Column('specification', sa.String(length=200), nullable=True),
        sa.Column('unit', sa.String(length=16), nullable=nullable_item),
        sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=nullable_item),
        sa.Column('unit_price', MONEY, nullable=nullable_item),
        sa.Column('tax_rate', sa.Numeric(precision=6, scale=4), nullable=nullable_item),
        sa.Column('net_amount', MONEY, nullable=False),
        sa.Column('tax_amount', MONEY, nullable=False),
        sa.Column('amount', MONEY, nullable=False),
    ]


def upgrade():
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('buyer', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.drop_constraint('uq_billing_invoice_order_id', type_='unique')
        batch_op.create_unique_constraint('uq_billing_invoice_order_id', ['order_id', 'version'])
        batch_op.create_foreign_key(batch_op.f('fk_billing_invoice_replaces_id_billing_invoice'),
                                    'billing_invoice', ['replaces_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_billing_invoice_order_id'), ['order_id'], unique=False)
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)
        batch_op.alter_column('buyer', server_default=None)

    op.create_table('billing_invoice_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    *_line_columns(False),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'],
                            name=op.f('fk_billing_invoice_line_invoice_id_billing_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_invoice_line'))
    )
    with op.batch_alter_table('billing_invoice_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_invoice_line_invoice_id'), ['invoice_id'], unique=False)

    # Invoices issued before invoices kept their lines bill their order's lines as they stand.
    op.execute(sa.text(
        "INSERT INTO billing_invoice_line (invoice_id, line_no, order_line_id, description, specification, unit, "
        "quantity, unit_price, tax_rate, net_amount, tax_amount, amount) "
        "SELECT billing_invoice.id, order_line.line_no, order_line.id, order_line.description, "
        "order_line.specification, order_line.unit, order_line.quantity, order_line.unit_price, order_line.tax_rate, "
        "order_line.net_amount, order_line.tax_amount, order_line.amount "
        "FROM billing_invoice JOIN order_line ON order_line.order_id = billing_invoice.order_id"))

    op.create_table('billing_credit_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Enum('order_changed', 'case_credit', name='creditreason', native_enum=False, length=24),
              nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_number', sa.String(length=40), nullable=True),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', MONEY, nullable=False),
    sa.Column('tax_total', MONEY, nullable=False),
    sa.Column('total', MONEY, nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_credit_note_company_id_company')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'],
                            name=op.f('fk_billing_credit_note_invoice_id_billing_invoice')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_billing_credit_note_issued_by_id_user')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_billing_credit_note_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_credit_note')),
    sa.UniqueConstraint('company_id', 'number', name=op.f('uq_billing_credit_note_company_id'))
    )
    with op.batch_alter_table('billing_credit_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_credit_note_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_credit_note_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_credit_note_order_id'), ['order_id'], unique=False)

    op.create_table('billing_credit_note_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_note_id', sa.Integer(), nullable=False),
    *_line_columns(True),
    sa.ForeignKeyConstraint(['credit_note_id'], ['billing_credit_note.id'],
                            name=op.f('fk_billing_credit_note_line_credit_note_id_billing_credit_note')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_credit_note_line'))
    )
    with op.batch_alter_table('billing_credit_note_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_credit_note_line_credit_note_id'), ['credit_note_id'],
                              unique=False)

    op.create_table('billing_fapiao',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('fapiao_type', sa.Enum('special', 'ordinary', 'electronic', name='fapiaotype', native_enum=False,
                                     length=24), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('amount', MONEY, nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_fapiao_company_id_company')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['billing_credit_note.id'],
                            name=op.f('fk_billing_fapiao_credit_note_id_billing_credit_note')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'],
                            name=op.f('fk_billing_fapiao_invoice_id_billing_invoice')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_billing_fapiao_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_fapiao')),
    sa.UniqueConstraint('company_id', 'code', 'number', name=op.f('uq_billing_fapiao_company_id'))
    )
    with op.batch_alter_table('billing_fapiao', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_fapiao_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fapiao_credit_note_id'), ['credit_note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fapiao_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('billing_sequence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_sequence_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_sequence')),
    sa.UniqueConstraint('company_id', 'kind', 'year', name=op.f('uq_billing_sequence_company_id'))
    )
    with op.batch_alter_table('billing_sequence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_sequence_company_id'), ['company_id'], unique=False)


def downgrade():
    op.drop_table('billing_sequence')
    op.drop_table('billing_fapiao')
    op.drop_table('billing_credit_note_line')
    op.drop_table('billing_credit_note')
    op.drop_table('billing_invoice_line')
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_invoice_order_id'))
        batch_op.drop_constraint(batch_op.f('fk_billing_invoice_replaces_id_billing_invoice'), type_='foreignkey')
        batch_op.drop_constraint('uq_billing_invoice_order_id', type_='unique')
        batch_op.create_unique_constraint('uq_billing_invoice_order_id', ['order_id'])
        batch_op.drop_column('buyer')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('version')
