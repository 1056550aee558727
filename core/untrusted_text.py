"""Text that came from outside: the control characters the app refuses at its boundary (API, forms,
imports), and how a stored text becomes a spreadsheet cell that can never run as a formula.

A single-line field refuses every C0 control character but the tab, DEL and the C1 controls; a field
of several lines (notes, addresses) also allows newline and carriage return. An export neutralises
each text cell as the OWASP guidance on CSV injection says: a text beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading single quote. Numbers and dates are not text and
keep their value.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

# The control characters a workbook cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE (openpyxl.cell.cell), written out
# so that a process loads openpyxl (8 MB) only when it writes or reads a workbook; tests/core/test_untrusted_text.py
# checks that they agree.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
SINGLE_LINE_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
MULTI_LINE_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def control_character(value: str, multiline: bool = False) -> str | None:
    """The first control character the field refuses in ``value``, as ``U+0007``; None when there is none."""
    found = (MULTI_LINE_CONTROLS if multiline else SINGLE_LINE_CONTROLS).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def control_refusal(value: str, multiline: bool = False) -> str | None:
    """Why the field refuses ``value`` (a control character, named), or None."""
    character = control_character(value, multiline)
    if character is None:
        return None
    return _("Contains a control character (%(character)s), which is not allowed here.", character=character)


def spreadsheet_text(value: str) -> str:
    """A text cell for a CSV or Excel export: characters a workbook cannot hold replaced, never a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value
