"""Intake: order entry, numbering, re-check and submission. Always on."""
from flask_babel import lazy_gettext as _l

from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="intake",
    version="0.1.0",
    stage=Stage.INTAKE,
    hooks="plugins.intake.hooks",
    blueprints=("plugins.intake.views:bp", "plugins.intake.import_views:bp", "plugins.intake.cli:bp",
                "plugins.intake.settings_views:bp"),
    api_blueprints=("plugins.intake.api:blp",),
    required=True,
    default_enabled=True,
    label=_l("Intake"),
    description=_l("Order entry from every channel, order numbers, re-check and submission."),
)
