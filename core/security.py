"""Security headers on every response, Secure cookies over HTTPS, and the proxy in front of the app.

Every page, API response, PDF and error carries the same headers, set in one
``after_request``: a Content-Security-Policy that allows only the app's own
scripts and styles (no inline ones: the templates keep none), no sniffing, no
framing, no referrer to other sites. HSTS is sent only when
``ORDO_HSTS_SECONDS`` is set and the request came over HTTPS.

Behind a reverse proxy (``ORDO_TRUSTED_PROXIES=N``, the number of proxies in
front of the app), werkzeug's ``ProxyFix`` takes the client's address, scheme
and host from the ``X-Forwarded-*`` headers; without that setting they are
ignored, since anyone can send them. Over HTTPS every cookie the app sets is
marked ``Secure`` at the WSGI edge: Flask's ``SESSION_COOKIE_SECURE`` and
Flask-Login's ``REMEMBER_COOKIE_SECURE`` are app-wide, and one app serves both
schemes (HTTPS through the proxy, plain HTTP on 127.0.0.1). ``ORDO_SECURE_COOKIES``
still forces them on always.

Written here rather than with Flask-Talisman: its last release is from 2023,
it redirects to HTTPS and sets ``SESSION_COOKIE_SECURE`` for the whole app,
both of which would have to be switched off, and what is left is a constant
set of headers.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from core.request_text import configure_request_text

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def configure_security(app: Flask) -> None:
    """Install the headers, Secure cookies over HTTPS, the refusal of unreadable request text
    (``core.request_text``) and, when configured, the proxy fix."""
    configure_request_text(app)
    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
    proxies = int(app.config["ORDO_TRUSTED_PROXIES"])
    if proxies > 0:
        # Outermost, so that the scheme the cookies go by is the one the client used.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    hsts_seconds = int(app.config["ORDO_HSTS_SECONDS"] or 0)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts_seconds > 0 and request.is_secure:
            response.headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
        return response


class SecureCookies:
    """WSGI middleware: on a request that came over HTTPS, every ``Set-Cookie`` is ``Secure``."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("wsgi.url_scheme") != "https":
            return self.app(environ, start_response)

        def start_secure_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            headers = [(name, secure_cookie(value) if name.lower() == "set-cookie" else value)
                       for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.app(environ, start_secure_response)


def secure_cookie(set_cookie: str) -> str:
    """A ``Set-Cookie`` value with the ``Secure`` attribute, added unless it is there."""
    attributes = {part.strip().partition("=")[0].lower() for part in set_cookie.split(";")[1:]}
    return set_cookie if "secure" in attributes else f"{set_cookie}; Secure"
