"""kpi facts of the customer's collection: dunning notices sent, promises to pay taken, kept and broken

Notices and promises recorded before are read back by ``ordo kpi rebuild`` from billing's audit entries
that keep their payloads.

Revision ID: kpi_0006
Revises: kpi_0005
Create Date: 2026-12-08 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'kpi_0006'
down_revision = 'kpi_0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kpi_collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('salesperson_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('dunning', 'promised', 'kept', 'broken', name='collectionkind', native_enum=False,
                              length=24), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=True),
    sa.Column('promise_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_kpi_collection_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_kpi_collection_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_kpi_collection_order_id_order')),
    sa.ForeignKeyConstraint(['salesperson_id'], ['user.id'], name=op.f('fk_kpi_collection_salesperson_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_collection'))
    )
    with op.batch_alter_table('kpi_collection', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_collection_company_at', ['company_id', 'at', 'kind'], unique=False)
        batch_op.create_index('ix_kpi_collection_customer', ['company_id', 'customer_id', 'at', 'kind'],
                              unique=False)
        batch_op.create_index('ix_kpi_collection_salesperson', ['company_id', 'salesperson_id', 'at', 'kind'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('kpi_collection', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_collection_salesperson')
        batch_op.drop_index('ix_kpi_collection_customer')
        batch_op.drop_index('ix_kpi_collection_company_at')
    op.drop_table('kpi_collection')
