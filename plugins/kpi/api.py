"""API of the kpi plugin."""
from core.api import ApiBlueprint

blp = ApiBlueprint("kpi_api", __name__)
