"""Logistics: execution plans and their tasks, shipments, dispatch and the customer's sign-off."""
from flask_babel import lazy_gettext as _l

from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="logistics",
    version="0.1.0",
    stage=Stage.LOGISTICS,
    hooks="plugins.logistics.hooks",
    blueprints=("plugins.logistics.views:bp", "plugins.logistics.execution.views:bp"),
    api_blueprints=("plugins.logistics.api:blp", "plugins.logistics.execution.api:blp"),
    default_enabled=True,
    label=_l("Logistics"),
    description=_l("Execution plans with responsible people and due dates, shipments, dispatch and the "
                   "customer's sign-off."),
)
