"""Analysis limited to verified responses: what is left out, the hash, the pages, the report, the command line."""
from __future__ import annotations

import hashlib
import json

import pytest

from praktijktest.fieldwork.models import Application, Response, Test
from praktijktest.reports.round_report import render_round_report
from praktijktest.results.snapshots import AnalysisError, RunRequest, latest_snapshot, run_analysis
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from praktijktest.timeutil import utcnow
from tests.conftest import visible_text
from tests.results.test_report import pdf_text
from tests.rounds.util import fresh


def _responses(db, round_) -> list[Response]:
    return (db.session.query(Response).join(Application).join(Test).filter(Test.round_id == round_.id)
            .order_by(Test.external_id, Application.send_order).all())


def _verify_some(db, round_) -> list[Response]:
    """Verify the responses of the first 12 tests; two unverified rejections become 'no response'."""
    responses = _responses(db, round_)
    for response in responses[:24]:
        response.verified_at = utcnow()
    for response in responses[24:28]:
        if response.outcome == "rejection":
            response.outcome = "no_response"
    db.session.flush()
    return responses


def _kept(responses: list[Response]) -> list[Response]:
    # Independent of the code under test: verified, or nothing to verify.
    return [r for r in responses if r.verified_at is not None or r.outcome == "no_response"]


def test_verified_only_snapshot_leaves_out_unverified_responses_and_says_how_many(db, fieldwork_round):
    round_ = fieldwork_round()
    responses = _verify_some(db, round_)
    kept = _kept(responses)
    full = run_analysis(round_)
    snapshot = run_analysis(round_, request=RunRequest(verified_only=True))
    assert snapshot.parameters["verified_only"] is True
    assert snapshot.parameters["responses_left_out"] == len(responses) - len(kept) > 0
    assert snapshot.result["applications"] == len(kept)
    positives = {}
    for r in kept:
        label = r.application.group.label
        positives[label] = positives.get(label, 0) + (r.outcome in round_.positive_outcomes)
    assert {g["group"]: g["positives"] for g in snapshot.result["groups"]} == positives
    assert snapshot.sha256 != full.sha256 and snapshot.input_sha256 != full.input_sha256
    assert "verified_only" not in full.parameters  # the whole-data recipe is unchanged
    assert {"kind": "verified_only", "left_out": len(responses) - len(kept)} in snapshot.deviations


def test_the_data_hash_covers_only_the_verified_rows(db, fieldwork_round):
    round_ = fieldwork_round()
    kept = _kept(_verify_some(db, round_))
    snapshot = run_analysis(round_, request=RunRequest(verified_only=True))
    codes = {t.id: t.code for t in db.session.query(Target)}
    rows = sorted([r.application.test.external_id, codes[r.application.test.target_id],
                   r.application.group.label, r.outcome] for r in kept)
    payload = {"format": "praktijktest-analysis-input/1", "applications": rows}
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    assert snapshot.input_sha256 == expected


def test_verified_only_is_refused_when_nothing_was_verified(db, fieldwork_round):
    round_ = fieldwork_round()
    with pytest.raises(AnalysisError):
        run_analysis(round_, request=RunRequest(verified_only=True))
    assert latest_snapshot(round_) is None and round_.status == "fieldwork"


def test_the_option_is_offered_only_when_the_round_uses_verification(db, client, login_as, fieldwork_round):
    login_as("coordinator")
    round_ = fieldwork_round()
    assert 'name="verified_only"' not in client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    _verify_some(db, round_)
    db.session.commit()
    assert 'name="verified_only"' in client.get(f"/rounds/{round_.id}").get_data(as_text=True)


def test_page_and_snapshot_list_say_verified_only_and_how_many_were_left_out(db, client, login_as, fieldwork_round):
    login_as("coordinator")
    round_ = fieldwork_round()
    responses = _verify_some(db, round_)
    left_out = len(responses) - len(_kept(responses))
    db.session.commit()
    response = client.post(f"/rounds/{round_.id}/analyse", data={"version": str(round_.version), "verified_only": "y"})
    snapshot = latest_snapshot(fresh(db, Round, round_.id))
    assert snapshot.parameters["verified_only"] is True
    text = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert (f"These figures use verified responses only: {left_out} responses that were not yet verified "
            "were left out.") in text
    assert f"verified responses only, {left_out} left out" in text  # stamp and the list of snapshots
    # A second run of all responses: the list tells the two apart.
    client.post(f"/rounds/{round_.id}/analyse", data={"version": str(fresh(db, Round, round_.id).version)})
    latest = latest_snapshot(fresh(db, Round, round_.id))
    assert "verified_only" not in latest.parameters
    text = visible_text(client.get(f"/rounds/{round_.id}/results/{latest.id}").get_data(as_text=True))
    assert "These figures use verified responses only" not in text
    assert text.count(f"verified responses only, {left_out} left out") == 1


def test_report_says_verified_only(db, app, fieldwork_round):
    round_ = fieldwork_round()
    responses = _verify_some(db, round_)
    left_out = len(responses) - len(_kept(responses))
    snapshot = run_analysis(round_, request=RunRequest(verified_only=True))
    with app.test_request_context():
        text = pdf_text(render_round_report(round_, snapshot, None, "en"))
    assert (f"These figures use verified responses only: {left_out} responses that were not yet verified "
            "were left out.") in text


def test_verified_only_on_the_command_line(db, fieldwork_round, runner):
    round_ = fieldwork_round()
    responses = _verify_some(db, round_)
    left_out = len(responses) - len(_kept(responses))
    db.session.commit()
    out = runner.invoke(args=["rounds", "analyse", str(round_.id), "--verified-only", "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert (doc["verified_only"], doc["responses_left_out"], doc["applications"]) == (True, left_out,
                                                                                     len(_kept(responses)))
    out = runner.invoke(args=["rounds", "analyse", str(round_.id), "--verified-only", "--store"])
    assert out.exit_code == 0, out.output
    assert f"Verified responses only: {left_out} responses not yet verified were left out." in out.stdout
    assert latest_snapshot(fresh(db, Round, round_.id)).parameters["responses_left_out"] == left_out


def test_verified_only_on_the_command_line_without_verified_responses(db, fieldwork_round, runner):
    round_ = fieldwork_round()
    db.session.commit()
    out = runner.invoke(args=["rounds", "analyse", str(round_.id), "--verified-only"])
    assert out.exit_code == 2 and "no response of this round has been verified" in out.stderr
