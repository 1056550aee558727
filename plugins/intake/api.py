"""API of the intake plugin."""
from core.api import ApiBlueprint

blp = ApiBlueprint("intake_api", __name__)
