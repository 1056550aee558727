"""Fixtures of the review tests: an app with intake and review only, and a desk that places orders."""
from __future__ import annotations

import pytest

from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.review.manifest import MANIFEST as REVIEW
from tests.plugins.review.desk import Desk


@pytest.fixture
def app(make_app):
    """Intake and review only, so half-built sibling plugins cannot get in the way."""
    app = make_app(plugins=[INTAKE, REVIEW])
    with app.app_context():
        yield app


@pytest.fixture
def desk(app, world) -> Desk:
    return Desk(app, world)

