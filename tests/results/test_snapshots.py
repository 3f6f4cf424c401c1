"""run_analysis: the stored snapshot, its hashes, its deviations, and the round's status."""
from __future__ import annotations

import hashlib
import json

import pytest

from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Application, Response, Test
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.results.snapshots import AnalysisError, RunRequest, latest_snapshot, run_analysis
from praktijktest.rounds.models import Round
from praktijktest.rounds.services import RoundError, change_status
from praktijktest.targets.models import Target
from tests.results.conftest import small_csv


def test_analysis_stores_a_snapshot_and_makes_the_round_analysed(db, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    assert round_.status == "analysed"
    groups = {g["group"]: g for g in snapshot.result["groups"]}
    # PATTERN: 12 of 20 reference applications positive, 6 of 20 of the other group.
    assert (groups["Belgisch"]["positives"], groups["Marokkaans"]["positives"]) == (12, 6)
    assert snapshot.result["comparisons"][0]["test_counts"] == {
        "reference_favoured": 8, "group_favoured": 2, "equal_positive": 4, "no_positive": 6}
    assert snapshot.deviations == []
    assert snapshot.parameters["fdr_level"] == round_.fdr_level
    assert snapshot.protocol_sha256 == round_.protocol_sha256
    assert snapshot.software_version.startswith("praktijktest ")
    event = db.session.query(AuditEvent).filter_by(action="round.analyse", object_id=str(round_.id)).one()
    assert snapshot.sha256 in event.summary


def test_the_data_hash_follows_the_documented_recipe(db, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    codes = {t.id: t.code for t in db.session.query(Target)}
    rows = []
    for app in db.session.query(Application).join(Test).filter(Test.round_id == round_.id):
        rows.append([app.test.external_id, codes[app.test.target_id], app.group.label, app.response.outcome])
    payload = {"format": "praktijktest-analysis-input/1", "applications": sorted(rows)}
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    assert snapshot.input_sha256 == expected


def test_the_snapshot_holds_codes_never_names(db, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    text = json.dumps(snapshot.result)
    targets = {t.code: t.name for t in db.session.query(Target).filter_by(organisation_id=round_.organisation_id)}
    assert {t["target"] for t in snapshot.result["targets"]} <= set(targets)
    assert not any(name in text for name in targets.values())


def test_same_data_same_snapshot_changed_data_new_snapshot(db, fieldwork_round):
    round_ = fieldwork_round()
    first = run_analysis(round_)
    again = run_analysis(round_)
    assert again.id == first.id
    response = (db.session.query(Response).join(Application).join(Test)
                .filter(Test.round_id == round_.id, Response.outcome == "rejection").first())
    response.outcome = "invitation"
    db.session.flush()
    changed = run_analysis(round_)
    assert changed.id != first.id and changed.input_sha256 != first.input_sha256
    assert latest_snapshot(round_).id == changed.id
    assert db.session.query(AnalysisSnapshot).filter_by(round_id=round_.id).count() == 2
    assert db.session.query(AuditEvent).filter_by(action="round.analyse", object_id=str(round_.id)).count() == 3


def test_other_settings_than_the_protocol_are_deviations(db, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_, request=RunRequest(fdr=0.10, positive=("invitation",)))
    found = {d["field"]: (d["planned"], d["used"]) for d in snapshot.deviations}
    assert found == {"fdr_level": (0.05, 0.10),
                     "positive_outcomes": (["information_request", "invitation"], ["invitation"])}


def test_an_imported_round_says_it_was_not_preregistered(db, import_round, tmp_path):
    summary = import_round(small_csv(tmp_path), "ref")
    round_ = db.session.get(Round, summary["round_id"])
    snapshot = run_analysis(round_)
    assert [d["kind"] for d in snapshot.deviations] == ["no_preregistration"]
    assert round_.status == "analysed"


@pytest.mark.parametrize("status", ["draft", "ready"])
def test_no_analysis_before_fieldwork(db, make_round, status):
    round_ = make_round(status=status)
    with pytest.raises(AnalysisError):
        run_analysis(round_)
    assert db.session.query(AnalysisSnapshot).count() == 0


def test_no_bare_status_change_to_analysed_or_reported(db, make_round):
    round_ = make_round(status="fieldwork")
    with pytest.raises(RoundError):
        change_status(round_, "analysed")
    round_.status = "analysed"
    with pytest.raises(RoundError):
        change_status(round_, "reported")


def test_store_on_the_command_line(db, fieldwork_round, runner):
    round_ = fieldwork_round()
    result = runner.invoke(args=["rounds", "analyse", str(round_.id), "--store", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["status"] == "analysed"
    assert out["sha256"] == latest_snapshot(round_).sha256


def test_a_breakdown_the_data_cannot_give_does_not_stop_the_analysis(db, fieldwork_round, monkeypatch):
    from praktijktest.results import snapshots

    monkeypatch.setattr(snapshots, "available_breakdowns", lambda round_: ["no_such_attribute"])
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    assert snapshot.parameters["by"] == [] and snapshot.parameters["breakdowns_failed"] == ["no_such_attribute"]
    assert round_.status == "analysed"
    with pytest.raises(AnalysisError):  # asked for explicitly, it is an error
        run_analysis(round_, request=RunRequest(by=("no_such_attribute",)))
