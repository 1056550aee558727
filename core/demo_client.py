"""The demo's way in: the public JSON API, called in process as one demo user, exactly as an integration would."""
from __future__ import annotations

from typing import Any

from flask import current_app

from core.errors import OrdoError


class DemoClient:
    """Calls the API as one demo user."""

    def __init__(self, token: str) -> None:
        self.client = current_app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request whose answer is one JSON object."""
        answer: dict[str, Any] = self._send(method, path, body)
        return answer

    def list(self, path: str) -> list[dict[str, Any]]:
        """GET a resource whose answer is a JSON list of objects."""
        answer: list[dict[str, Any]] = self._send("GET", path, None)
        return answer

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        response = self.client.open(f"/api/v1{path}", method=method, json=body, headers=self.headers)
        if response.status_code >= 400:
            detail = (response.get_json(silent=True) or {}).get("detail", response.status)
            raise OrdoError(f"demo data: {method} {path} failed: {detail}")
        return response.get_json()
