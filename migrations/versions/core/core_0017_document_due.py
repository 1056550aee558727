"""documents due: what the worker renders and stores right after the commit that made it due

One row per order and document kind (an issued invoice, a dispatched shipment's
delivery note), deleted by the ``documents.render`` job once the rendering is
stored. Existing orders have none: their documents render on first request, as before.

Revision ID: core_0017
Revises: core_0016
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0017'
down_revision = 'core_0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_due',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_document_due_company_id_company')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_document_due_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_due')),
    sa.UniqueConstraint('order_id', 'kind', name=op.f('uq_document_due_order_id'))
    )
    op.create_index('ix_document_due_due_at', 'document_due', ['due_at'], unique=False)


def downgrade():
    op.drop_index('ix_document_due_due_at', table_name='document_due')
    op.drop_table('document_due')
