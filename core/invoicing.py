"""The 增值税 invoice a customer wants and an order carries: the check of a taxpayer id (纳税人识别号).

The buyer's details are typed text: kept exactly as entered, never corrected.
A taxpayer id is only refused when it cannot be one: the 18-character unified
social credit code (统一社会信用代码, GB 32100), or an older 15- or 20-character
taxpayer id, written in digits and upper-case letters.
"""
from __future__ import annotations

import string

from flask_babel import gettext as _
from flask_babel import ngettext

TAX_ID_LENGTHS = (15, 18, 20)
# Digits and upper-case letters; a unified social credit code never uses I, O, S, V or Z.
TAX_ID_CHARACTERS = frozenset(string.digits + string.ascii_uppercase)
CREDIT_CODE_CHARACTERS = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


def tax_id_refusal(value: str) -> str | None:
    """Why ``value`` (without its surrounding spaces) is no taxpayer id, or None when it may be one."""
    if len(value) not in TAX_ID_LENGTHS:
        return ngettext("the taxpayer id %(id)s has %(num)s character; it needs 18 (the unified social credit "
                        "code) or, for an older taxpayer id, 15 or 20",
                        "the taxpayer id %(id)s has %(num)s characters; it needs 18 (the unified social credit "
                        "code) or, for an older taxpayer id, 15 or 20", len(value), id=value)
    if any(character in string.ascii_lowercase for character in value):
        return _("the taxpayer id %(id)s has lower-case letters; its letters are upper case", id=value)
    wrong = sorted(set(value) - TAX_ID_CHARACTERS)
    if wrong:
        return _("the taxpayer id %(id)s may hold only digits 0-9 and letters A-Z, not %(characters)s",
                 id=value, characters=" ".join(repr(character) for character in wrong))
    wrong = sorted(set(value) - CREDIT_CODE_CHARACTERS) if len(value) == 18 else []
    if wrong:
        return _("the taxpayer id %(id)s has %(letters)s, which a unified social credit code never holds "
                 "(it has no I, O, S, V or Z)", id=value, letters=", ".join(wrong))
    return None
