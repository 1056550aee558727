"""What the browser tests share besides fixtures: where Chromium is, signing in, choosing a language, and
Playwright's ``expect``.

A page read right after a click or a key reads the page as it is then: the click's request may still be on
its way, a script may not have run, an image may not have loaded. Every read of something an action changes
goes through ``expect(...)``, which retries until the page shows it (or times out saying what it saw);
a form sent to the address the page already has is waited for with ``page.expect_navigation()``, since
``wait_for_url`` returns at once when the address already matches."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import factories

expect = pytest.importorskip("playwright.sync_api").expect

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


def use_language(page, base: str, language: str) -> None:
    """Choose the page's language on the account page, as a user does; back once the choice is saved."""
    page.goto(f"{base}/account")
    page.locator("#lang-locale").select_option(language)
    with page.expect_navigation():  # the choice is saved before the next page is asked for
        page.locator("#lang-locale").evaluate("field => field.form.requestSubmit()")


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
    expect(box).to_have_attribute("aria-expanded", "false")


def tour_shot(page, name: str, *, full_page: bool = True) -> None:
    """Save the README tour's screenshot when ORDO_SCREENSHOTS names the folder (docs/images); the whole page,
    or what the viewport shows."""
    folder = os.environ.get("ORDO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
