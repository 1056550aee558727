"""The company's profile: the seller's details every customer document prints, and its logo.

An administrator keeps them (the profile page, ``/api/v1/company/profile``). The
service checks what a client may send past a form: the taxpayer id, the
language, and that a logo is a real PNG or JPEG image of bounded size. Every
change is audited; a document of a new profile is a new version of it (the
company is part of every document's version), so what was sent stays stored.
"""
from __future__ import annotations

import hashlib
import io
from typing import Any

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from core import audit
from core.errors import ValidationError
from core.invoicing import tax_id_refusal
from core.languages import LOCALES
from core.models import Company, User

# What the profile holds besides the logo; the text as typed (blank is none).
PROFILE_FIELDS = ("legal_name", "address", "phone", "tax_id", "bank", "bank_account", "language")
LENGTHS = {"legal_name": 200, "address": 2000, "phone": 40, "tax_id": 20, "bank": 200, "bank_account": 60}
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 4000 * 4000  # a larger image is no logo, and may be a decompression bomb
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


def profile_of(company: Company) -> dict[str, Any]:
    """The profile as data: its fields, and whether it has a logo."""
    return {**{name: getattr(company, name) for name in PROFILE_FIELDS},
            "name": company.name, "has_logo": company.logo_hash is not None, "logo_type": company.logo_type}


def update_profile(company: Company, data: dict[str, Any], *, actor: User | None) -> Company:
    """Set the given fields of the profile (blank text is none), refusing a value that cannot be right."""
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationError(_("the company profile has no field %(field)s", field=unknown[0]), field=unknown[0])
    cleaned = {name: _cleaned(name, value) for name, value in data.items()}
    before = {name: getattr(company, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(company, name, value)
    audit.record(company_id=company.id, entity="company", entity_id=company.id, action="company_profile_changed",
                 actor=actor, before=before, after=cleaned)
    return company


def _cleaned(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(_("%(field)s must be text", field=name), field=name)
    text = (value or "").strip() or None
    if text is None:
        return None
    if name == "language":
        if text not in LOCALES:
            raise ValidationError(_("the language %(value)s is not one of %(choices)s", value=repr(text),
                                    choices=", ".join(LOCALES)), field=name)
        return text
    if len(text) > LENGTHS[name]:
        raise ValidationError(_("%(field)s is longer than %(max)s characters", field=name, max=LENGTHS[name]),
                              field=name)
    if name == "tax_id":
        refusal = tax_id_refusal(text)
        if refusal:
            raise ValidationError(refusal, field=name)
    return text


def logo_type(content: bytes) -> str:
    """The MIME type of ``content`` when it is a PNG or JPEG image a document can print; ValidationError otherwise."""
    if not content:
        raise ValidationError(_("the logo file is empty"), field="logo")
    if len(content) > MAX_LOGO_BYTES:
        raise ValidationError(_("the logo is %(size)s KB; at most %(max)s KB is accepted",
                                size=(len(content) + 1023) // 1024, max=MAX_LOGO_BYTES // 1024), field="logo")
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, pixels = image.format, image.width * image.height
            image.verify()  # reads the whole file: a truncated or corrupt image is refused here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("the logo is not a PNG or JPEG image"), field="logo") from None
    if kind not in LOGO_TYPES:
        raise ValidationError(_("the logo is a %(kind)s image; only PNG and JPEG are accepted", kind=kind),
                              field="logo")
    if pixels > MAX_LOGO_PIXELS:
        raise ValidationError(_("the logo has too many pixels; at most 4000 × 4000"), field="logo")
    return LOGO_TYPES[str(kind)]


def set_logo(company: Company, content: bytes, *, actor: User | None) -> Company:
    """Store ``content`` as the company's logo once it is known to be a PNG or JPEG image of bounded size."""
    mime = logo_type(content)
    digest = hashlib.sha256(content).hexdigest()
    audit.record(company_id=company.id, entity="company", entity_id=company.id, action="company_logo_changed",
                 actor=actor, before={"logo_hash": company.logo_hash}, after={"logo_hash": digest, "type": mime})
    company.logo, company.logo_type, company.logo_hash = content, mime, digest
    return company


def remove_logo(company: Company, *, actor: User | None) -> Company:
    """Documents print no logo from now on; those already issued keep theirs."""
    if company.logo_hash is None:
        return company
    audit.record(company_id=company.id, entity="company", entity_id=company.id, action="company_logo_removed",
                 actor=actor, before={"logo_hash": company.logo_hash}, after={"logo_hash": None})
    company.logo, company.logo_type, company.logo_hash = None, None, None
    return company
