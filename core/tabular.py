"""Reading a table a person hands in: a CSV file (UTF-8 or GB18030) or an Excel .xlsx file, row by row.

The parsing is the standard library's ``csv`` and openpyxl's; this module picks the
encoding of a CSV file (``utf-8-sig`` first, then ``gb18030``), reads the first sheet
of a workbook, unwraps the ``="…"`` formula text the e-commerce platforms export long
ids as and turns every cell into text (dates as ISO, whole floats without ``.0``),
within the bounds of :mod:`core.tabular_limits` (a file beyond one is refused with
:class:`~core.tabular_limits.ImportRefused` naming it). A row's problem is a
:class:`RowError`: its row number as in the file (the header is row 1), its column
and the reason. Importers (orders, initial stock) map the rows to what they make.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from core import tabular_limits
from core.stored_text import StoredText
from core.tabular_limits import ImportRefused

MAX_BYTES = 20 * 1024 * 1024
_ENCODINGS = ("utf-8-sig", "gb18030")
_DECODED = 64 * 1024  # bytes of a CSV file decoded at a time to find its encoding


@dataclass(frozen=True)
class RowError:
    """A row's problem: its number as in the file (the header is row 1), its column's header and the reason."""
    row: int
    column: str
    reason: str | StoredText  # the import's own reasons are stored to be read in the reader's language


def rows_of(filename: str, data: bytes) -> Iterator[list[str]]:
    """The file's rows as text, header first, blank rows left out, read one at a time as they are asked for.

    Refuses what is not a readable CSV or xlsx file: its type, size, encoding, NUL bytes
    and an xlsx's parts before the first row, a row beyond the limits
    (:mod:`~core.tabular_limits`) when reading reaches it, and a file with no
    row under its header at the end.
    """
    name = filename.lower()
    if not (name.endswith(".csv") or name.endswith(".xlsx")):
        raise ImportRefused(_("%(name)s is neither a CSV nor an Excel (.xlsx) file", name=filename), field="file")
    if not data:
        raise ImportRefused(_("%(name)s is empty", name=filename), field="file")
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("%(name)s is larger than the limit of %(mb)s MB", name=filename,
                              mb=MAX_BYTES // (1024 * 1024)), field="file")
    count = 0
    for cells in _read_xlsx(filename, data) if name.endswith(".xlsx") else _read_csv(filename, data):
        row = [_unwrapped(cell) for cell in cells]
        if any(cell.strip() for cell in row):
            count += 1
            yield row
    if count < 2:
        raise ImportRefused(_("%(name)s is empty: it has no rows under the header", name=filename), field="file")


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The file's rows as text, header first (:func:`rows_of`), all held at once: for a file known to be small.

    An import reads a large file row by row (:func:`rows_of`).
    """
    return list(rows_of(filename, data))


@dataclass(frozen=True)
class Scan:
    """What reading a whole file through the limits found: its header, how many rows lie under it, the first."""

    header: list[str]
    rows: int
    first: list[list[str]]


def scan(filename: str, data: bytes, keep: int = 0) -> Scan:
    """Read the whole file as the import will (refusing it as :func:`rows_of` does), keeping the header, the
    first ``keep`` rows under it and the count of the others only."""
    rows = rows_of(filename, data)
    header = next(rows)
    first: list[list[str]] = []
    count = 0
    for row in rows:
        if count < keep:
            first.append(row)
        count += 1
    return Scan(header, count, first)


def _read_csv(filename: str, data: bytes) -> Iterator[list[str]]:
    encoding = _encoding(data)
    if encoding is None:
        raise ImportRefused(_("%(name)s has an unknown encoding; save it as UTF-8 or GB18030", name=filename),
                            field="file")
    tabular_limits.check_csv(filename, data)
    # Decoded as it is read: the text of the whole file is never held (BytesIO shares the bytes, copying none).
    with io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="") as text:
        yield from tabular_limits.csv_rows(filename, text)


def _encoding(data: bytes) -> str | None:
    """The first of the encodings the whole file decodes in, decoded a slice at a time and nothing kept."""
    for encoding in _ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _DECODED):
                decoder.decode(data[start:start + _DECODED])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _read_xlsx(filename: str, data: bytes) -> Iterator[list[str]]:
    tabular_limits.check_xlsx(filename, data)
    # openpyxl (8 MB) is loaded by a process's first workbook, not by every worker at start.
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportRefused(_("%(name)s is not a readable Excel (.xlsx) file", name=filename),
                            field="file") from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the rows as stored: a dimension the file claims pads nothing
        for row in tabular_limits.bounded(filename, sheet.iter_rows(values_only=True)):
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


# ="…": a spreadsheet formula that yields the text inside. Taobao, JD and Pinduoduo export their long
# order ids so, or a spreadsheet would show 3.91E+18; a quote inside is doubled, as in any formula string.
_FORMULA_TEXT = re.compile(r'="((?:[^"]|"")*)"')


def _unwrapped(cell: str) -> str:
    """The text a cell's ``="…"`` wrapper yields, as the platforms' own tools read it; any other cell as it is."""
    match = _FORMULA_TEXT.fullmatch(cell.strip())
    return match.group(1).replace('""', '"') if match else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
