"""Export in the long format: round trips, pseudonyms by default, identities audited, rounds in fieldwork."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Application, Response, Test
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.targets.services import create_target
from praktijktest.timeutil import utcnow
from tests.conftest import validation_file


def _without_ids(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in {"round_id", "round_name"}}


def _export(cli, round_id, path, *extra):
    result = cli("export", round_id, "--output", path, *extra)
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("identities", [(), ("--with-identities",)])
def test_csv_round_trip_gives_the_same_analysis(cli, import_round, analyse_json, tmp_path, identities):
    first = import_round(validation_file("bertrand-mullainathan-2004.csv"), "white")
    exported = _export(cli, first["round_id"], tmp_path / "bm.csv", *identities)
    second = import_round(exported, "white", "Again")
    # Same organisation: the targets are found again, by name or by their code.
    assert (second["targets_new"], second["targets_existing"]) == (0, 1323)
    by = ("--by", "municipality", "--by", "applicant_gender")
    assert _without_ids(analyse_json(second["round_id"], *by)) == _without_ids(analyse_json(first["round_id"], *by))


def test_xlsx_round_trip_keeps_profiles_and_send_order(cli, import_round, analyse_json, tmp_path):
    first = import_round(validation_file("callback-inter1.csv"), "Man.F")
    exported = _export(cli, first["round_id"], tmp_path / "inter1.xlsx", "--format", "xlsx")
    sheet = load_workbook(exported, read_only=True).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:5] == ["test_id", "target", "target_type", "group", "outcome"]
    assert {"profile", "send_order", "municipality", "contract"} <= set(header)
    second = import_round(exported, "Man.F", "Again")
    assert _without_ids(analyse_json(second["round_id"])) == _without_ids(analyse_json(first["round_id"]))


def test_pseudonymised_by_default_and_identities_audited(cli, import_round, db, tmp_path):
    summary = import_round(validation_file("callback-inter1.csv"), "Man.F")
    rows = list(csv.DictReader(io.StringIO(_export(cli, summary["round_id"], tmp_path / "a.csv")
                                           .read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2480 and all(r["target"].startswith("W-") for r in rows)
    named = _export(cli, summary["round_id"], tmp_path / "b.csv", "--with-identities").read_text(encoding="utf-8-sig")
    assert "offer-1," in named
    actions = list(db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.object_type == "Round", AuditEvent.object_id == str(summary["round_id"]))))
    assert actions.count("round.export") == 1 and actions.count("round.export_identities") == 1


def test_round_in_fieldwork_exports_planned_applications_with_status(cli, db, org, tmp_path):
    round_ = create_round(org, "Lopend", "housing", [GroundSpec("origin", "belgian", ["moroccan"])],
                          status="fieldwork")
    target = create_target(org.id, "Immo Zuid", kind="agency")
    test = Test(round=round_, target=target, external_id="T-0001", status="in_progress",
                attributes={"municipality": "Testdorp"})
    sent = Application(test=test, group=round_.groups[0], profile_label="Jan", sent_at=utcnow())
    planned = Application(test=test, group=round_.groups[1], profile_label="Ali")
    db.session.add_all([test, sent, planned, Response(application=sent, outcome="invitation")])
    db.session.flush()
    text = _export(cli, round_.id, tmp_path / "f.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["group"], r["outcome"], r["status"]) for r in rows] == [
        ("belgian", "invitation", "responded"), ("moroccan", "", "planned")]
    assert rows[0]["target"] == target.code and rows[0]["target_type"] == "agency"
    assert rows[0]["municipality"] == "Testdorp" and rows[0]["sent_at"].endswith(("+01:00", "+02:00"))
    # such a file is refused by the import, which takes finished rounds only
    result = cli("import", tmp_path / "f.csv", "--org", org.name, "--name", "X", "--market", "housing",
                 "--ground", "origin", "--reference", "belgian")
    assert result.exit_code == 2 and "still planned" in result.stderr


def test_list_rounds_as_json(cli, import_round, tmp_path, org):
    import json

    summary = import_round(validation_file("callback-inter1.csv"), "Man.F", "Inter1")
    result = cli("list", "--format", "json", "--org", org.name)
    assert result.exit_code == 0
    (listed,) = [r for r in json.loads(result.stdout) if r["id"] == summary["round_id"]]
    assert listed == {"id": summary["round_id"], "name": "Inter1", "organisation": org.name, "market": "labour",
                      "ground": "origin", "status": "analysed", "source": "imported", "targets": 310, "tests": 310,
                      "applications": 2480}


def test_unknown_round_and_unknown_attribute_exit_2(cli, import_round):
    assert cli("analyse", 999999).exit_code == 2
    assert cli("export", 999999, "--output", "/dev/null").exit_code == 2
    summary = import_round(validation_file("callback-inter1.csv"), "Man.F")
    result = cli("analyse", summary["round_id"], "--by", "shoe_size")
    assert result.exit_code == 2 and "no application has the attribute 'shoe_size'" in result.stderr
