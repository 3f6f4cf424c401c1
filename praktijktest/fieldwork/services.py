"""Fieldwork operations: assign, record a listing, send, record and verify responses,
declines, cancellation, and closing response windows.

Every write is audited and only flushed; the request commits once. Refusals
are FieldworkError with a translated message, raised before anything changes.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import insert, or_, select

from praktijktest.accounts.models import Role, User
from praktijktest.audit.services import diff, record
from praktijktest.extensions import db
from praktijktest.fieldwork.clock import decline_due, local_date
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.rounds.models import OUTCOMES, Round, RoundStatus, TestType
from praktijktest.schedule.calendar import working_days_between
from praktijktest.targets.listings import ListingError, add_listing
from praktijktest.timeutil import as_utc, utcnow

CHANNELS = ("email", "phone", "sms", "voicemail", "web_form", "letter")
SEND_CHANNELS = ("email", "web_form", "phone", "sms", "letter")
CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run a little ahead of the server's


class FieldworkError(ValueError):
    """A fieldwork action is refused, with the reason in the reader's language."""


class StaleResponse(FieldworkError):
    """The response changed since the form was opened; the earlier save is kept."""


def assign_tests(round_: Round, test_ids: list[int], tester: User) -> int:
    """Give tests of `round_` to `tester` (an active tester of the round's organisation); audited."""
    if tester.role != Role.TESTER or not tester.is_active or tester.organisation_id != round_.organisation_id:
        raise FieldworkError(_("Choose an active tester of your organisation."))
    tests = list(db.session.scalars(select(Test).where(Test.round_id == round_.id, Test.id.in_(test_ids or []))))
    if not tests:
        raise FieldworkError(_("Choose at least one test."))
    moved = [t for t in tests if t.tester_id != tester.id]
    for test in moved:
        record("test.assign", test, summary=f"{test.external_id} to {tester.email}",
               changes={"tester_id": [test.tester_id, tester.id]}, organisation_id=round_.organisation_id)
        test.tester_id = tester.id
    db.session.flush()
    return len(moved)


def record_listing(test: Test, title: str, *, url: str | None, seen_on, snapshot=None):
    """The ad a tester found for a test that had none (the schedule allows that); audited."""
    if test.listing_id is not None:
        raise FieldworkError(_("This test already has its vacancy or ad."))
    _refuse_cancelled(test)
    try:
        listing = add_listing(test.target, title, url=url, seen_on=seen_on, snapshot=snapshot)
    except ListingError as error:
        raise FieldworkError(str(error)) from None
    test.listing = listing
    db.session.flush()
    record("test.listing", test, summary=f"{test.external_id}: listing {listing.id}",
           changes={"listing_id": [None, listing.id]}, organisation_id=test.round.organisation_id)
    return listing


def mark_sent(application: Application, sent_at: datetime, channel: str) -> list[str]:
    """Record that an application went out; returns the warnings (early, late, too close)."""
    test = application.test
    _refuse_cancelled(test)
    if test.round.status != RoundStatus.FIELDWORK:
        raise FieldworkError(_("Applications are sent only while the round is in fieldwork."))
    _refuse_stopped_target(test)
    if test.listing_id is None:
        raise FieldworkError(_("Record the vacancy or ad first: an application answers a listing."))
    if application.sent_at is not None:
        raise FieldworkError(_("This application was already recorded as sent."))
    if channel not in SEND_CHANNELS:
        raise FieldworkError(_("Choose how the application was sent."))
    if as_utc(sent_at) > utcnow() + CLOCK_SKEW:
        raise FieldworkError(_("The date and time of sending lie in the future."))
    warnings = send_warnings(application, sent_at)
    application.sent_at, application.sent_channel = sent_at, channel
    test.mark_progress()
    db.session.flush()
    record("application.sent", application, summary="; ".join(warnings),
           changes={"sent_at": [None, sent_at.isoformat()], "sent_channel": [None, channel]},
           organisation_id=test.round.organisation_id)
    return warnings


def _refuse_stopped_target(test: Test) -> None:
    """The queue hides a stopped target's unstarted tests; a send page opened by URL is refused the same way."""
    from praktijktest.followup.sequential import is_stopped

    if test.status == TestStatus.PLANNED and is_stopped(test.round_id, test.target_id):
        raise FieldworkError(_("The retest's pre-registered rule has stopped this party: "
                               "its tests that have not started are not sent."))


def send_warnings(application: Application, sent_at: datetime) -> list[str]:
    """Early or late against the schedule; closer to another send of the test than the round's lag."""
    warnings = []
    day = local_date(sent_at)
    if application.scheduled_at is not None:
        planned = local_date(application.scheduled_at)
        if day < planned:
            warnings.append(_("Sent earlier than planned (%(day)s).", day=planned.strftime("%d/%m/%Y")))
        elif day > planned:
            warnings.append(_("Sent later than planned (%(day)s).", day=planned.strftime("%d/%m/%Y")))
    lag = int(((application.test.round.planning or {}).get("schedule") or {}).get("lag_min", 1))
    for other in application.test.applications:
        if other.id == application.id or other.sent_at is None:
            continue
        first, last = sorted((local_date(other.sent_at), day))
        if working_days_between(first, last) < lag:
            warnings.append(_too_close(lag))
            break
    return warnings


def _too_close(lag: int) -> str:
    return ngettext("Another application to this ad went out less than %(num)d working day before or after this one.",
                    "Another application to this ad went out less than %(num)d working days before or after this one.",
                    lag)


def save_response(application: Application, *, expected_version: int | None, outcome: str,
                  received_at: datetime | None, channel: str | None, notes: str, user: User,
                  reason: str = "") -> Response:
    """Record or change the response of a sent application, with optimistic locking; audited.

    `expected_version` is the version the form was made from (None: there was
    no response yet). A verified response changes only with a reason, and its
    verification is then withdrawn: the new values have not been checked.
    """
    round_ = application.test.round
    values = _response_values(application, round_, outcome, received_at, channel, notes)
    response = application.response
    if response is None:
        if expected_version is not None:
            raise StaleResponse(_stale())
        response = Response(application=application, recorded_by_id=user.id, recorded_at=utcnow(), **values)
        db.session.add(response)
        action, changes = "response.create", {k: [None, _plain(v)] for k, v in values.items()}
    else:
        if expected_version is None or expected_version != response.version:
            raise StaleResponse(_stale())
        changes = diff(response, values)
        if response.verified_at is not None and changes and not (reason or "").strip():
            raise FieldworkError(_("This response was verified: give a reason for the change."))
        if response.verified_at is not None and changes:
            changes["verified_at"] = [response.verified_at.isoformat(), None]
            response.verified_at = response.verified_by_id = None
        for key, value in values.items():
            setattr(response, key, value)
        action = "response.update"
    _update_decline(response, round_)
    application.test.mark_progress()
    db.session.flush()
    if changes:
        record(action, response, summary=(reason or "").strip()[:500], changes=changes,
               organisation_id=round_.organisation_id)
    _after_response(round_, application.test.target_id, user, f"{action} of response {response.id}")
    return response


def _response_values(application, round_, outcome, received_at, channel, notes) -> dict:
    if application.sent_at is None:
        raise FieldworkError(_("Record first that the application was sent."))
    if outcome not in OUTCOMES:
        raise FieldworkError(_("Choose one of the outcomes."))
    if outcome != "no_response":
        if received_at is None or channel not in CHANNELS:
            raise FieldworkError(_("Give when and how the response came in."))
        if as_utc(received_at) < as_utc(application.sent_at):
            raise FieldworkError(_("The response cannot have come in before the application was sent."))
        if as_utc(received_at) > utcnow() + CLOCK_SKEW:
            raise FieldworkError(_("The date and time of the response lie in the future."))
    else:
        received_at, channel = None, None
    return {"outcome": outcome, "responded_at": received_at, "channel": channel, "notes": (notes or "").strip()[:5000]}


def _update_decline(response: Response, round_: Round) -> None:
    """A positive response gets a decline task; one that is no longer positive loses an unsent one."""
    positive = response.outcome in (round_.positive_outcomes or [])
    if positive and response.decline_due_at is None and response.responded_at is not None:
        response.decline_due_at = decline_due(response.responded_at)
    elif not positive and response.decline_sent_at is None:
        response.decline_due_at = None


def verify_response(response: Response, expected_version: int | None, user: User) -> None:
    """A coordinator confirms the response against its evidence (second entry); audited."""
    if expected_version != response.version:
        raise StaleResponse(_stale())
    if response.verified_at is not None:
        raise FieldworkError(_("This response is already verified."))
    response.verified_at, response.verified_by_id = utcnow(), user.id
    db.session.flush()
    record("response.verify", response, changes={"verified_at": [None, response.verified_at.isoformat()]},
           organisation_id=response.application.test.round.organisation_id)


def mark_decline_sent(response: Response) -> None:
    """The tester declined the invitation politely; audited."""
    if response.decline_due_at is None:
        raise FieldworkError(_("This response needs no decline."))
    if response.decline_sent_at is not None:
        raise FieldworkError(_("The decline was already recorded as sent."))
    response.decline_sent_at = utcnow()
    db.session.flush()
    record("response.decline_sent", response, changes={"decline_sent_at": [None, response.decline_sent_at.isoformat()]},
           organisation_id=response.application.test.round.organisation_id)


def cancel_test(test: Test, reason: str) -> None:
    """Cancel a test (the ad was withdrawn), with its reason; it is left out of the analysis."""
    if not (reason or "").strip():
        raise FieldworkError(_("Give the reason for cancelling the test."))
    if len(reason) > 2000:
        raise FieldworkError(_("Keep the reason under 2,000 characters."))
    old = test.status
    try:
        test.cancel(reason, utcnow())
    except ValueError:
        raise FieldworkError(_("Only a test that is not completed or cancelled can be cancelled.")) from None
    db.session.flush()
    record("test.cancel", test, summary=test.cancel_reason, changes={"status": [old, TestStatus.CANCELLED]},
           organisation_id=test.round.organisation_id)
    _after_response(test.round, test.target_id, None, f"test.cancel of test {test.id}")


def close_expired_windows(round_ids: list[int] | None = None, *, tester_id: int | None = None,
                          now: datetime | None = None) -> int:
    """Give every sent application whose response window has passed without a response the
    outcome no_response. The CLI runs it for a scheduler, and every page that reads
    responses runs it first, so that both always agree. Returns how many were closed.

    Two queries whatever the data size: the windows of the rounds in scope, then the
    expired applications only (one cut-off per distinct window length).
    """
    now = now or utcnow()
    # Mystery calls have no response window: their answer is recorded with the call.
    scope = select(Round.id, Round.response_window_days).where(Round.test_type != TestType.MYSTERY_CALL)
    if round_ids is not None:
        scope = scope.where(Round.id.in_(round_ids))
    if tester_id is not None:
        scope = scope.where(Round.id.in_(select(Test.round_id).where(Test.tester_id == tester_id)))
    by_window: dict[int, list[int]] = {}
    for round_id, window in db.session.execute(scope):
        by_window.setdefault(window, []).append(round_id)
    if not by_window:
        return 0
    cut_offs = or_(*[Test.round_id.in_(ids) & (Application.sent_at <= now - timedelta(days=window))
                     for window, ids in by_window.items()])
    query = (select(Application.id, Test.round_id, Round.organisation_id)
             .join(Test, Application.test_id == Test.id).join(Round, Test.round_id == Round.id)
             .outerjoin(Response, Response.application_id == Application.id)
             .where(Test.status != TestStatus.CANCELLED, Response.id.is_(None), Application.sent_at.is_not(None),
                    cut_offs))
    if tester_id is not None:
        query = query.where(Test.tester_id == tester_id)
    expired: dict[tuple[int, int], list[int]] = {}
    for app_id, round_id, organisation_id in db.session.execute(query):
        expired.setdefault((round_id, organisation_id), []).append(app_id)
    for (round_id, organisation_id), app_ids in expired.items():
        db.session.execute(insert(Response), [
            {"application_id": app_id, "outcome": "no_response", "notes": "", "recorded_at": now, "version": 1}
            for app_id in app_ids])
        _complete_tests(app_ids)
        record("response.window_closed", None, summary=f"round {round_id}: {len(app_ids)} applications",
               changes={"application_ids": app_ids[:1000]}, organisation_id=organisation_id)
    _after_responses({round_id for round_id, _ in expired})
    return sum(len(ids) for ids in expired.values())


def _after_response(round_: Round, target_id: int, user: User | None, cause: str) -> None:
    """A response of the target was recorded or corrected, or one of its tests cancelled: an adaptive retest's
    rule runs again along the target's path, which records, lifts or moves its stop (followup.sequential)."""
    from praktijktest.followup.sequential import stored_rule, update_stops

    if stored_rule(round_):
        update_stops(round_, [target_id], actor=user, cause=cause)


def _after_responses(round_ids) -> None:
    """An adaptive retest's rule may decide on new responses: record its stops (followup.sequential)."""
    from praktijktest.followup.sequential import update_stops_of_rounds

    if round_ids:
        update_stops_of_rounds(round_ids)


def _complete_tests(application_ids: list[int]) -> None:
    """Tests whose every application now has a response are completed."""
    test_ids = select(Application.test_id).where(Application.id.in_(application_ids))
    open_apps = select(Application.test_id).outerjoin(Response).where(Response.id.is_(None))
    db.session.execute(
        Test.__table__.update()
        .where(Test.id.in_(test_ids), Test.id.not_in(open_apps), Test.status != TestStatus.CANCELLED)
        .values(status=TestStatus.COMPLETED)
    )
    db.session.expire_all()


def _refuse_cancelled(test: Test) -> None:
    if test.is_cancelled:
        raise FieldworkError(_("This test was cancelled."))


def _stale() -> str:
    return _("Someone else saved this response in the meantime. Their version is kept; reload the page to see it "
             "and make your change again.")


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
