"""The plugin's manifest: what it is, as data; Ordo reads it without running the plugin's code."""
from core.plugins import Manifest

MANIFEST = Manifest(
    name="lead_time",
    version="0.1.0",
    hooks="ordo_lead_time_rule.hooks",
    stage=None,  # a rule, not a stage: it adds to review and owns nothing
    depends=("review",),
    default_enabled=False,  # each company's administrator switches it on
    description="Production rejects orders whose requested delivery date is fewer than 3 days away.",
)
