"""The kpi plugin's hooks that analytics and supervision add: their job, labels, permissions and menu."""
from __future__ import annotations

from datetime import timedelta

from core.jobs import collect_jobs
from core.labels import label
from plugins.kpi import hooks


def test_hook_ordo_jobs(app):
    job = collect_jobs(app.extensions["ordo.plugins"])["kpi.monthly_report"]
    assert job.every == timedelta(hours=6)


def test_hook_ordo_labels(app):
    labels = hooks.ordo_labels()
    assert set(labels["rfm_segment"]) == {"HHH", "HLH", "LHH", "LLH", "HHL", "HLL", "LHL", "LLL"}
    assert label("violation_reported", "audit.action") == "Violation reported"
    assert label("LLH", "rfm_segment") == "Important customers to win back"


def test_hook_ordo_permissions(app):
    granted = {permission.name: permission.default_roles for permission in hooks.ordo_permissions()}
    assert granted["kpi.violations.handle"] == ("supervisor",)
    assert granted["kpi.supervise"] == ("supervisor",)
    assert "customer" not in granted["kpi.violations.report"] and "sales" in granted["kpi.violations.report"]
    assert "production" in granted["kpi.analytics"] and "customer" not in granted["kpi.analytics"]


def test_hook_menu_items(app, world):
    def endpoints(role):
        return {item.endpoint for item in hooks.menu_items(world.users[role])}

    assert "kpi_supervision.reports" in endpoints("supervisor")
    # An administrator holds every permission, yet is not offered the reports they would be refused.
    assert "kpi_supervision.reports" not in endpoints("administrator")
    assert "kpi_supervision.report" in endpoints("administrator")
