"""Logistics: execution plans and their tasks, shipments, dispatch and the customer's sign-off."""
from flask_babel import lazy_gettext as _l

from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="logistics",
    version="0.1.0",
    stage=Stage.LOGISTICS,
    hooks="plugins.logistics.hooks",
    blueprints=("plugins.logistics.shipments.views:bp", "plugins.logistics.execution.views:bp",
                "plugins.logistics.incidents.views:bp", "plugins.logistics.incidents.cli:bp",
                "plugins.logistics.acceptance.views:bp", "plugins.logistics.cases.views:bp",
                "plugins.logistics.settings.views:bp"),
    api_blueprints=("plugins.logistics.shipments.api:blp", "plugins.logistics.execution.api:blp",
                    "plugins.logistics.incidents.api:blp", "plugins.logistics.acceptance.api:blp",
                    "plugins.logistics.cases.api:blp"),
    default_enabled=True,
    label=_l("Logistics"),
    description=_l("Execution plans with responsible people and due dates, shipments, dispatch and the "
                   "customer's sign-off."),
)
