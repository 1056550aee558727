"""The reference of ``benchmarks/pages.py``: a minimal Flask app answering every GET with a fixed small body.

Served by the same gunicorn settings as Ordo in the same run, it measures what the server, the
network stack and the client cost by themselves: the floor any page of Ordo stands on.

    .venv/bin/gunicorn --workers 2 --threads 4 --worker-class gthread "benchmarks.bare_app:create_app()"
"""
from __future__ import annotations

from flask import Flask

BODY = {"status": "ok", "service": "bare"}


def create_app() -> Flask:
    app = Flask("bare")

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def bare(path: str) -> dict[str, str]:
        return BODY

    return app
