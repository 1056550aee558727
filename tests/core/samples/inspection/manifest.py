"""The inspection plugin's manifest: data only."""
from core.plugins import Manifest

MANIFEST = Manifest(
    name="inspection",
    version="1.0",
    hooks="tests.core.samples.inspection.hooks",
    blueprints=("tests.core.samples.inspection.views:bp",),
    default_enabled=True,
    description="Goods are inspected, and a certificate of conformity issued, before they ship.",
)
