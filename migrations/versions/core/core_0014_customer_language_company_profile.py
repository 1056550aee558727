"""customer language and company profile: documents and emails speak to the customer

A customer's language (zh_CN, en; none: the company's) in which every document
and email to them is rendered; the company's language (none: the installation's
default) and its profile printed on every customer document: legal name,
address, phone, 纳税人识别号, bank and account, and a logo (PNG or JPEG) with
its MIME type and digest. Existing rows have none: their documents read as before.

Revision ID: core_0014
Revises: core_0013
Create Date: 2026-12-07 02:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0014'
down_revision = 'core_0013'
branch_labels = None
depends_on = None


def _profile_columns():
    return [
        sa.Column('language', sa.String(length=10), nullable=True),
        sa.Column('legal_name', sa.String(length=200), nullable=True),
        sa.Column('address', sa.Text(), nullable=True),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('tax_id', sa.String(length=20), nullable=True),
        sa.Column('bank', sa.String(length=200), nullable=True),
        sa.Column('bank_account', sa.String(length=60), nullable=True),
        sa.Column('logo', sa.LargeBinary(), nullable=True),
        sa.Column('logo_type', sa.String(length=20), nullable=True),
        sa.Column('logo_hash', sa.String(length=64), nullable=True),
    ]


# Plain ALTER TABLE, not a batch: SQLite (3.35 and later) adds and drops a column without constraints in
# place, where a batch would copy and drop ``company``, which every business row references.


def upgrade():
    for column in _profile_columns():
        op.add_column('company', column)
    op.add_column('customer', sa.Column('language', sa.String(length=10), nullable=True))


def downgrade():
    op.drop_column('customer', 'language')
    for column in reversed(_profile_columns()):
        op.drop_column('company', column.name)
