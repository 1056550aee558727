"""An attachment is kept only as a PNG, a JPEG or a PDF read from its content, and no larger than the limit."""
from __future__ import annotations

import pytest

from core.attachments import checked_attachment
from core.errors import ValidationError


def test_the_type_is_read_from_the_content_not_the_name(app):
    with app.test_request_context():
        assert checked_attachment("签收单.png", b"%PDF-1.7 ...", unnamed="x") == ("签收单.png", "application/pdf")
        assert checked_attachment(None, b"\xff\xd8\xff\xe0", unnamed="attachment") == ("attachment", "image/jpeg")
        with pytest.raises(ValidationError) as refused:
            checked_attachment("photo.png", b"MZ\x90\0 an executable", unnamed="x")
        assert refused.value.field == "file"


def test_a_file_over_the_limit_is_refused_and_a_long_name_keeps_its_end(app):
    with app.test_request_context():
        with pytest.raises(ValidationError) as refused:
            checked_attachment("big.pdf", b"%PDF-" + b"0" * 2048, unnamed="x", max_bytes=1024)
        assert refused.value.field == "file"
        name, _kind = checked_attachment("a" * 300 + ".pdf", b"%PDF-", unnamed="x")
        assert len(name) == 200 and name.endswith(".pdf")
