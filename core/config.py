"""Configuration from the environment, with safe defaults for the embedded SQLite set-up."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def _secret_key(instance_path: Path) -> str:
    """Return ORDO_SECRET_KEY, or a key generated once and kept in the instance folder."""
    from_env = os.environ.get("ORDO_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the app's configuration from ORDO_* environment variables."""
    database_url = os.environ.get("ORDO_DATABASE_URL") or f"sqlite:///{instance_path / 'ordo.sqlite'}"
    # Any other ORDO_* variable is passed on as it is, so plugins can take settings
    # of their own (the example's ORDO_LEAD_TIME_DAYS).
    extra = {key: value for key, value in os.environ.items() if key.startswith("ORDO_")}
    return extra | {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": _secret_key(instance_path),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("ORDO_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("ORDO_SECURE_COOKIES", False),
        "WTF_CSRF_TIME_LIMIT": None,
        # How many reverse proxies stand in front of the app; their X-Forwarded-For, -Proto and
        # -Host are believed only then (0: the headers are ignored). See core.security.
        "ORDO_TRUSTED_PROXIES": int(os.environ.get("ORDO_TRUSTED_PROXIES", "0")),
        # Strict-Transport-Security's max-age on HTTPS responses; 0 sends no HSTS header.
        "ORDO_HSTS_SECONDS": int(os.environ.get("ORDO_HSTS_SECONDS", "0")),
        "BABEL_DEFAULT_LOCALE": os.environ.get("ORDO_DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("ORDO_TIMEZONE", "Asia/Shanghai"),
        "ORDO_TIMEZONE": os.environ.get("ORDO_TIMEZONE", "Asia/Shanghai"),
        # Login throttling (core.auth.throttle; docs/deploying.md, "Login throttling"): failures per
        # address per window; free failures for one account from one address, then a wait that
        # doubles from BACKOFF up to MAX_BACKOFF; the ceiling per account over every address.
        "ORDO_LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("ORDO_LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "ORDO_LOGIN_WINDOW_MINUTES": int(os.environ.get("ORDO_LOGIN_WINDOW_MINUTES", "15")),
        "ORDO_LOGIN_MAX_FAILURES": int(os.environ.get("ORDO_LOGIN_MAX_FAILURES", "5")),
        "ORDO_LOGIN_BACKOFF_SECONDS": int(os.environ.get("ORDO_LOGIN_BACKOFF_SECONDS", "60")),
        "ORDO_LOGIN_MAX_BACKOFF_MINUTES": int(os.environ.get("ORDO_LOGIN_MAX_BACKOFF_MINUTES", "60")),
        "ORDO_LOGIN_ACCOUNT_MAX_FAILURES": int(os.environ.get("ORDO_LOGIN_ACCOUNT_MAX_FAILURES", "100")),
        "ORDO_LOGIN_ACCOUNT_WINDOW_MINUTES": int(os.environ.get("ORDO_LOGIN_ACCOUNT_WINDOW_MINUTES", "60")),
        # How long a process may show a user's menu task count without counting again, while nothing is
        # written (core.inbox.badge_counts); 0 counts on every page.
        "ORDO_INBOX_BADGE_SECONDS": int(os.environ.get("ORDO_INBOX_BADGE_SECONDS", "30")),
        # An API token's last use is recorded at most this often, apart from the request.
        "ORDO_TOKEN_TOUCH_MINUTES": int(os.environ.get("ORDO_TOKEN_TOUCH_MINUTES", "5")),
        # How long an SQLite connection waits for another's write lock before giving up (503).
        "ORDO_SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("ORDO_SQLITE_BUSY_TIMEOUT_MS", "5000")),
        # Requests the app refuses itself, with problem+json: a longer URL (414), a larger body (413).
        "ORDO_MAX_URL_LENGTH": int(os.environ.get("ORDO_MAX_URL_LENGTH", "4096")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("ORDO_MAX_CONTENT_LENGTH", str(20 * 1024 * 1024))),
        "ORDO_SMTP_HOST": os.environ.get("ORDO_SMTP_HOST", "127.0.0.1"),
        "ORDO_SMTP_PORT": int(os.environ.get("ORDO_SMTP_PORT", "25")),
        "ORDO_SMTP_USER": os.environ.get("ORDO_SMTP_USER"),
        "ORDO_SMTP_PASSWORD": os.environ.get("ORDO_SMTP_PASSWORD"),
        "ORDO_SMTP_STARTTLS": _flag("ORDO_SMTP_STARTTLS", False),
        "ORDO_MAIL_FROM": os.environ.get("ORDO_MAIL_FROM", "ordo@localhost"),
        "ORDO_OUTBOX_MAX_ATTEMPTS": int(os.environ.get("ORDO_OUTBOX_MAX_ATTEMPTS", "5")),
        "ORDO_PDF_FONT_FAMILY": os.environ.get("ORDO_PDF_FONT_FAMILY", "Noto Sans CJK SC"),
        "API_TITLE": "Ordo",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that do not name a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
