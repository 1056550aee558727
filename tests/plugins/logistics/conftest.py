"""Apps for the logistics tests: intake and logistics only, so the core approves on submission
(review absent) and completes an order when it is signed for (billing absent)."""
from __future__ import annotations

import pytest

from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.logistics.manifest import MANIFEST as LOGISTICS
from tests.plugins.logistics import gate_plugin, review_stand_in

PLUGINS = [INTAKE, LOGISTICS]
# The tests read the English source strings, whatever translations the project ships.
ENGLISH = {"BABEL_DEFAULT_LOCALE": "en"}


@pytest.fixture
def app(make_app):
    app = make_app(ENGLISH, plugins=PLUGINS)
    with app.app_context():
        yield app


@pytest.fixture
def gated_app(make_app):
    """Intake and logistics plus a plugin whose execution gate holds every order back."""
    app = make_app(ENGLISH, plugins=PLUGINS + [gate_plugin.MANIFEST])
    with app.app_context():
        yield app


@pytest.fixture
def reviewing_app(make_app):
    """Intake and logistics plus a review stand-in that never decides: orders stay in review."""
    app = make_app(ENGLISH, plugins=PLUGINS + [review_stand_in.MANIFEST])
    with app.app_context():
        yield app
