"""Reading CSV and XLSX files (praktijktest/tabular.py): delimiters, line numbers, messages, limits at their edge.

A mutation run (make mutation) found these unchecked: which delimiter a
header with decimal commas gets, line numbers in every kind of problem, the
exact messages, a blank line in the middle, a line break inside a quoted
cell, the encoding reported, each limit at exactly its value, empty and
dated cells in a sheet, and a formula cell. Expected values are written out
by hand from the file each test builds.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from praktijktest.tabular import FileRejected, Problem, Problems, read_table


@pytest.fixture
def limits(app):
    """An app context (messages in English) whose reading limits a test may set."""
    changed = []

    def set_limits(**config):
        changed.extend(config)
        app.config.update(config)

    with app.app_context():
        yield set_limits
        for key in changed:
            app.config.pop(key, None)


def rejected(data: bytes, name: str = "file.csv") -> list[tuple]:
    with pytest.raises(FileRejected) as error:
        read_table(io.BytesIO(data), name)
    return [(p.line, p.column, p.message) for p in error.value.problems.items]


def xlsx(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Problems -----------------------------------------------------------------------

def test_a_problem_without_place_is_its_message_alone_and_has_three_fields(limits):
    assert str(Problem(None, None, "the file is empty")) == "the file is empty"
    assert str(Problem(4, "name", "x")) == "line 4, column name: x"
    assert Problem(4, None, "x").to_dict() == {"line": 4, "column": None, "message": "x"}


def test_a_report_of_exactly_the_limit_has_no_more_line(limits):
    problems = Problems()
    for line in (2, 3):
        problems.add(line, None, "x")
    assert problems.report(limit=2) == "line 2: x\nline 3: x"
    problems.add(4, None, "x")
    assert problems.report(limit=2) == "line 2: x\nline 3: x\n... and 1 more problems."


# CSV ----------------------------------------------------------------------------

def test_semicolons_win_only_when_the_header_has_more_of_them_than_commas(limits):
    # Belgian Excel: semicolons between columns, commas in decimal amounts in the rows below.
    table = read_table(io.BytesIO(b"naam;bedrag\nAn;1,5\nBo;2,25\n"), "f.csv")
    assert table.columns == ["naam", "bedrag"]
    assert [row for _, row in table.rows] == [{"naam": "An", "bedrag": "1,5"}, {"naam": "Bo", "bedrag": "2,25"}]
    # Only the first line counts, even when it has spaces in its names.
    spaced = read_table(io.BytesIO(b"voor naam;achter naam\nAn,B;Peeters\n"), "f.csv")
    assert spaced.columns == ["voor naam", "achter naam"] and spaced.rows[0][1]["voor naam"] == "An,B"
    # As many of each: commas.
    assert read_table(io.BytesIO(b"a;b,c\n1,2\n"), "f.csv").columns == ["a;b", "c"]


def test_a_line_break_inside_a_quoted_cell_is_kept_as_written(limits):
    table = read_table(io.BytesIO(b'adres,x\r\n"Kerkstraat 1\r\n9000 Gent",y\r\n'), "f.csv")
    assert table.rows == [(3, {"adres": "Kerkstraat 1\r\n9000 Gent", "x": "y"})]


def test_a_blank_line_in_the_middle_is_skipped_and_the_next_rows_keep_their_lines(limits):
    table = read_table(io.BytesIO(b"a,b\n1,2\n\n3\n"), "f.csv")
    assert table.rows == [(2, {"a": "1", "b": "2"}), (4, {"a": "3", "b": ""})]


def test_the_encoding_is_reported(limits):
    assert read_table(io.BytesIO("naam\nAné\n".encode()), "f.csv").encoding == "UTF-8"
    assert read_table(io.BytesIO("naam;x\nAné;1\n".encode("cp1252")), "f.csv").encoding == "Windows-1252"


def test_unreadable_csv_files_say_why_and_where(limits):
    assert rejected(b"name,kind\nA,B\n\x00\x01\x02\xff\x03\x04\n") == [
        (3, None, "the file is not UTF-8 text and its encoding is not recognised; save it as 'CSV UTF-8'")]
    assert rejected(b"") == [(None, None, "the file is empty")]
    # Python's csv module refuses a field over 131,072 characters (csv.field_size_limit()).
    assert rejected(b'a,b\n1,2\n"' + b"x" * 140_000 + b'"\n') == [
        (3, None, "the CSV cannot be read: field larger than field limit (131072)")]


def test_the_row_limit_allows_exactly_its_number_and_names_the_line_past_it(limits):
    limits(IMPORT_MAX_ROWS=2)
    assert len(read_table(io.BytesIO(b"a\n1\n2\n"), "f.csv").rows) == 2
    message = "the file has more than 2 rows of data (the limit for one import); split it into smaller files"
    assert rejected(b"a\n1\n\n2\n3\n") == [(5, None, message)]
    assert rejected(xlsx(["a"], [1], [None], [2], [3]), "f.xlsx") == [(5, None, message)]


def test_the_cell_limit_names_the_line_where_it_is_passed(limits):
    limits(IMPORT_MAX_CELLS=6)
    assert len(read_table(io.BytesIO(b"a,b\n1,2\n3,4\n5,6\n"), "f.csv").rows) == 3  # the header is not counted
    message = "the file has more than 6 cells (the limit for one import); split it into smaller files"
    assert rejected(b"a,b\n1,2\n3,4\n5,6\n7,8\n") == [(5, None, message)]
    # In a sheet the header counts too.
    assert rejected(xlsx(["a", "b"], [1, 2], [3, 4], [5, 6]), "f.xlsx") == [(4, None, message)]
    limits(IMPORT_MAX_CELLS=2)
    assert rejected(xlsx(["a", "b", "c"]), "f.xlsx") == [(1, None, message.replace("6", "2"))]


# XLSX ---------------------------------------------------------------------------

def test_the_unpacked_size_limit_allows_exactly_its_value(limits):
    data = xlsx(["a"], ["x"])
    unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    limits(IMPORT_MAX_UNCOMPRESSED_BYTES=unpacked)
    assert read_table(io.BytesIO(data), "f.xlsx").rows == [(2, {"a": "x"})]
    limits(IMPORT_MAX_UNCOMPRESSED_BYTES=unpacked - 1)
    assert rejected(data, "f.xlsx") == [
        (None, None, f"the spreadsheet unpacks to more than {(unpacked - 1) // 2**20} MB (the limit for one import); "
                     "split it into smaller files")]


def test_files_that_are_no_spreadsheet_say_what_the_library_said(limits):
    assert rejected(b"PK not a zip", "f.xlsx") == [
        (None, None, "the spreadsheet cannot be opened: File is not a zip file")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "no workbook here")
    with pytest.raises(Exception) as library:  # what openpyxl itself says about this zip
        load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
    assert rejected(buffer.getvalue(), "f.xlsx") == [
        (None, None, f"the spreadsheet cannot be opened: {library.value}")]


def test_an_empty_sheet_is_refused(limits):
    assert rejected(xlsx(), "f.xlsx") == [(None, None, "the spreadsheet is empty")]


def test_a_header_cell_left_empty_is_named_by_position(limits):
    assert rejected(xlsx(["a", None, "c"], [1, 2, 3]), "f.xlsx") == [(1, "#2", "the column has no name")]


def test_sheet_rows_have_their_line_numbers_and_cells_their_text(limits):
    when = datetime(2026, 5, 4, 9, 30)
    table = read_table(io.BytesIO(xlsx(["naam", "n", "datum", "leeg"], ["An", 3.0, when, None], [None] * 4,
                                       ["Bo", 2.5, None, " x "])), "f.xlsx")
    assert table.rows == [(2, {"naam": "An", "n": "3", "datum": "2026-05-04T09:30:00", "leeg": ""}),
                          (4, {"naam": "Bo", "n": "2.5", "datum": "", "leeg": "x"})]


def test_values_past_the_header_in_a_sheet_are_named_by_line(limits):
    table = read_table(io.BytesIO(xlsx(["a"], [1], [2, "extra"])), "f.xlsx")
    assert [(p.line, p.message) for p in table.problems.items] == [
        (3, "the row has 2 values but the header has 1 columns")]


def test_a_formula_is_never_read_as_its_text(limits):
    # Only values count (data_only): a file saved by a program that computes nothing holds no value for
    # the formula, so the cell is empty; the formula's text "=1+1" is never imported as data.
    table = read_table(io.BytesIO(xlsx(["a", "b"], ["x", "=1+1"])), "f.xlsx")
    assert table.rows == [(2, {"a": "x", "b": ""})]


def test_a_sheet_that_fails_while_its_rows_are_read_says_what_failed(limits):
    from tests.test_upload_limits import _rewrite_sheet, _xlsx

    data = _rewrite_sheet(_xlsx(3), lambda xml: xml.replace(
        b'<c r="A2" t="inlineStr"><is><t>Werkgever 0</t></is></c>', b'<c r="A2" t="n"><v>not-a-number</v></c>'))
    with pytest.raises(ValueError) as number:  # what Python says of that cell's value
        float("not-a-number")
    assert rejected(data, "f.xlsx") == [(None, None, f"the spreadsheet cannot be read: {number.value}")]


def test_an_empty_row_costs_one_cell_and_a_row_its_number_of_values(limits):
    # A sheet can claim a million empty rows: each costs one step, so they cannot be read for free.
    limits(IMPORT_MAX_CELLS=4)
    assert len(read_table(io.BytesIO(b"a\n1\n\n\n2\n"), "f.csv").rows) == 2  # 1 + 1 + 1 + 1 cells
    assert rejected(b"a\n1\n\n\n2\n\n") == [
        (6, None, "the file has more than 4 cells (the limit for one import); split it into smaller files")]


NOT_A_ZIP = [(None, None, "the spreadsheet cannot be opened: File is not a zip file")]


@pytest.mark.parametrize("name", ["LIJST.XLSX", "lijst.xlsm"])
def test_a_spreadsheet_name_is_read_as_a_spreadsheet_whatever_its_case(limits, name):
    assert rejected(b"a,b\n1,2\n", name) == NOT_A_ZIP


def test_a_zip_is_read_as_a_spreadsheet_whatever_its_name(limits):
    assert read_table(io.BytesIO(xlsx(["a"], ["x"])), "export.csv").rows == [(2, {"a": "x"})]


def test_the_name_comes_from_a_path_or_an_open_file_when_none_is_given(limits, tmp_path):
    path = tmp_path / "lijst.xlsx"
    path.write_bytes(b"a,b\n1,2\n")
    for source in (path, str(path)):
        with pytest.raises(FileRejected) as error:
            read_table(source)
        assert [(p.line, p.column, p.message) for p in error.value.problems.items] == NOT_A_ZIP
    with open(path, "rb") as handle, pytest.raises(FileRejected) as error:
        read_table(handle)
    assert [(p.line, p.column, p.message) for p in error.value.problems.items] == NOT_A_ZIP
    assert read_table(io.BytesIO(b"a,b\n1,2\n")).rows == [(2, {"a": "1", "b": "2"})]  # no name at all: CSV


def test_only_the_header_line_decides_the_delimiter(limits):
    # Free text below may hold more commas than the header has semicolons.
    table = read_table(io.BytesIO(b"naam;opmerking\nAn;groot, licht, rustig\n"), "f.csv")
    assert table.rows == [(2, {"naam": "An", "opmerking": "groot, licht, rustig"})]


def test_a_whole_number_stored_as_a_decimal_reads_without_its_point_zero(limits):
    from tests.test_upload_limits import _rewrite_sheet, _xlsx

    # Excel stores 3 as <v>3</v>, but other programs write <v>3.0</v>, which openpyxl reads as a float.
    data = _rewrite_sheet(_xlsx(2), lambda xml: xml.replace(
        b'<c r="A2" t="inlineStr"><is><t>Werkgever 0</t></is></c>', b'<c r="A2" t="n"><v>3.0</v></c>').replace(
        b'<c r="A3" t="inlineStr"><is><t>Werkgever 1</t></is></c>', b'<c r="A3" t="n"><v>2.5</v></c>'))
    assert [row["name"] for _, row in read_table(io.BytesIO(data), "f.xlsx").rows] == ["3", "2.5"]
