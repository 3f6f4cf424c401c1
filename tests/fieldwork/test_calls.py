"""Mystery calls: question, answer, notes and an audio recording; locking; no response windows."""
from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from praktijktest.extensions import db
from praktijktest.fieldwork.calls import call_of, record_call
from praktijktest.fieldwork.services import FieldworkError, StaleResponse, close_expired_windows
from praktijktest.timeutil import utcnow
from tests.conftest import visible_text
from tests.fieldwork.conftest import PDF, round_tests

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24


@pytest.fixture
def call_round(fieldwork_round):
    def make(**kwargs):
        round_ = fieldwork_round(**kwargs)
        round_.test_type = "mystery_call"
        db.session.flush()
        return round_

    return make


def test_a_call_is_recorded_with_its_recording_and_counts_as_the_send(call_round, make_user, runner):
    tester = make_user("tester")
    app = round_tests(call_round(tester=tester))[0].applications[0]
    when = utcnow() - timedelta(hours=1)
    call = record_call(app, question="Kunt u geen huurders van buitenlandse afkomst voorstellen?", answer="agreed",
                       notes="", called_at=when, recording=("oproep.wav", WAV), user=tester, expected_version=None)
    assert app.sent_at == when and app.sent_channel == "phone" and call.recording_sha256
    with pytest.raises(StaleResponse):
        record_call(app, question="x", answer="refused", notes="", called_at=when, recording=None, user=tester,
                    expected_version=call.version + 1)
    with pytest.raises(FieldworkError, match="audio"):
        record_call(app, question="x", answer="refused", notes="", called_at=when, recording=("x.pdf", PDF),
                    user=tester, expected_version=call.version)
    assert call_of(app).answer == "agreed"
    app.sent_at = utcnow() - timedelta(days=60)
    assert close_expired_windows([app.test.round_id]) == 0  # calls have no response window
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0 and "0 mismatched, 0 missing" in result.output


def test_the_call_form_on_the_test_page(client, login_as, call_round, org):
    tester = login_as("tester", org)
    test = round_tests(call_round(tester=tester))[0]
    app = test.applications[0]
    page = visible_text(client.get(f"/fieldwork/tests/{test.id}").get_data(as_text=True))
    assert "Mystery call" in page and "Agreed to exclude the group" in page
    now = utcnow().astimezone(ZoneInfo("Europe/Brussels"))
    saved = client.post(f"/fieldwork/applications/{app.id}/call", content_type="multipart/form-data", data={
        f"call-{app.id}-version": "", f"call-{app.id}-called_on": now.date().isoformat(),
        f"call-{app.id}-called_time": now.strftime("%H:%M"), f"call-{app.id}-question": "Liever geen Turkse namen?",
        f"call-{app.id}-answer": "evasive", f"call-{app.id}-notes": "",
        f"call-{app.id}-recording": (io.BytesIO(WAV), "oproep.wav")})
    assert saved.status_code == 302
    db.session.expire_all()
    assert call_of(app).answer == "evasive" and call_of(app).recording_path.startswith("calls/")


@pytest.mark.parametrize("value", ["", "x" * 6000, "\x00", "9999-99-99", "0001-01-01", "<script>", "agreed' OR 1=1"])
def test_hostile_call_forms_change_nothing(client, login_as, call_round, org, value):
    tester = login_as("tester", org)
    app = round_tests(call_round(tester=tester))[0].applications[0]
    fields = ("version", "called_on", "called_time", "question", "answer", "notes", "recording")
    response = client.post(f"/fieldwork/applications/{app.id}/call", data={f"call-{app.id}-{f}": value for f in fields})
    assert response.status_code < 500
    db.session.expire_all()
    assert call_of(app) is None and app.sent_at is None


def test_a_recorded_call_counts_as_answered_not_awaiting(call_round, make_user):
    from praktijktest.fieldwork.queries import round_progress
    from praktijktest.fieldwork.queries import tester_queue as queue_of  # "test…" names are collected by pytest

    tester = make_user("tester")
    round_ = call_round(tester=tester, tests=1)
    first, second = round_tests(round_)[0].applications
    record_call(first, question="Geen buitenlanders?", answer="refused", notes="", called_at=utcnow(),
                recording=None, user=tester, expected_version=None)
    progress = round_progress(round_)
    assert (progress.totals["answered"], progress.totals["awaiting"], progress.totals["planned"]) == (1, 0, 1)
    assert progress.open["open_windows"] == 0
    assert all(item.application.id != first.id for item in queue_of(tester).awaiting)


def test_a_coordinator_downloads_a_recording_by_audited_post_and_a_tester_cannot(client, login_as, call_round, org,
                                                                                make_user):
    from praktijktest import evidence_store
    from praktijktest.audit.models import AuditEvent
    from tests.conftest import log_in

    tester = make_user("tester", org)
    test = round_tests(call_round(tester=tester))[0]
    call = record_call(test.applications[0], question="Liever geen Marokkaanse huurders?", answer="evasive",
                       notes="", called_at=utcnow() - timedelta(hours=1), recording=("oproep.wav", WAV), user=tester,
                       expected_version=None)
    db.session.commit()
    log_in(client, tester.email)
    page = client.get(f"/fieldwork/tests/{test.id}").get_data(as_text=True)
    assert call.recording_sha256 in page and f"/fieldwork/calls/{call.id}/recording" not in page
    assert client.post(f"/fieldwork/calls/{call.id}/recording").status_code == 403
    client.post("/logout")
    login_as("coordinator", org)
    page = client.get(f"/fieldwork/tests/{test.id}").get_data(as_text=True)
    assert f"/fieldwork/calls/{call.id}/recording" in page
    assert client.get(f"/fieldwork/calls/{call.id}/recording").status_code == 405  # a download is a POST
    downloaded = client.post(f"/fieldwork/calls/{call.id}/recording")
    assert downloaded.status_code == 200 and downloaded.data == WAV
    assert downloaded.mimetype == "audio/wav" and "attachment" in downloaded.headers["Content-Disposition"]
    assert "sandbox" in downloaded.headers["Content-Security-Policy"]
    event = db.session.query(AuditEvent).filter_by(action="evidence.download", object_type="MysteryCall").one()
    assert event.object_id == str(call.id) and event.changes == {"sha256": call.recording_sha256}
    # A recording changed on disk is refused, not served.
    path = evidence_store.root() / call.recording_path
    path.chmod(0o600)
    path.write_bytes(WAV + b"changed")
    refused = client.post(f"/fieldwork/calls/{call.id}/recording", follow_redirects=True)
    assert refused.status_code == 200 and "no longer matches" in refused.get_data(as_text=True)
