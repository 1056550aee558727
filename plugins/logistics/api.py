"""API of the logistics plugin."""
from core.api import ApiBlueprint

blp = ApiBlueprint("logistics_api", __name__)
