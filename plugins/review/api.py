"""API of the review plugin."""
from core.api import ApiBlueprint

blp = ApiBlueprint("review_api", __name__)
