"""company permissions: administrators of existing companies may set the calendar and the profile

Two new core permissions: ``company.calendar`` (the working calendar's API,
``/api/v1/company/calendar``) and ``admin.company`` (the company's profile printed
on customer documents). A new company's administrator role holds them from the
start; here each existing company's administrator role gets each, as a new
company's would, unless some role of the company holds it already.

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


PERMISSIONS = ("company.calendar", "admin.company")


def upgrade():
    for permission in PERMISSIONS:
        op.execute(sa.text(
            "INSERT INTO role_permission (role_id, permission) "
            "SELECT role.id, :permission FROM role WHERE role.name = 'administrator' AND NOT EXISTS ("
            "  SELECT 1 FROM role_permission held JOIN role other ON other.id = held.role_id"
            "  WHERE other.company_id = role.company_id AND held.permission = :permission)"
        ).bindparams(permission=permission))


def downgrade():
    for permission in PERMISSIONS:
        op.execute(sa.text("DELETE FROM role_permission WHERE permission = :permission").bindparams(
            permission=permission))
