"""API of the billing plugin."""
from core.api import ApiBlueprint

blp = ApiBlueprint("billing_api", __name__)
