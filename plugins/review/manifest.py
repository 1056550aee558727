"""Review: Departmental review (sales, finance, production) with time limits and rules."""
from flask_babel import lazy_gettext as _l

from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="review",
    version="0.1.0",
    stage=Stage.REVIEW,
    hooks="plugins.review.hooks",
    blueprints=("plugins.review.views:bp", "plugins.review.cli:bp"),
    api_blueprints=("plugins.review.api:blp",),
    default_enabled=True,
    label=_l("Review"),
    description=_l("Departmental review (sales, finance, production) with time limits and rules."),
)
