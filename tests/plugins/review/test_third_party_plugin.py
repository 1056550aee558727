"""A third-party review rule, installed with pip from examples/, loads like a bundled plugin.

The app here is built by entry-point discovery, as in production: no plugin
list is passed, so the example is found only because pip installed its
distribution with an ``ordo.plugins`` entry point.
"""
from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.db import commit
from core.models import OrderStatus, utcnow
from core.modules import set_enabled
from core.plugins import registry
from tests import factories
from tests.plugins.review.desk import Desk

ROOT = Path(__file__).resolve().parents[3]
# Other stages stay off: this test is about review and the rule, not what happens after.
ONLY_REVIEW = {"logistics": False, "billing": False, "kpi": False}


def install_example(tmp_path: Path) -> Path:
    # Built from a copy so that pip's build artefacts never land in the work tree.
    source = shutil.copytree(ROOT / "examples" / "ordo-lead-time-rule", tmp_path / "src",
                             ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet",
         "--target", str(site), str(source)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def test_the_lead_time_rule_installed_with_pip_rejects_orders_due_tomorrow(make_app, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(install_example(tmp_path)))
    importlib.invalidate_caches()

    app = make_app()  # entry-point discovery
    with app.app_context():
        manifest = registry().manifests["lead_time"]
        assert (manifest.version, manifest.depends, manifest.stage, manifest.default_enabled) == (
            "0.1.0", ("review",), None, False)
        assert registry().hooks_implemented("lead_time") == ["review_rules"]

        acme = Desk(app, factories.build_world(app, "ACME", modules=ONLY_REVIEW))
        other = Desk(app, factories.build_world(app, "XYZ", modules=ONLY_REVIEW))
        set_enabled(acme.world.company, "lead_time", True, actor=acme.world.users["administrator"])
        commit()
        today = utcnow().astimezone(ZoneInfo(acme.world.company.timezone)).date()

        rushed = acme.place(requested_date=today + timedelta(days=1))
        planned = acme.place(requested_date=today + timedelta(days=3))
        elsewhere = other.place(requested_date=today + timedelta(days=1))

        assert acme.order(rushed).status == OrderStatus.REJECTED
        production = acme.step(rushed, "production")
        assert production["status"] == "rejected"
        assert production["findings"][0]["rule"] == "lead_time"
        assert production["findings"][0]["reason_codes"] == ["lead_time_too_short"]
        timeline = acme.api("supervisor").get(f"/api/v1/orders/{rushed}/timeline").get_json()
        decided = [entry for entry in timeline if entry["action"] == "review_decided"]
        assert decided[0]["after"]["reasons"] == ["lead_time_too_short"]

        assert acme.order(planned).status == OrderStatus.SUBMITTED
        assert [[f for f in s["findings"] if f["rule"] == "lead_time"] for s in acme.reviews(planned)] == [[], [], []]

        # The company that did not switch the rule on is not affected by it.
        assert other.order(elsewhere).status == OrderStatus.SUBMITTED
        assert [[f for f in s["findings"] if f["rule"] == "lead_time"]
                for s in other.reviews(elsewhere)] == [[], [], []]
        assert "lead_time" not in (other.order(elsewhere).pinned_modules or [])


def test_the_example_plugin_imports_only_from_the_core():
    package = ROOT / "examples" / "ordo-lead-time-rule" / "ordo_lead_time_rule"
    for module in package.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert "from plugins" not in source and "import plugins" not in source, module.name
