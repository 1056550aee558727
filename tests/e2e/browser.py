"""What the browser tests share besides fixtures: where Chromium is, signing in."""
from __future__ import annotations

import os
import re
from pathlib import Path

from tests import factories

CHROMIUM = Path("/usr/bin/chromium")


def signed_in(browser, base: str, username: str, *, password: str = factories.PASSWORD, **context):
    """A new page of a new browser context (``context``: viewport, locale...), signed in as ``username``
    (with the tests' password unless given: the demo's users have their own)."""
    page = browser.new_context(**{"locale": "en-US", **context}).new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/inbox$"))
    return page


class Console:
    """Every JavaScript error and console error (CSP violations and failed requests are logged as errors) of a page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda message: self.problems.append(f"console: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))


def pick(page, label: str, typed: str, option: str) -> None:
    """Type into the type-ahead named ``label`` and pick the match that reads ``option`` with the keyboard."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.fill(typed)
    listbox = page.locator(f"[id='{box.get_attribute('aria-controls')}']")
    listbox.get_by_role("option", name=option).wait_for()
    options = listbox.get_by_role("option").all_inner_texts()
    for _ in range(options.index(next(text for text in options if option in text)) + 1):
        box.press("ArrowDown")
    box.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"


def tour_shot(page, name: str, *, full_page: bool = True) -> None:
    """Save the README tour's screenshot when ORDO_SCREENSHOTS names the folder (docs/images); the whole page,
    or what the viewport shows."""
    folder = os.environ.get("ORDO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
