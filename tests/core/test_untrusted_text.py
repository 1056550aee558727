"""A stored text as a spreadsheet cell: what a workbook cannot hold replaced, never a formula."""
from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as OPENPYXL_ILLEGAL

from core.untrusted_text import ILLEGAL_CHARACTERS_RE, spreadsheet_text


def test_the_characters_a_workbook_cannot_hold_are_openpyxls():
    assert ILLEGAL_CHARACTERS_RE.pattern == OPENPYXL_ILLEGAL.pattern
    every = "".join(map(chr, range(0x100)))
    assert ILLEGAL_CHARACTERS_RE.findall(every) == OPENPYXL_ILLEGAL.findall(every)


def test_a_cell_never_starts_a_formula_and_holds_no_control_character():
    assert spreadsheet_text("=SUM(A1)") == "'=SUM(A1)"
    assert spreadsheet_text("客户\x07名") == "客户\ufffd名"
    assert spreadsheet_text("line\tone") == "line\tone"
