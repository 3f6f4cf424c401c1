"""Mystery calls: the question asked, the agency's answer, notes and the recording.

A call is the "send" of its application: recording it marks the application
sent by phone at the time of the call. The recording must be audio (checked by
content, like all evidence) and is stored content-addressed with its hash.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from praktijktest import evidence_store
from praktijktest.audit.services import diff, record
from praktijktest.extensions import db
from praktijktest.fieldwork.evidence import EvidenceError, detect
from praktijktest.fieldwork.models import Application, CallAnswer, EvidenceKind, MysteryCall
from praktijktest.fieldwork.services import CLOCK_SKEW, FieldworkError, StaleResponse, _stale
from praktijktest.rounds.models import RoundStatus, TestType
from praktijktest.timeutil import as_utc, utcnow


def call_of(application: Application) -> MysteryCall | None:
    return db.session.query(MysteryCall).filter_by(application_id=application.id).one_or_none()


def record_call(application: Application, *, question: str, answer: str, notes: str, called_at: datetime,
                recording: tuple[str, bytes] | None, user, expected_version: int | None) -> MysteryCall:
    """Record or change the mystery call of an application, with optimistic locking; audited."""
    test = application.test
    if test.round.test_type != TestType.MYSTERY_CALL:
        raise FieldworkError(_("This round sends applications; it has no mystery calls."))
    if test.round.status != RoundStatus.FIELDWORK or test.is_cancelled:
        raise FieldworkError(_("Calls are recorded only while the round is in fieldwork."))
    question = (question or "").strip()
    if not question or answer not in set(CallAnswer):
        raise FieldworkError(_("Write the question you asked and choose the answer."))
    if as_utc(called_at) > utcnow() + CLOCK_SKEW:
        raise FieldworkError(_("The date and time of the call lie in the future."))
    stored = _store_recording(recording)
    call = call_of(application)
    values = {"question": question[:5000], "answer": answer, "notes": (notes or "").strip()[:5000],
              "called_at": called_at}
    if call is None:
        if expected_version is not None:
            raise StaleResponse(_stale())
        call = MysteryCall(application_id=application.id, recorded_by_id=user.id, **values)
        db.session.add(call)
        changes = {key: [None, str(value)] for key, value in values.items()}
    else:
        if expected_version != call.version:
            raise StaleResponse(_stale())
        changes = diff(call, values)
        for key, value in values.items():
            setattr(call, key, value)
    if stored is not None:
        changes["recording_sha256"] = [call.recording_sha256, stored.sha256]
        call.recording_path, call.recording_sha256 = stored.path, stored.sha256
    if application.sent_at is None:
        application.sent_at, application.sent_channel = called_at, "phone"
        test.mark_progress()
    db.session.flush()
    if changes:
        record("call.record", call, changes=changes, organisation_id=test.round.organisation_id)
    return call


def _store_recording(recording):
    if not recording:
        return None
    try:
        detected = detect(recording[1])
    except EvidenceError as error:
        raise FieldworkError(str(error)) from None
    if detected.kind != EvidenceKind.AUDIO:
        raise FieldworkError(_("A call recording is an audio file (MP3, WAV, Ogg, FLAC, AMR or M4A)."))
    return evidence_store.save_content_addressed(recording[1], detected.suffix, folder="calls")
