"""Hostile order files: zip bombs, XML entities, NUL bytes, enormous lines, too many columns, rows or characters.

Each file is built here, small in the test's own memory, and read as every import path
reads it (``tabular.read_table``): each is refused naming the limit it passes.
"""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook


from core import tabular, tabular_limits
from core.tabular_limits import ImportRefused
from tests.plugins.intake.helpers import next_week
from tests.plugins.intake.test_imports import GENERIC_HEADER, csv_bytes

SHEET = "xl/worksheets/sheet1.xml"


def good_row(ref: str = "X1") -> list[str]:
    return [ref, "C001", "P001", "3", "120", next_week().isoformat()]


def workbook_bytes(rows: list[list[str]] | None = None) -> bytes:
    workbook = Workbook()
    for row in rows or [GENERIC_HEADER, good_row()]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_sheet(write_sheet) -> bytes:
    """A real workbook whose first sheet's XML is written, streamed, by ``write_sheet(stream)``."""
    original = zipfile.ZipFile(io.BytesIO(workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in original.infolist():
            if member.filename == SHEET:
                with archive.open(SHEET, "w") as stream:
                    write_sheet(stream)
            else:
                archive.writestr(member, original.read(member))
    return out.getvalue()


def sheet_start(stream, doctype: bytes = b"") -> None:
    stream.write(b'<?xml version="1.0" encoding="UTF-8"?>' + doctype +
                 b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for number, row in enumerate([GENERIC_HEADER, good_row()], start=1):
        cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in row)
        stream.write(f'<row r="{number}">{cells}</row>'.encode())


def zip_bomb(megabytes: int = 8) -> bytes:
    """Two good rows, then megabytes of blank space the parser skips: a few KB once compressed."""
    def write(stream) -> None:
        sheet_start(stream)
        blank = b" " * (1024 * 1024)
        for _ in range(megabytes):
            stream.write(blank)
        stream.write(b"</sheetData></worksheet>")
    return with_sheet(write)


def entity_sheet() -> bytes:
    """An entity expanding tenfold per level, used in a cell (a small "billion laughs")."""
    doctype = (b'<!DOCTYPE worksheet [<!ENTITY a "laugh"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
               b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')

    def write(stream) -> None:
        sheet_start(stream, doctype)
        stream.write(b'<row r="3"><c t="inlineStr"><is><t>&c;</t></is></c></row></sheetData></worksheet>')
    return with_sheet(write)


def refusal(filename: str, data: bytes) -> str:
    with pytest.raises(ImportRefused) as refused:
        tabular.read_table(filename, data)
    assert refused.value.field == "file"
    return refused.value.message


def test_an_ordinary_workbook_is_read_within_the_limits(app):
    assert tabular.read_table("orders.xlsx", workbook_bytes())[1][:3] == ["X1", "C001", "P001"]


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_it_is_parsed(app):
    data = zip_bomb()
    assert len(data) < 100_000

    assert refusal("orders.xlsx", data) == (f"{SHEET} of orders.xlsx is compressed more than 100 to 1, as no "
                                            "spreadsheet is: the file is refused as a zip bomb")


def test_a_workbook_unpacking_beyond_the_limit_is_refused_by_its_size(app, monkeypatch):
    monkeypatch.setattr(tabular_limits, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    data = with_sheet(lambda stream: (sheet_start(stream), stream.write(b" " * (2 * 1024 * 1024)),
                                      stream.write(b"</sheetData></worksheet>")))

    assert refusal("orders.xlsx", data) == "orders.xlsx unpacks into 2 MB, more than the limit of 1 MB"


def test_a_workbook_of_too_many_parts_is_refused(app):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(tabular_limits.MAX_MEMBERS + 1):
            archive.writestr(f"xl/media/image{number}.png", b"")

    assert refusal("orders.xlsx", out.getvalue()) == (
        f"orders.xlsx holds {tabular_limits.MAX_MEMBERS + 1} parts, more than an Excel file's limit of "
        f"{tabular_limits.MAX_MEMBERS}")


def test_xml_entities_in_a_workbook_are_refused_naming_the_part(app):
    assert refusal("orders.xlsx", entity_sheet()) == (
        f"{SHEET} of orders.xlsx declares a DOCTYPE or XML entities, which no spreadsheet needs: the file is refused")


def test_a_workbook_row_with_too_many_columns_or_a_cell_too_long_is_refused(app):
    wide = workbook_bytes([GENERIC_HEADER + [f"extra{n}" for n in range(200)], good_row()])
    long_cell = workbook_bytes([GENERIC_HEADER, good_row() + ["备注" * 1500]])

    assert refusal("orders.xlsx", wide) == "row 1 of orders.xlsx has 206 columns, more than the limit of 100"
    assert refusal("orders.xlsx", long_cell) == ("a cell of row 2 of orders.xlsx is longer than the limit of 2000 "
                                                 "characters")


def test_a_csv_with_a_nul_byte_is_refused_naming_the_line(app):
    data = csv_bytes([GENERIC_HEADER, good_row(), ["X2\x00", "C001", "P001", "1", "", ""]])

    assert refusal("orders.csv", data) == "orders.csv contains a NUL byte (line 3): a CSV file holds text only"


def test_a_csv_of_one_enormous_line_is_refused_by_the_line_limit(app):
    data = csv_bytes([GENERIC_HEADER, good_row() + ["x" * 1_000_000]])

    assert refusal("orders.csv", data) == "line 2 of orders.csv is longer than the limit of 20000 characters"


def test_a_csv_of_a_hundred_thousand_columns_is_refused(app):
    huge = csv_bytes([GENERIC_HEADER + [f"c{n}" for n in range(100_000)], good_row()])
    wide = csv_bytes([GENERIC_HEADER + [f"c{n}" for n in range(150)], good_row()])

    assert refusal("orders.csv", huge) == "line 1 of orders.csv is longer than the limit of 20000 characters"
    assert refusal("orders.csv", wide) == "row 1 of orders.csv has 156 columns, more than the limit of 100"


def test_a_quoted_cell_spread_over_many_lines_is_refused_by_the_cell_limit(app):
    data = ",".join(GENERIC_HEADER).encode() + b'\nX1,C001,P001,1,,"' + b"x\n" * 200_000 + b'"\n'

    assert refusal("orders.csv", data) == ("orders.csv is not a readable CSV file: a cell is longer than 2000 "
                                           "characters")


def test_rows_over_the_limit_are_refused_and_reading_stops_there(app):
    rows = [GENERIC_HEADER] + [good_row(f"R{n}") for n in range(tabular_limits.MAX_ROWS + 1)]

    assert refusal("orders.csv", csv_bytes(rows)) == ("orders.csv has more than 50000 rows; split it into smaller "
                                                      "files")
    assert len(tabular.read_table("orders.csv", csv_bytes(rows[:-1]))) == tabular_limits.MAX_ROWS + 1


def test_workbook_rows_over_the_limit_are_refused(app, monkeypatch):
    monkeypatch.setattr(tabular_limits, "MAX_ROWS", 3)
    data = workbook_bytes([GENERIC_HEADER] + [good_row(f"R{n}") for n in range(4)])

    assert re.fullmatch(r"orders\.xlsx has more than 3 rows; split it into smaller files",
                        refusal("orders.xlsx", data))


def test_a_workbook_whose_sheet_is_damaged_is_refused_as_unreadable(app):
    data = bytearray(workbook_bytes())
    start = data.index(SHEET.encode()) + len(SHEET) + 5  # into the sheet's compressed bytes
    data[start:start + 16] = bytes(range(16))

    assert refusal("orders.xlsx", bytes(data)) == "orders.xlsx is not a readable Excel (.xlsx) file"
