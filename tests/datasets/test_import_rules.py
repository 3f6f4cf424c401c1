"""Every validation rule of the import: problems named by line and column, and nothing written."""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook

from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Test
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from tests.datasets.conftest import write_csv

HEADER = "test_id,target,group,outcome,profile,sent_at"


def _good_rows(tests: int = 3) -> list[str]:
    rows = []
    for t in range(1, tests + 1):
        rows.append(f"t{t},Bakkerij {t},belgian,invitation,Jan,2024-03-0{1 + t % 9}")
        rows.append(f"t{t},Bakkerij {t},moroccan,no_response,Mohamed,2024-03-0{1 + t % 9}")
    return rows


def _import(cli, org, path, reference="belgian", *extra):
    return cli("import", path, "--org", org.name, "--name", "Ronde", "--market", "labour", "--ground", "origin",
               "--reference", reference, *extra)


def _rejected(cli, org, table_counts, path, reference="belgian") -> list[str]:
    before = table_counts()
    result = _import(cli, org, path, reference)
    assert result.exit_code == 2, result.output
    assert table_counts() == before
    assert "Nothing was imported" in result.stderr
    return result.stderr.splitlines()[1:]


@pytest.mark.parametrize(("row", "expected"), [
    ("t9,Garage,belgian,maybe,Jan,", "line 8, column outcome: unknown outcome “maybe”"),
    ("t9,,belgian,invitation,Jan,", "line 8, column target: a value is required here"),
    ("t9,Garage,,invitation,Jan,", "line 8, column group: a value is required here"),
    ("t9,Garage,belgian,,Jan,", "line 8, column outcome: a value is required here"),
    ("t1,Bakkerij 1,moroccan,invitation,Jan,", "line 8, column profile: profile 'Jan' already applied in test 't1' "
                                               "on line 2"),
    ("t9,Garage,belgian,invitation,Jan,31/02/2024", "line 8, column sent_at: '31/02/2024' is not a date"),
    ("t9,Garage,belgian,invitation,Jan,yesterday", "line 8, column sent_at: 'yesterday' is not a date"),
    ("t1,Slagerij,belgian,invitation,Piet,", "line 8, column target: test 't1' belongs to target 'Bakkerij 1' "
                                             "on line 2"),
])
def test_each_rule_names_line_and_column(cli, org, table_counts, tmp_path, row, expected):
    path = write_csv(tmp_path / "round.csv", HEADER, [*_good_rows(), row])
    problems = _rejected(cli, org, table_counts, path)
    assert any(p.startswith(expected) for p in problems), problems


def test_unknown_reference_group(cli, org, table_counts, tmp_path):
    path = write_csv(tmp_path / "round.csv", HEADER, _good_rows())
    problems = _rejected(cli, org, table_counts, path, reference="Belgisch")
    assert problems == ["column group: the reference group 'Belgisch' does not occur in the file; its groups are "
                        "belgian, moroccan"]


def test_missing_required_column(cli, org, table_counts, tmp_path):
    path = write_csv(tmp_path / "round.csv", "test_id,target,group", ["t1,A,belgian"])
    assert _rejected(cli, org, table_counts, path) == [
        "line 1, column outcome: this required column is missing from the header"]


def test_unfinished_rows_are_refused(cli, org, table_counts, tmp_path):
    path = write_csv(tmp_path / "round.csv", HEADER + ",status", [r + ",responded" for r in _good_rows()]
                     + ["t9,Garage,belgian,,Jan,,planned"])
    assert _rejected(cli, org, table_counts, path) == [
        "line 8, column outcome: this application is still planned: only finished rounds can be imported"]


def test_one_bad_row_among_thousands_imports_nothing(cli, org, table_counts, tmp_path):
    rows = _good_rows(2500)
    rows[3457] = rows[3457].replace("no_response", "no_reply")  # file line 3459 (after the header)
    path = write_csv(tmp_path / "round.csv", HEADER, rows)
    before = table_counts()
    result = _import(cli, org, path)
    assert result.exit_code == 2
    assert table_counts() == before
    assert "line 3459, column outcome: unknown outcome “no_reply”" in result.stderr
    assert result.stderr.count("line ") == 1


def test_at_most_fifty_problems_then_a_count(cli, org, table_counts, tmp_path):
    rows = [r.replace("invitation", "yes") for r in _good_rows(60)]
    problems = _rejected(cli, org, table_counts, write_csv(tmp_path / "round.csv", HEADER, rows))
    assert len(problems) == 51
    assert problems[-1] == "... and 10 more problems."


def test_json_errors(cli, org, table_counts, tmp_path):
    path = write_csv(tmp_path / "round.csv", HEADER, [*_good_rows(), "t9,Garage,belgian,maybe,Jan,"])
    result = _import(cli, org, path, "belgian", "--format", "json")
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["imported"] is False and body["problem_count"] == 1
    assert body["problems"][0]["line"] == 8 and body["problems"][0]["column"] == "outcome"


def test_unknown_organisation_exits_2(cli, tmp_path):
    path = write_csv(tmp_path / "round.csv", HEADER, _good_rows())
    result = cli("import", path, "--org", "Nergens", "--name", "R", "--market", "labour", "--ground", "origin",
                 "--reference", "belgian")
    assert result.exit_code == 2 and "no organisation named 'Nergens'" in result.stderr


def test_an_unknown_positive_outcome_is_refused_and_nothing_is_written(cli, org, table_counts, tmp_path):
    # With a real organisation, so that only the --positive check can refuse the import.
    path = write_csv(tmp_path / "round.csv", HEADER, _good_rows())
    before = table_counts()
    result = _import(cli, org, path, "belgian", "--positive", "invitation,maybe")
    assert result.exit_code == 2
    assert "--positive" in result.stderr and "information_request" in result.stderr
    assert table_counts() == before


@pytest.mark.parametrize("value", ["eerst", "1.5", "-"])
def test_a_send_order_that_is_not_a_whole_number_is_named(cli, org, table_counts, tmp_path, value):
    header = HEADER + ",send_order"
    rows = [row + ",1" for row in _good_rows()] + [f"t9,Garage,belgian,invitation,Jan,,{value}"]
    problems = _rejected(cli, org, table_counts, write_csv(tmp_path / "round.csv", header, rows))
    assert any(p.startswith("line 8, column send_order:") for p in problems), problems


def test_single_group_tests_are_imported_with_a_warning(cli, org, db, tmp_path):
    rows = _good_rows() + ["t8,Garage,belgian,invitation,Jan,", "t9,Garage,moroccan,rejection,Ali,"]
    result = _import(cli, org, write_csv(tmp_path / "round.csv", HEADER, rows))
    assert result.exit_code == 0, result.output
    assert "Warning: 2 tests have applications of one group only" in result.stderr
    round_ = db.session.scalars(db.select(Round).order_by(Round.id.desc())).first()
    assert (round_.status, round_.source, round_.source_filename) == ("analysed", "imported", "round.csv")
    assert [g.label for g in round_.groups] == ["belgian", "moroccan"] and round_.groups[0].is_reference
    assert db.session.scalar(db.select(db.func.count()).select_from(Test).where(Test.round_id == round_.id)) == 5


def test_belgian_excel_csv_semicolons_and_bom(cli, org, db, tmp_path):
    rows = [r.replace(",", ";") for r in _good_rows()]
    rows.append("t9;Crèmerie Sœur;belgian;invitation;Jan;18/03/2024 14:30")
    rows.append("t9;Crèmerie Sœur;moroccan;information_request;Ali;18/03/2024")
    path = write_csv(tmp_path / "round.csv", HEADER.replace(",", ";"), rows, encoding="utf-8-sig")
    result = _import(cli, org, path, "belgian", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["applications"] == 8
    names = set(db.session.scalars(db.select(Target.name).where(Target.organisation_id == org.id)))
    assert "Crèmerie Sœur" in names


def test_xlsx_and_known_targets_are_reused(cli, org, db, tmp_path):
    from praktijktest.targets.services import create_target

    known = create_target(org.id, "Bakkerij 1")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["test_id", "target", "group", "outcome", "send_order", "sector"])
    for t in range(1, 4):
        sheet.append([f"t{t}", f"Bakkerij {t}", "belgian", "invitation", 1, "food"])
        sheet.append([f"t{t}", f"Bakkerij {t}", "moroccan", "rejection", 2.0, "food"])
    workbook.save(tmp_path / "round.xlsx")
    result = _import(cli, org, tmp_path / "round.xlsx", "belgian", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["targets"], body["targets_new"], body["targets_existing"]) == (3, 2, 1)
    test = db.session.scalar(db.select(Test).where(Test.round_id == body["round_id"], Test.external_id == "t1"))
    assert test.target_id == known.id and test.attributes == {"sector": "food"}
    assert sorted(a.send_order for a in test.applications) == [1, 2]


def test_rows_without_profile_are_separate_applications(cli, org, db, tmp_path):
    rows = ["t1,A,belgian,no_response,,"] * 3 + ["t1,A,moroccan,no_response,,"] * 3
    result = _import(cli, org, write_csv(tmp_path / "round.csv", HEADER, rows), "belgian", "--format", "json")
    assert json.loads(result.stdout)["applications"] == 6


def test_import_is_audited_without_identities(import_round, db, tmp_path):
    summary = import_round(write_csv(tmp_path / "round.csv", HEADER, _good_rows()), "belgian")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "round.import"))
    assert event.object_id == str(summary["round_id"])
    assert "Bakkerij" not in event.summary and len(event.changes["targets_created"]) == 3


def test_a_column_named_twice_is_refused_at_the_header(cli, org, table_counts, tmp_path):
    path = write_csv(tmp_path / "round.csv", HEADER + ",outcome", [row + ",rejection" for row in _good_rows()])
    problems = _rejected(cli, org, table_counts, path)
    assert any(p.startswith("line 1, column outcome: the column appears twice") for p in problems), problems


def test_values_past_the_header_are_named_by_line(cli, org, table_counts, tmp_path):
    rows = _good_rows()
    rows[2] += ",stray"
    problems = _rejected(cli, org, table_counts, write_csv(tmp_path / "round.csv", HEADER, rows))
    assert any(p.startswith("line 4: the row has 7 values but the header has 6 columns") for p in problems), problems


def test_empty_cells_past_the_header_are_harmless(cli, org, tmp_path):
    rows = [row + ",," for row in _good_rows()]
    assert _import(cli, org, write_csv(tmp_path / "round.csv", HEADER, rows)).exit_code == 0
