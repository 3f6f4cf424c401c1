"""Who may open which fieldwork object: the tester it is assigned to, or a coordinator
of the round's organisation. Anything else is a 404, so that a tester cannot
learn that another tester's test exists."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, EvidenceFile, MysteryCall, Response, Test


def _check(test: Test | None) -> Test:
    if test is None or test.round.organisation_id != current_user.organisation_id:
        abort(404)
    if current_user.role == Role.TESTER and test.tester_id != current_user.id:
        abort(404)
    if current_user.role not in (Role.TESTER, Role.COORDINATOR):
        abort(404)
    return test


def get_test_or_404(test_id: int) -> Test:
    return _check(db.session.get(Test, test_id))


def get_application_or_404(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    _check(application.test if application else None)
    return application


def get_response_or_404(response_id: int) -> Response:
    response = db.session.get(Response, response_id)
    _check(response.application.test if response else None)
    return response


def get_evidence_or_404(evidence_id: int) -> EvidenceFile:
    evidence = db.session.get(EvidenceFile, evidence_id)
    _check(evidence.response.application.test if evidence else None)
    return evidence


def get_call_or_404(call_id: int) -> MysteryCall:
    call = db.session.get(MysteryCall, call_id)
    _check(call.application.test if call else None)
    return call
