"""A stand-in review stage for the kpi tests: it owns review but decides nothing by itself.

With it pinned on an order, the core's automatic approval stays out, the order
waits in ``submitted`` and the test decides it as a reviewer would.
"""
from core.contracts import Stage
from core.plugins import Manifest

MANIFEST = Manifest(
    name="manual_review",
    version="1.0",
    hooks="tests.plugins.kpi.manual_review",
    stage=Stage.REVIEW,
    default_enabled=True,
)
