"""The demo's mail sink: an SMTP server on this machine that keeps every message it receives as a file.

``ordo mailsink`` listens where the outbox sends (``ORDO_SMTP_HOST`` and
``ORDO_SMTP_PORT``) and writes each message, as received, to
``<instance>/mail/<time>-<id>.eml``, which any mail program opens. It delivers
nothing onwards: the demo's emails (order confirmations, notices) can be read
without a mail server, and no real customer gets one. Not for production,
where the outbox sends to a real mail server.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MailDrop:
    """An aiosmtpd handler that writes every message it accepts to ``folder`` as one .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def keep(self, content: bytes) -> Path:
        """Write one message; the file appears whole (written aside, then renamed) or not at all."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, path)
        return path

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        path = self.keep(envelope.original_content or envelope.content)
        return f"250 2.0.0 Ok: kept as {path.name}"


def start(host: str, port: int, folder: Path) -> Controller:
    """Listen on ``host``:``port`` in a thread of its own; the caller stops the returned controller."""
    controller = Controller(MailDrop(folder), hostname=host, port=port, enable_SMTPUTF8=True)
    controller.start()
    return controller

