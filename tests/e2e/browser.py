"""What the browser tests share besides fixtures: where Chromium is, signing in."""
from __future__ import annotations

import re
from pathlib import Path

from tests import factories

CHROMIUM = Path("/usr/bin/chromium")


def signed_in(browser, base: str, username: str, **context):
    """A new page of a new browser context (``context``: viewport, locale...), signed in as ``username``."""
    page = browser.new_context(**{"locale": "en-US", **context}).new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/inbox$"))
    return page
