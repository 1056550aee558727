"""Files a user attaches to a record (a delivery's photo, a stamped statement): checked before they are kept.

Only PNG and JPEG images and PDFs are taken, their type read from the content's first bytes (never from
the name or the client's word), and no larger than a limit. The record that keeps the file is its
plugin's; this only says whether the file may be kept, and as what.
"""
from __future__ import annotations

from flask_babel import gettext as _

from core.errors import ValidationError

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"%PDF-", "application/pdf"))
NAME_MAX = 200


def checked_attachment(filename: str | None, content: bytes, *, unnamed: str,
                       max_bytes: int = ATTACHMENT_MAX_BYTES) -> tuple[str, str]:
    """The name to keep and the content type of an attachment, or a ValidationError naming ``file``."""
    if len(content) > max_bytes:
        raise ValidationError(_("the file is larger than %(max)s MB", max=max_bytes // (1024 * 1024)), field="file")
    kind = next((mime for magic, mime in ATTACHMENT_TYPES if content.startswith(magic)), None)
    if kind is None:
        raise ValidationError(_("the file is not a PNG or JPEG image or a PDF"), field="file")
    return (filename or unnamed).strip()[-NAME_MAX:] or unnamed, kind
