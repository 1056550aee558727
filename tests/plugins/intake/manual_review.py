"""A stand-in review stage for intake's tests: it owns the review stage and does nothing.

With it, a submitted order stays ``submitted`` (the core's approve-on-submit fallback
is out) until a test decides it, so intake is tested without the review plugin.
"""
from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="manual_review",
    version="0",
    hooks="tests.plugins.intake.manual_review",
    stage=Stage.REVIEW,
    default_enabled=True,
)
