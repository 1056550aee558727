"""Labels: every stored code reads in the user's language, from the core's table and the plugins' hook."""
from __future__ import annotations

from dataclasses import replace

import pytest
from flask import render_template_string
from flask_babel import force_locale

from core.db import commit
from core.errors import PluginError
from core.labels import choices, label, system_note
from core.models import OrderStatus
from core.modules import active_modules
from core.plugins import Manifest, discover
from plugins.intake import services
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.logistics.shipments.models import ShipmentStatus
from tests import factories
from tests.core.samples.inspection import services as inspection
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION
from tests.plugins.intake.helpers import draft

RELABEL = Manifest(name="relabel", version="1.0", hooks="tests.core.samples.relabel")


def test_hook_ordo_labels(make_app):
    """A plugin's labels name its codes on every page, even while the company has it switched off."""
    app = make_app(plugins=[INTAKE, replace(INSPECTION, default_enabled=False)])
    with app.app_context():
        world = factories.build_world(app)
        order = services.submit(draft(world), world.users["sales"])
        inspection.inspect(order, world.users["production"], "pressure test passed")
        commit()
        assert "inspection" not in active_modules(world.company.id)

        assert label(inspection.ACTION, "audit.action") == "Goods inspected"
        page = factories.portal_login(app, world.users["administrator"]).get(f"/orders/{order.id}")

    timeline = page.get_data(as_text=True).split("Timeline", 1)[1]
    assert "<td>Goods inspected</td>" in timeline and inspection.ACTION not in timeline


def test_a_plugin_labelling_a_code_another_labels_stops_the_app_at_start_up(make_app):
    with pytest.raises(PluginError, match="plugins 'core' and 'relabel' both label 'ship' in 'audit.action'"):
        make_app(plugins=[INTAKE, RELABEL])


def test_an_enum_member_finds_its_namespace_and_reads_in_the_users_language(make_app):
    app = make_app(plugins=discover())
    with app.test_request_context():
        assert label(OrderStatus.SUBMITTED) == "In review"
        assert label(ShipmentStatus.DISPATCHED) == "Dispatched"  # labelled by logistics through the hook
        assert label("dispatched", "status.shipment") == "Dispatched"
        with force_locale("zh_CN"):
            assert label(OrderStatus.SUBMITTED) == "审核中"
            assert label("approved", "status.review_step") == "已通过"
            assert label("floor_price", "rule") == "底价规则"
            assert label("order.view_prices", "permission") == "查看价格和金额"
            assert label("customer_service", "role") == "客服"
            assert label("billing", "module") == "结算"
            assert [choice.label for choice in choices(ShipmentStatus)] == ["已备货", "已发运", "已签收"]


def test_a_code_nobody_labels_shows_as_it_was_stored(make_app):
    app = make_app(plugins=[INTAKE])
    with app.test_request_context():
        assert label("客户要求改期", "reason") == "客户要求改期"  # a reviewer's words
        assert label("dispatched", "status.shipment") == "dispatched"  # logistics is not installed
        assert label("dispatched") == "dispatched"  # a plain string names no namespace
        assert label("x", "rule", default="") == "" and label(None) == ""
        assert system_note("客户撤单") == "客户撤单"
        assert system_note("paid_in_full") == "delivered and paid in full"


def test_a_note_names_the_data_its_entry_carries(make_app):
    app = make_app(plugins=discover())
    with app.test_request_context():
        assert system_note("shipment_dispatched", {"shipment": "SO1-S1", "status": "shipped"}) == (
            "shipment SO1-S1 dispatched")
        # An entry without the data shows the label as it is rather than failing the page.
        assert system_note("shipment_dispatched", {"status": "shipped"}) == "shipment %(shipment)s dispatched"
        with force_locale("zh_CN"):
            assert system_note("shipment_dispatched", {"shipment": "SO1-S1"}) == "发货单 SO1-S1 已发货"


def test_templates_label_with_the_global_and_the_filter(make_app):
    app = make_app(plugins=discover())
    with app.test_request_context():
        with force_locale("zh_CN"):
            shown = render_template_string(
                "{{ label(status) }}|{{ label('prepared', 'status.shipment') }}|"
                "{{ roles | map('label', 'role') | join('、') }}", status=OrderStatus.DRAFT, roles=["sales", "finance"])
    assert shown == "草稿|已备货|销售、财务"
