"""Second entry: another tester enters each response's outcome blind, from its evidence.

The round chooses (RoundFieldwork.second_entry) whether a coordinator confirms
responses (`services.verify_response`) or a second tester does it here. The
same outcome verifies the response; a different one is a disagreement that a
coordinator resolves with a reason. Either way the result is `verified_at`,
which is what "only verified responses" reads.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from praktijktest.accounts.models import Role, User
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.closure import _record_for_update, fieldwork_record
from praktijktest.fieldwork.models import Application, Response, RoundFieldwork, Test, TestStatus
from praktijktest.fieldwork.services import FieldworkError, StaleResponse, _after_response, _stale, _update_decline
from praktijktest.rounds.models import OUTCOMES, Round
from praktijktest.timeutil import utcnow

MODES = ("coordinator", "tester")
QUEUE_LIMIT = 50


def second_entry_mode(round_: Round) -> str:
    record_ = fieldwork_record(round_)
    return record_.second_entry if record_ else "coordinator"


def set_second_entry(round_: Round, mode: str) -> None:
    """Choose who confirms responses; audited."""
    if mode not in MODES:
        raise FieldworkError(_("Choose who checks the responses."))
    record_ = _record_for_update(round_)
    old = record_.second_entry or "coordinator"
    record_.second_entry = mode
    db.session.flush()
    if old != mode:
        record("fieldwork.second_entry", round_, changes={"second_entry": [old, mode]},
               organisation_id=round_.organisation_id)


def _eligible():
    """Responses that wait for a second tester: answered, unchecked, in a round that asks for it."""
    return (select(Response).join(Response.application).join(Application.test).join(Test.round)
            .join(RoundFieldwork, RoundFieldwork.round_id == Round.id)
            .where(RoundFieldwork.second_entry == "tester", Response.outcome != "no_response",
                   Response.second_outcome.is_(None), Response.verified_at.is_(None),
                   Test.status != TestStatus.CANCELLED))


def second_entry_queue(tester: User) -> list[Response]:
    """What this tester can check: other testers' responses of their own organisation."""
    query = (_eligible().where(Round.organisation_id == tester.organisation_id, Test.tester_id != tester.id,
                               (Response.recorded_by_id != tester.id) | Response.recorded_by_id.is_(None))
             .options(contains_eager(Response.application).contains_eager(Application.test)
                      .contains_eager(Test.round), selectinload(Response.evidence))
             .order_by(Response.recorded_at).limit(QUEUE_LIMIT))
    return list(db.session.scalars(query).unique())


def can_second_enter(response: Response, user: User) -> bool:
    test = response.application.test
    return (user.role == Role.TESTER and test.round.organisation_id == user.organisation_id
            and test.tester_id != user.id and response.recorded_by_id != user.id
            and db.session.scalar(_eligible().where(Response.id == response.id)) is not None)


def record_second_entry(response: Response, outcome: str, user: User) -> bool:
    """The second tester's outcome; returns whether it agreed (and so verified the response). Audited."""
    if not can_second_enter(response, user):
        raise FieldworkError(_("This response is not waiting for your check."))
    if outcome not in OUTCOMES:
        raise FieldworkError(_("Choose one of the outcomes."))
    now = utcnow()
    response.second_outcome, response.second_entry_by_id, response.second_entry_at = outcome, user.id, now
    agreed = outcome == response.outcome  # the outcome itself is unchanged: no sequential stop can move here
    if agreed:
        response.verified_at, response.verified_by_id = now, user.id
    db.session.flush()
    record("response.second_entry", response, summary="agreed" if agreed else "disagreement",
           changes={"second_outcome": [None, outcome]},
           organisation_id=response.application.test.round.organisation_id)
    return agreed


def resolve_disagreement(response: Response, outcome: str, reason: str, expected_version: int | None,
                         user: User) -> None:
    """A coordinator settles a disagreement: the outcome that stands, with a reason; audited old and new."""
    if expected_version != response.version:
        raise StaleResponse(_stale())
    if not response.is_disagreement:
        raise FieldworkError(_("This response has no disagreement to resolve."))
    if outcome not in (response.outcome, response.second_outcome):
        raise FieldworkError(_("Choose one of the two outcomes that were entered."))
    if not (reason or "").strip():
        raise FieldworkError(_("Give the reason for your choice."))
    old = response.outcome
    response.outcome = outcome
    response.verified_at, response.verified_by_id = utcnow(), user.id
    _update_decline(response, response.application.test.round)
    db.session.flush()
    test = response.application.test
    record("response.resolve", response, summary=reason.strip()[:500],
           changes={"outcome": [old, outcome], "second_outcome": [response.second_outcome, response.second_outcome]},
           organisation_id=test.round.organisation_id)
    if outcome != old:  # the outcome that stands changed: an adaptive retest's stop follows
        _after_response(test.round, test.target_id, user, f"response.resolve of response {response.id}")
