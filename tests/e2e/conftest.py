"""The browser tests' fixtures: the portal on a real HTTP server and Debian's Chromium."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories
from tests.e2e.browser import CHROMIUM
from tests.e2e.server import serving


@pytest.fixture
def portal_app(make_app):
    """The app the ``portal`` serves, for a test that reads what the browser saved."""
    return make_app({"WTF_CSRF_ENABLED": True, "SERVER_NAME": None})


@pytest.fixture
def portal(portal_app) -> Iterator[tuple[str, dict[str, int]]]:
    """The portal served on 127.0.0.1 by a real HTTP server, with a company to work in."""
    app = portal_app
    with app.app_context():
        world = factories.build_world(app)
        ids = {"customer": world.customers[0].id, "product": world.products[0].id}
    with serving(app) as base:
        yield base, ids


def pytest_addoption(parser) -> None:
    parser.addoption("--e2e-output", default=None,
                     help="a folder for the browser tests' screenshots (else each test's tmp_path)")


@pytest.fixture
def screenshots(request, tmp_path) -> Path:
    """Where a browser test saves its screenshots: ``--e2e-output`` or the test's tmp_path."""
    folder = request.config.getoption("--e2e-output")
    if folder is None:
        return tmp_path
    path = Path(folder) / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()
