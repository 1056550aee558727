"""Billing: Invoices and payments by settlement mode; prepayment gates execution."""
from flask_babel import lazy_gettext as _l

from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="billing",
    version="0.1.0",
    stage=Stage.BILLING,
    hooks="plugins.billing.hooks",
    blueprints=("plugins.billing.invoices.views:bp", "plugins.billing.payments.views:bp",
                "plugins.billing.statements.views:bp", "plugins.billing.receivables.views:bp",
                "plugins.billing.collection.views:bp", "plugins.billing.cli:bp"),
    api_blueprints=("plugins.billing.invoices.api:blp", "plugins.billing.payments.api:blp",
                    "plugins.billing.statements.api:blp", "plugins.billing.receivables.api:blp",
                    "plugins.billing.collection.api:blp"),
    default_enabled=True,
    label=_l("Billing"),
    description=_l("Invoices and payments by settlement mode; prepayment gates execution."),
)
