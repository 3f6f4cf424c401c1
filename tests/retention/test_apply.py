"""`retention apply`: a round past retention loses identities, files and notes, never its figures."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from praktijktest import evidence_store
from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Application, EvidenceFile, Response, Test
from praktijktest.results.snapshots import run_analysis
from praktijktest.retention import deletion
from praktijktest.retention.deletion import add_months
from praktijktest.rounds.models import RoundTarget
from praktijktest.targets.models import Listing, Target
from praktijktest.timeutil import utcnow


def _with_personal_data(db, round_):
    """Give every target an identity, one test a listing with a snapshot, one response a note and a file."""
    tests = db.session.scalars(select(Test).where(Test.round_id == round_.id).order_by(Test.id)).all()
    for target in db.session.scalars(select(Target).where(Target.id.in_([t.target_id for t in tests]))):
        target.name, target.address, target.contact = f"Firma {target.id}", "Kerkstraat 1", "info@example.be"
    snapshot = evidence_store.save_bytes(b"<html>the ad</html>", "html", "snapshots")
    listing = Listing(target_id=tests[0].target_id, title="Bediende", url="https://example.be/ad",
                      snapshot_path=snapshot.path, snapshot_sha256=snapshot.sha256)
    db.session.add(listing)
    tests[0].listing = listing
    response = db.session.scalars(select(Response).join(Application).where(Application.test_id == tests[1].id)).first()
    response.notes = "Said on the phone that the flat is taken."
    stored = evidence_store.save_content_addressed(b"From: landlord\n\nNo.", "eml")
    db.session.add(EvidenceFile(response=response, sha256=stored.sha256, path=stored.path, size=stored.size,
                                kind="eml", media_type="message/rfc822"))
    db.session.flush()
    return tests, listing, response, stored


def _later(monkeypatch, months: int = 25):
    monkeypatch.setattr(deletion, "utcnow", lambda: add_months(utcnow(), months))


def _apply(runner, *args):
    result = runner.invoke(args=["retention", "apply", *args])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith(("round ", "  kept"))]


def test_a_round_past_retention_loses_identities_and_files_but_keeps_its_figures(
        db, fieldwork_round, runner, monkeypatch):
    round_ = fieldwork_round()
    tests, listing, response, stored = _with_personal_data(db, round_)
    before = run_analysis(round_)
    figures = before.result
    snapshot_path = listing.snapshot_path
    _later(monkeypatch)
    lines = _apply(runner)
    assert {line.split("\t")[1] for line in lines} == {"identities", "evidence", "listings", "notes"}
    targets = db.session.scalars(select(Target).where(Target.id.in_([t.target_id for t in tests]))).all()
    assert all(t.name == t.code and t.address is None and t.contact is None for t in targets)
    assert db.session.scalars(select(EvidenceFile).where(EvidenceFile.sha256 == stored.sha256)).all() == []
    for path in (stored.path, snapshot_path):
        with pytest.raises(evidence_store.EvidenceStoreError):
            evidence_store.resolve(path)
    assert (listing.snapshot_path, listing.url) == (None, None)
    assert response.notes == ""
    after = run_analysis(round_)
    assert after.input_sha256 == before.input_sha256
    assert after.result == figures
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.evidence")).one()
    assert event.changes["sha256"] == [stored.sha256]
    notes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.notes")).one()
    assert "phone" not in str(notes.changes) + notes.summary


def test_within_retention_nothing_goes(db, fieldwork_round, runner, monkeypatch):
    round_ = fieldwork_round()
    _with_personal_data(db, round_)
    run_analysis(round_)
    _later(monkeypatch, months=11)
    assert _apply(runner) == []


def test_dry_run_changes_nothing_and_lists_what_the_real_run_removes(db, fieldwork_round, runner, monkeypatch):
    round_ = fieldwork_round()
    tests, listing, response, stored = _with_personal_data(db, round_)
    run_analysis(round_)
    _later(monkeypatch)
    names = {t.id: t.name for t in db.session.scalars(select(Target))}
    dry = _apply(runner, "--dry-run")
    db.session.expire_all()
    assert {t.id: t.name for t in db.session.scalars(select(Target))} == names
    assert evidence_store.verify(stored.path, stored.sha256)
    assert db.session.get(Response, response.id).notes != ""
    real = _apply(runner)
    assert dry == real and real
    assert _apply(runner, "--dry-run") == []


def test_a_target_in_another_live_round_keeps_its_identity(db, fieldwork_round, complete_round, runner, monkeypatch):
    round_ = fieldwork_round()
    tests, *_ = _with_personal_data(db, round_)
    run_analysis(round_)
    live = complete_round(targets=1)
    shared = tests[2].target_id
    db.session.add(RoundTarget(round_id=live.id, target_id=shared))
    db.session.flush()
    _later(monkeypatch)
    lines = _apply(runner)
    assert any(line.startswith(f"  kept target {shared}: also in round {live.id}") for line in lines)
    assert db.session.get(Target, shared).name == f"Firma {shared}"
    other = db.session.get(Target, tests[3].target_id)
    assert other.name == other.code


def test_a_target_with_an_open_follow_up_case_is_kept(db, fieldwork_round, runner, monkeypatch):
    from praktijktest.followup.models import CaseState, FollowUpCase

    round_ = fieldwork_round()
    tests, listing, response, stored = _with_personal_data(db, round_)
    snapshot = run_analysis(round_)
    held, closed = tests[1].target_id, tests[3].target_id
    open_case = FollowUpCase(organisation_id=round_.organisation_id, round_id=round_.id, snapshot_id=snapshot.id,
                             target_id=held)
    db.session.add_all([open_case, FollowUpCase(organisation_id=round_.organisation_id, round_id=round_.id,
                                                snapshot_id=snapshot.id, target_id=closed,
                                                state=CaseState.CLOSED)])
    db.session.flush()
    _later(monkeypatch)
    lines = _apply(runner)
    assert f"  kept target {held}: open follow-up case {open_case.id}" in lines
    assert db.session.get(Target, held).name == f"Firma {held}"
    assert evidence_store.verify(stored.path, stored.sha256) and response.notes != ""
    closed_target = db.session.get(Target, closed)
    assert closed_target.name == closed_target.code  # a closed case holds nothing


def test_months_are_calendar_months():
    start = utcnow().replace(year=2025, month=1, day=31, hour=12)
    assert add_months(start, 1) == start.replace(month=2, day=28)
    assert add_months(start, 13) == start.replace(year=2026, month=2, day=28)
    assert add_months(start, 24) - start == timedelta(days=730)


def test_mystery_call_recordings_and_notes_go_with_the_evidence_and_notes(db, fieldwork_round, runner, monkeypatch):
    from praktijktest.fieldwork.models import MysteryCall

    round_ = fieldwork_round()
    tests, *_ = _with_personal_data(db, round_)
    application = db.session.scalars(select(Application).where(Application.test_id == tests[2].id)).first()
    recording = evidence_store.save_content_addressed(b"ID3\x03\x00 a recorded call", "mp3", folder="calls")
    call = MysteryCall(application_id=application.id, question="Kunt u geen kandidaten van buitenlandse afkomst "
                       "sturen?", answer="agreed", notes="Zei: geen probleem, dat doen we vaker.",
                       called_at=utcnow(), recording_path=recording.path, recording_sha256=recording.sha256)
    db.session.add(call)
    db.session.flush()
    run_analysis(round_)
    _later(monkeypatch)
    dry = _apply(runner, "--dry-run")
    assert f"round {round_.id}\tcall_recordings\t1\t{recording.sha256}" in dry
    assert f"round {round_.id}\tcall_notes\t1" in dry
    assert evidence_store.verify(recording.path, recording.sha256)  # the dry run changed nothing
    assert _apply(runner) == dry
    db.session.expire_all()
    call = db.session.get(MysteryCall, call.id)
    assert (call.recording_path, call.recording_sha256, call.notes) == (None, None, "")
    assert call.answer == "agreed" and call.question.startswith("Kunt u")  # the outcome stays, as responses' do
    with pytest.raises(evidence_store.EvidenceStoreError):
        evidence_store.resolve(recording.path)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.call_recordings")).one()
    assert event.changes["sha256"] == [recording.sha256]
    notes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.call_notes")).one()
    assert "probleem" not in str(notes.changes) + notes.summary
