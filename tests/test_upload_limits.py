"""Upload limits: an XLSX decompression bomb, too many rows or cells, a damaged sheet (issue 12, items 3 and 15).

Each limit gives a clear error naming it, and nothing is written; the
target import and the round import read through the same code.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from praktijktest.tabular import FileRejected, read_table
from tests.conftest import visible_text


def _xlsx(rows: int, columns: int = 2) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append(["name", "kind"][:columns] + [f"c{i}" for i in range(columns - 2)])
    for i in range(rows):
        sheet.append([f"Werkgever {i}", "employer"] + ["x"] * (columns - 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML changed by `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item.filename, content)
    return out.getvalue()


def _message(app, data: bytes, **config) -> str:
    with app.app_context():  # no request: messages in English
        app.config.update(config)
        try:
            with pytest.raises(FileRejected) as rejected:
                read_table(io.BytesIO(data), "bomb.xlsx")
        finally:
            for key in config:
                app.config.pop(key)
    return str(rejected.value)


def _english(client) -> None:
    with client.session_transaction() as session:
        session["locale"] = "en"


def test_too_many_rows_are_refused_naming_the_limit(app):
    message = _message(app, _xlsx(60), IMPORT_MAX_ROWS=50)
    assert "50" in message and "rows" in message


def test_too_many_rows_in_a_csv_too(app):
    data = ("name,kind\n" + "A,employer\n" * 60).encode()
    with app.app_context():  # no request: messages in English
        app.config["IMPORT_MAX_ROWS"] = 50
        try:
            with pytest.raises(FileRejected, match="50"):
                read_table(io.BytesIO(data), "t.csv")
        finally:
            app.config.pop("IMPORT_MAX_ROWS")


def test_too_many_cells_are_refused(app):
    message = _message(app, _xlsx(10, columns=30), IMPORT_MAX_CELLS=200)
    assert "200" in message and "cells" in message


def test_a_claimed_huge_dimension_does_not_pad_rows(app):
    """A sheet claiming A1:XFD1048576 would make openpyxl yield 16,384 cells per row and a million rows."""
    claim = b'<dimension ref="A1:XFD1048576"/>'
    data = _rewrite_sheet(_xlsx(3), lambda xml: xml.replace(b"<sheetData", claim + b"<sheetData", 1)
                          if b"<dimension" not in xml else xml.replace(b'ref="A1:B4"', b'ref="A1:XFD1048576"'))
    with app.app_context():  # no request: messages in English
        table = read_table(io.BytesIO(data), "wide.xlsx")
    assert table.columns == ["name", "kind"] and len(table.rows) == 3


def test_the_uncompressed_size_is_bounded_before_parsing(app):
    padding = b"<!--" + b" " * 3_000_000 + b"-->"  # compresses to a few KB
    data = _rewrite_sheet(_xlsx(3), lambda xml: xml.replace(b"<sheetData", padding + b"<sheetData", 1))
    assert len(data) < 100_000
    message = _message(app, data, IMPORT_MAX_UNCOMPRESSED_BYTES=2 * 1024 * 1024)
    assert "2 MB" in message


def test_a_sheet_that_fails_while_reading_rows_is_a_form_error(client, login_as, org, db):
    """openpyxl opens it, then raises ValueError on a cell: a problem on the page, not a 500."""
    from praktijktest.targets.models import Target

    data = _rewrite_sheet(_xlsx(3), lambda xml: xml.replace(
        b'<c r="A2" t="inlineStr"><is><t>Werkgever 0</t></is></c>', b'<c r="A2" t="n"><v>not-a-number</v></c>'))
    _english(client)
    login_as("coordinator", org)
    response = client.post("/targets/import/", data={"file": (io.BytesIO(data), "l.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "cannot be read" in visible_text(response.get_data(as_text=True))
    assert db.session.scalar(db.select(db.func.count()).select_from(Target)) == 0


def test_round_import_page_refuses_a_bomb_with_the_limit(app, client, login_as, org):
    _english(client)
    login_as("coordinator", org)
    app.config["IMPORT_MAX_ROWS"] = 50
    try:
        response = client.post("/datasets/import", data={
            "file": (io.BytesIO(_xlsx(60)), "r.xlsx"), "title": "R", "market": "labour", "ground": "origin",
            "reference": "belgian", "positive": "invitation"}, content_type="multipart/form-data")
    finally:
        app.config.pop("IMPORT_MAX_ROWS")
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200 and "more than 50 rows" in text
