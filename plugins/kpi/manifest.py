"""Kpi: Records every stage event and counts them per period."""
from flask_babel import lazy_gettext as _l

from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="kpi",
    version="0.1.0",
    stage=Stage.KPI,
    hooks="plugins.kpi.hooks",
    blueprints=("plugins.kpi.dashboard.views:bp", "plugins.kpi.indicators.views:bp",
                "plugins.kpi.cycletimes.views:bp", "plugins.kpi.scorecards.views:bp", "plugins.kpi.analytics.views:bp",
                "plugins.kpi.supervision.views:bp", "plugins.kpi.cli:bp"),
    api_blueprints=("plugins.kpi.dashboard.api:blp", "plugins.kpi.cycletimes.api:blp",
                    "plugins.kpi.scorecards.api:blp", "plugins.kpi.analytics.api:blp",
                    "plugins.kpi.supervision.api:blp"),
    default_enabled=True,
    label=_l("KPIs"),
    description=_l("Records every stage event and counts them per period."),
)
