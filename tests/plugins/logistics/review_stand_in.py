"""A test plugin that owns the review stage and never decides, so submitted orders stay in review.

With a review plugin pinned, the core's fallback no longer approves on submission.
"""
from __future__ import annotations

from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="test_review",
    version="0.0.1",
    stage=Stage.REVIEW,
    hooks=__name__,
    default_enabled=True,
    description="Owns the review stage; its reviewers never decide.",
)
