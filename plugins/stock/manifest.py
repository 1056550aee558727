"""Stock: what is on hand per warehouse, reserved at approval, issued at dispatch and taken back on return."""
from flask_babel import lazy_gettext as _l

from core.plugins import Manifest

# No stage: stock owns no step of the order. It listens to the core's events and answers extension hooks.
MANIFEST = Manifest(
    name="stock",
    version="0.1.0",
    hooks="plugins.stock.hooks",
    api_blueprints=("plugins.stock.api:blp",),
    blueprints=("plugins.stock.views:bp", "plugins.stock.cli:bp"),
    default_enabled=False,
    label=_l("Stock"),
    description=_l("Warehouses and a ledger of stock moves: availability at entry and in review, reservation "
                   "at approval, issue at dispatch, returns taken back."),
)
