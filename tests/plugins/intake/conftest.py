"""Fixtures for intake: an app with intake alone, so every other stage falls back to the core."""
from __future__ import annotations

import pytest

from plugins.intake.manifest import MANIFEST


@pytest.fixture
def app(make_app):
    """Intake only: review is off, so the core approves an order when it is submitted."""
    app = make_app(plugins=[MANIFEST])
    with app.app_context():
        yield app
