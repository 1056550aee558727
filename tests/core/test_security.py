"""Security headers on every response, Secure cookies over HTTPS, HSTS when configured, no inline code."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from core.db import commit
from core.security import CONTENT_SECURITY_POLICY, secure_cookie
from tests import factories, orders
from tests.factories import PASSWORD

EXPECTED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    assert {name: response.headers.get(name) for name in EXPECTED_HEADERS} == EXPECTED_HEADERS


def test_the_policy_allows_only_the_apps_own_scripts_and_styles():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_a_portal_page_carries_the_security_headers(app, world):
    response = factories.portal_login(app, world.users["sales"]).get("/inbox")
    assert response.status_code == 200
    assert_security_headers(response)


def test_the_login_page_and_a_static_file_carry_them(client):
    assert_security_headers(client.get("/login"))
    with client.get("/static/ordo.js") as script:
        assert script.status_code == 200
        assert_security_headers(script)


def test_an_api_response_carries_the_security_headers(app, world):
    response = factories.ApiClient(app, world.users["sales"]).get("/api/v1/me")
    assert response.status_code == 200
    assert_security_headers(response)


def test_a_pdf_carries_the_security_headers(app, world):
    order = orders.submitted(world)
    commit()
    response = factories.ApiClient(app, world.users["sales"]).get(
        f"/api/v1/orders/{order.id}/documents/confirmation")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_security_headers(response)


def test_error_pages_and_problems_carry_the_security_headers(app, world, client):
    page = factories.portal_login(app, world.users["sales"]).get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert_security_headers(page)
    unauthorized = client.get("/api/v1/me")
    assert unauthorized.status_code == 401 and unauthorized.mimetype == "application/problem+json"
    assert_security_headers(unauthorized)
    assert_security_headers(client.get("/orders/1"))  # the redirect to the login page


def _session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def _login(client, user, **kwargs):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD}, **kwargs)
    assert response.status_code == 302
    return response


def test_behind_a_configured_proxy_a_forwarded_https_request_gets_secure_cookies(make_app):
    app = make_app({"ORDO_TRUSTED_PROXIES": 1})
    with app.app_context():
        world = factories.build_world(app)
        client = app.test_client()
        response = _login(client, world.users["sales"], headers={"X-Forwarded-Proto": "https"})
        assert "; Secure" in _session_cookie(response)
        plain = _login(app.test_client(), world.users["sales"])
        assert "Secure" not in _session_cookie(plain)


def test_without_the_proxy_setting_a_forwarded_proto_is_ignored(app, world, client):
    response = _login(client, world.users["sales"], headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in _session_cookie(response)


def test_a_request_over_https_gets_secure_cookies_without_a_proxy(app, world):
    response = _login(app.test_client(), world.users["sales"], base_url="https://ordo.test")
    assert "; Secure" in _session_cookie(response)


def test_the_forced_setting_keeps_cookies_secure_over_http(make_app):
    app = make_app({"SESSION_COOKIE_SECURE": True})
    with app.app_context():
        world = factories.build_world(app)
        cookie = _session_cookie(_login(app.test_client(), world.users["sales"]))
        assert cookie.count("Secure") == 1


@pytest.mark.parametrize("cookie, expected", [
    ("session=abc; HttpOnly; Path=/", "session=abc; HttpOnly; Path=/; Secure"),
    ("session=abc; Secure; HttpOnly; Path=/", "session=abc; Secure; HttpOnly; Path=/"),
    ('remember_token="a;secure"; Path=/', 'remember_token="a;secure"; Path=/; Secure'),
])
def test_secure_cookie_adds_the_attribute_once(cookie, expected):
    assert secure_cookie(cookie) == expected


def test_hsts_is_sent_over_https_only_when_configured(make_app, client):
    assert "Strict-Transport-Security" not in client.get("/login", base_url="https://ordo.test").headers
    app = make_app({"ORDO_HSTS_SECONDS": 31536000, "ORDO_TRUSTED_PROXIES": 1})
    with app.app_context():
        hsts_client = app.test_client()
        secure = hsts_client.get("/login", base_url="https://ordo.test")
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        forwarded = hsts_client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert forwarded.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "Strict-Transport-Security" not in hsts_client.get("/login").headers


class InlineCode(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block in a template."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        line = self.getpos()[0]
        # A JSON data block (the chart macro's data) is never run, so the policy does not apply to it.
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append(f"line {line}: inline <script>")
        if tag == "style":
            self.found.append(f"line {line}: <style> block")
        if "style" in names:
            self.found.append(f"line {line}: style attribute on <{tag}>")
        for name, value in names.items():
            if name.startswith("on"):
                self.found.append(f"line {line}: {name} handler on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and value.strip().lower().startswith("javascript:"):
                self.found.append(f"line {line}: javascript: URL on <{tag}>")


def _page_templates(app) -> list[Path]:
    """Every template of the app and of its plugins' blueprints, but the PDFs'.

    templates/pdf/ is rendered by WeasyPrint on the server and served as PDF bytes:
    no browser runs it, so the policy does not apply and its <style> blocks stay.
    flask-smorest's ``api-docs`` blueprint ships Swagger UI and ReDoc pages that
    Ordo does not serve (only openapi.json is configured).
    """
    folders = {Path(app.root_path) / "templates"}
    folders |= {Path(bp.root_path) / bp.template_folder for name, bp in app.blueprints.items()
                if bp.template_folder and name != "api-docs"}
    return sorted(path for folder in folders for path in folder.rglob("*.html")
                  if "pdf" not in path.relative_to(folder).parts)


def test_no_page_template_has_inline_script_or_style(app):
    templates = _page_templates(app)
    assert len(templates) > 15
    found = {}
    for path in templates:
        parser = InlineCode()
        parser.feed(path.read_text())
        if parser.found:
            found[str(path)] = parser.found
    assert found == {}


def test_the_inline_code_check_finds_what_it_looks_for():
    parser = InlineCode()
    parser.feed('<script>alert(1)</script><script src="/static/ordo.js"></script><style>p{}</style>'
                '<script type="application/json">{"values": ["1"]}</script>'
                '<p style="color: red" onclick="x()"><a href="javascript:void(0)">x</a>'
                '<select name="s" {% if x %}selected{% endif %}></select>')
    assert [entry.split(": ", 1)[1] for entry in parser.found] == [
        "inline <script>", "<style> block", "style attribute on <p>", "onclick handler on <p>",
        "javascript: URL on <a>"]
