"""The bounds of a table a person hands in (:mod:`core.tabular`): what reading a CSV or .xlsx file may cost.

A file beyond them is refused.

A file is refused for what it holds, not only for what it weighs: a small .xlsx can
unpack into gigabytes of sheet XML (a zip bomb), a CSV can be one enormous line or
a hundred thousand columns, and either can carry bytes no table file has (NUL,
XML entity declarations). Every bound is a constant here, and a file beyond one is
refused with :class:`ImportRefused` naming the bound, before the rows past it are
read, so the memory and the time an import takes are bounded by these limits
whatever the file. The rows are handed on one at a time (:func:`csv_rows`,
:func:`bounded`): whoever reads them holds only what it keeps of them.
"""
from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from flask_babel import gettext as _

from core.errors import ValidationError

# Rows under the header an import reads at most.
MAX_ROWS = 50_000
# Columns a row may have at most.
MAX_COLUMNS = 100
# Characters a cell may hold at most.
MAX_CELL_CHARS = 2_000
# Characters a line of a CSV file may hold at most.
MAX_LINE_CHARS = 20_000
# What the members of an .xlsx file may unpack into, together.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
# How much larger than its compressed size a member of an .xlsx file may unpack (members over RATIO_FROM bytes).
MAX_COMPRESSION_RATIO = 100
RATIO_FROM = 1024 * 1024
# Members an .xlsx file may hold at most.
MAX_MEMBERS = 500

_MB = 1024 * 1024
_CHUNK = 64 * 1024
# XML declarations a table file never needs and entity tricks (expansion, external entities) rely on,
# as UTF-8 and as either UTF-16 spells them.
_DECLARATIONS = tuple(word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY")
                      for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(word) for word in _DECLARATIONS)


class ImportRefused(ValidationError):
    """The whole file is refused: its type, size, encoding, content or columns; says which."""


def _refused(message: str) -> ImportRefused:
    return ImportRefused(message, field="file")


def check_csv(filename: str, data: bytes) -> None:
    """Refuses a CSV file holding a NUL byte, naming its line; looks at the bytes, so it costs no copy.

    In UTF-8 and GB18030 alike a NUL or a newline byte is only ever that character (no byte of a
    longer sequence is below 0x30), so the line counted in bytes is the line of the text.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _refused(_("%(name)s contains a NUL byte (line %(line)s): a CSV file holds text only",
                         name=filename, line=data.count(b"\n", 0, nul) + 1))


def csv_rows(filename: str, text: TextIO) -> Iterator[list[str]]:
    """The rows of a CSV file decoded as it is read, one at a time; refuses a line, a cell, a row or a file
    beyond the limits when reading reaches it (:func:`check_csv` first refuses NUL bytes)."""
    try:
        yield from bounded(filename, csv.reader(_lines(filename, text)))
    except csv.Error as error:
        raise _refused(_("%(name)s is not a readable CSV file: a cell is longer than %(limit)s characters",
                         name=filename, limit=MAX_CELL_CHARS)) from error


def _lines(filename: str, text: TextIO) -> Iterator[str]:
    """The lines of the text, each read no further than one character past the limit."""
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise _refused(_("line %(line)s of %(name)s is longer than the limit of %(limit)s characters",
                             line=number, name=filename, limit=MAX_LINE_CHARS))
        yield line


def bounded(filename: str, rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
    """The rows (header first) as lists, one at a time, read no further than the limits: refuses more rows, a
    wider row, a longer cell when reading reaches it."""
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS + 1:
            raise _refused(_("%(name)s has more than %(limit)s rows; split it into smaller files",
                             name=filename, limit=MAX_ROWS))
        cells = list(row)
        while cells and (cells[-1] is None or cells[-1] == ""):  # empty cells after the last one do not count
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise _refused(_("row %(row)s of %(name)s has %(count)s columns, more than the limit of %(limit)s",
                             row=number, name=filename, count=len(cells), limit=MAX_COLUMNS))
        for cell in cells:
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise _refused(_("a cell of row %(row)s of %(name)s is longer than the limit of %(limit)s "
                                 "characters", row=number, name=filename, limit=MAX_CELL_CHARS))
        yield cells


def check_xlsx(filename: str, data: bytes) -> None:
    """Refuses an .xlsx file that unpacks beyond the limits (a zip bomb) or declares XML entities or a DOCTYPE.

    The members' declared sizes bound what ``zipfile`` unpacks (it stops there and checks the CRC), and every
    XML member is streamed through once, so this costs one chunk of memory whatever the file.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(filename, members)
            for member in members:
                if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                    _check_declarations(filename, archive, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            zlib.error) as error:  # damaged, encrypted or of a compression zipfile cannot unpack
        raise _refused(_("%(name)s is not a readable Excel (.xlsx) file", name=filename)) from error


def _check_sizes(filename: str, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise _refused(_("%(name)s holds %(count)s parts, more than an Excel file's limit of %(limit)s",
                         name=filename, count=len(members), limit=MAX_MEMBERS))
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refused(_("%(name)s unpacks into %(size)s MB, more than the limit of %(limit)s MB",
                         name=filename, size=total // _MB, limit=MAX_UNCOMPRESSED_BYTES // _MB))
    for member in members:
        if member.file_size > RATIO_FROM and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise _refused(_("%(part)s of %(name)s is compressed more than %(limit)s to 1, as no spreadsheet is: "
                             "the file is refused as a zip bomb", part=member.filename, name=filename,
                             limit=MAX_COMPRESSION_RATIO))


def _check_declarations(filename: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            if any(word in window for word in _DECLARATIONS):
                raise _refused(_("%(part)s of %(name)s declares a DOCTYPE or XML entities, which no spreadsheet "
                                 "needs: the file is refused", part=member.filename, name=filename))
            tail = window[-_OVERLAP:]
