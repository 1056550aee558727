"""calendar permission: administrators of existing companies may set the working calendar

The working calendar got an API of its own (``/api/v1/company/calendar``) under a
new core permission, ``company.calendar``. A new company's administrator role
holds it from the start; here each existing company's administrator role gets it,
as a new company's would, unless some role of the company holds it already.

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-12-07 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0016'
down_revision = 'core_0015'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text(
        "INSERT INTO role_permission (role_id, permission) "
        "SELECT role.id, 'company.calendar' FROM role WHERE role.name = 'administrator' AND NOT EXISTS ("
        "  SELECT 1 FROM role_permission held JOIN role other ON other.id = held.role_id"
        "  WHERE other.company_id = role.company_id AND held.permission = 'company.calendar')"))


def downgrade():
    op.execute(sa.text("DELETE FROM role_permission WHERE permission = 'company.calendar'"))
