"""Reading CSV and XLSX files row by row, with line numbers for error messages.

Belgian Excel writes CSV with semicolons and often a BOM; both are handled.
Imports validate the whole file first and report every problem as
`line N, column C: what is wrong`, writing nothing when there is one.

Limits (docs/data-format.md and docs/deployment.md): an upload is small
when compressed but an XLSX is a zip, and 343 KB can unpack into a million
rows. So before parsing, the declared uncompressed size of the zip's
members is bounded (IMPORT_MAX_UNCOMPRESSED_BYTES; zipfile never inflates
a member past its declared size); then rows are read one at a time, the
sheet's declared dimensions ignored (they would pad every row to the
claimed width), and reading stops at IMPORT_MAX_ROWS data rows or
IMPORT_MAX_CELLS cells, with an error that names the limit.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from flask import current_app, has_app_context
from flask_babel import format_decimal
from flask_babel import gettext as _

from praktijktest.encodings import UnknownEncoding, decode_text

MAX_REPORTED_PROBLEMS = 50
# Defaults of the reading limits; the app's configuration may set others.
LIMITS = {
    "IMPORT_MAX_ROWS": 100_000,
    "IMPORT_MAX_CELLS": 1_500_000,
    "IMPORT_MAX_UNCOMPRESSED_BYTES": 200 * 1024 * 1024,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(_("line %(line)d", line=self.line))
        if self.column:
            where.append(_("column %(column)s", column=self.column))
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class Problems:
    """The problems found while validating a file, in the order found."""

    items: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, column: str | None, message: str) -> None:
        self.items.append(Problem(line, column, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def report(self, limit: int = MAX_REPORTED_PROBLEMS) -> str:
        """The first `limit` problems, one per line, then how many more there are."""
        lines = [str(p) for p in self.items[:limit]]
        if len(self.items) > limit:
            lines.append(_("... and %(n)d more problems.", n=len(self.items) - limit))
        return "\n".join(lines)


class FileRejected(ValueError):
    """The file has problems; nothing was written."""

    def __init__(self, problems: Problems):
        super().__init__(problems.report())
        self.problems = problems


@dataclass(frozen=True)
class Table:
    """A file's header and its data rows, each with the line it came from.

    `problems` holds what is wrong with the file's shape (a row with more
    values than the header has columns); validators add their own to it.
    """

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    problems: Problems = field(default_factory=Problems)
    encoding: str | None = None  # the encoding a CSV was read in ("UTF-8", "Windows-1252"); None for XLSX


def read_table(source: str | Path | IO[bytes], filename: str | None = None) -> Table:
    """Read a CSV or XLSX file; raises FileRejected for an unreadable file."""
    name = filename or (str(source) if isinstance(source, (str, Path)) else getattr(source, "name", ""))
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    if name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return _read_xlsx(data)
    return _read_csv(data)


def limit(name: str) -> int:
    """A reading limit: the app's configuration, else the default."""
    if has_app_context() and current_app.config.get(name):
        return int(current_app.config[name])
    return LIMITS[name]


class _Counter:
    """Counts data rows and cells while reading, and stops the read at a limit."""

    def __init__(self) -> None:
        self.max_rows, self.max_cells = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_CELLS")
        self.rows = self.cells = 0

    def count(self, cells: int, line: int) -> None:
        self.cells += max(cells, 1)  # an empty row costs a step too (a sheet can claim a million of them)
        if self.cells > self.max_cells:
            raise _reject(_("the file has more than %(n)s cells (the limit for one import); split it into smaller "
                            "files", n=format_decimal(self.max_cells)), line)

    def add_row(self, line: int) -> None:
        self.rows += 1
        if self.rows > self.max_rows:
            raise _reject(_("the file has more than %(n)s rows of data (the limit for one import); split it into "
                            "smaller files", n=format_decimal(self.max_rows)), line)


def _reject(message: str, line: int | None = None) -> FileRejected:
    problems = Problems()
    problems.add(line, None, message)
    return FileRejected(problems)


def _read_csv(data: bytes) -> Table:
    try:
        decoded = decode_text(data)  # UTF-8, or Excel's Windows-1252 after detection
    except UnknownEncoding as error:
        raise _reject(_("the file is not UTF-8 text and its encoding is not recognised; save it as 'CSV UTF-8'"),
                      error.line) from None
    text = decoded.text
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise _reject(_("the file is empty")) from None
    columns = _clean_header(header)
    table = Table(columns, [], encoding=decoded.encoding)
    counter = _Counter()
    try:
        for record in reader:
            counter.count(len(record), reader.line_num)
            if not any(cell.strip() for cell in record):
                continue  # blank lines, as spreadsheets leave at the end
            counter.add_row(reader.line_num)
            table.rows.append((reader.line_num, _row_dict(table, record, reader.line_num)))
    except csv.Error as error:
        raise _reject(_("the CSV cannot be read: %(error)s", error=error), reader.line_num) from None
    return table


def _check_uncompressed_size(data: bytes) -> None:
    """Refuse a zip whose members would unpack past the limit, before anything is inflated."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _reject(_("the spreadsheet cannot be opened: %(error)s", error=error)) from None
    bound = limit("IMPORT_MAX_UNCOMPRESSED_BYTES")
    if sum(member.file_size for member in members) > bound:
        raise _reject(_("the spreadsheet unpacks to more than %(n)s MB (the limit for one import); split it into "
                        "smaller files", n=bound // (1024 * 1024)))


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    _check_uncompressed_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise _reject(_("the spreadsheet cannot be opened: %(error)s", error=error)) from None
    try:
        return _xlsx_rows(workbook.worksheets[0])
    except FileRejected:
        raise
    except Exception as error:  # a damaged sheet fails only while its rows are read (ValueError, IndexError...)
        raise _reject(_("the spreadsheet cannot be read: %(error)s", error=error)) from None
    finally:
        workbook.close()


def _xlsx_rows(sheet) -> Table:
    # A sheet's declared dimension (say A1:XFD1048576) would pad every row to
    # 16,384 cells and add empty rows up to the claimed last one: ignore it.
    sheet.reset_dimensions()
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None:
        raise _reject(_("the spreadsheet is empty"))
    counter = _Counter()
    counter.count(len(header), 1)
    table = Table(_clean_header(["" if v is None else str(v) for v in header]), [])
    for line, record in enumerate(values, start=2):
        counter.count(len(record), line)
        cells = [_cell_text(v) for v in record]
        if any(cells):
            counter.add_row(line)
            table.rows.append((line, _row_dict(table, cells, line)))
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 3 as 3.0
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _clean_header(header: list[str]) -> list[str]:
    columns = [h.strip() for h in header]
    problems = Problems()
    seen = set()
    for position, column in enumerate(columns, start=1):
        if not column:
            problems.add(1, f"#{position}", _("the column has no name"))
        elif column in seen:
            problems.add(1, column, _("the column appears twice"))
        seen.add(column)
    if problems:
        raise FileRejected(problems)
    return columns


def _row_dict(table: Table, cells: list[str], line: int) -> dict[str, str]:
    columns = table.columns
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        table.problems.add(line, None, _("the row has %(values)d values but the header has %(columns)d columns",
                                         values=len(cells), columns=len(columns)))
    padded = list(cells) + [""] * (len(columns) - len(cells))
    return {column: padded[i].strip() for i, column in enumerate(columns)}
