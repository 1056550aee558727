"""Companies: every installed plugin's roles and permissions reach a new company, granted by default."""
from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import select

from core.companies import all_permissions
from core.extensions import db
from core.models import Role
from core.modules import active_modules
from tests import factories
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION

# Installed but switched on for no company: its roles and grants arrive all the same.
INSPECTION_OFF = replace(INSPECTION, default_enabled=False)


def role(company_id: int, name: str) -> Role:
    return db.session.execute(select(Role).where(Role.company_id == company_id, Role.name == name)).scalar_one()


def test_hook_ordo_permissions(make_app):
    """A plugin's permission goes to the roles it names and to the administrator, even while it is off."""
    app = make_app(plugins=[INSPECTION_OFF])
    with app.app_context():
        world = factories.build_world(app)
        assert "inspection" not in active_modules(world.company.id)

        assert [p.label for p in all_permissions() if p.name == "inspection.record"] == ["Record goods inspections"]
        assert "inspection.record" in role(world.company.id, "production").permissions
        assert world.users["production"].can("inspection.record")
        assert world.users["administrator"].can("inspection.record")
        assert not world.users["sales"].can("inspection.record")
        page = factories.portal_login(app, world.users["administrator"]).get("/admin/roles").get_data(as_text=True)

    assert '<th scope="row" title="inspection.record">Record goods inspections</th>' in page


def test_hook_ordo_roles(make_app):
    """A plugin's role is added to every new company, with the plugin's grants for it."""
    app = make_app(plugins=[INSPECTION_OFF])
    with app.app_context():
        acme = factories.build_world(app)
        other = factories.company("XYZ", "另一家公司")
        inspector = factories.user(acme.company, "inspector")

        assert role(acme.company.id, "inspector").label == "Quality inspector"
        assert role(other.id, "inspector").label == "Quality inspector"
        assert role(acme.company.id, "inspector").permissions == {"inspection.record"}
        assert inspector.role_names == ["inspector"] and inspector.can("inspection.record")
        page = factories.portal_login(app, acme.users["administrator"]).get("/admin/roles").get_data(as_text=True)

    assert "<th>Quality inspector</th>" in page
    assert re.search(r'value="inspection.record"\s+aria-label="Quality inspector: Record goods inspections"\s+checked>',
                     page)
