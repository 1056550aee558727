"""The ``ordo`` program: Flask's CLI group around the app factory."""
from __future__ import annotations

from flask.cli import FlaskGroup

from core.app import create_app


def main() -> None:
    FlaskGroup(create_app=lambda: create_app(), name="ordo", help="Ordo order management.")(prog_name="ordo")
