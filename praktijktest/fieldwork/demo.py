"""The demo housing round's fieldwork, relative to the day the demo is loaded.

The synthetic history (sends and responses up to November 2026, see
demo_rounds.py) stays as it is; on top of it:
- positive historical responses were declined the day after (as testers must);
- the applications not yet sent are moved, keeping their working-day spacing,
  so that the first of them falls on the working day before the load day:
  the demo tester has sends overdue, due today and later, whatever the day;
- the first pending test has its first application sent (awaiting a response);
- one more test is sent and answered yesterday with an invitation (a synthetic
  .eml as evidence) and a rejection: its decline is due today;
- a few historical responses carry synthetic e-mails as evidence, labelled
  synthetic, so that `flask evidence verify` has files to check on a fresh demo.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from praktijktest.extensions import db
from praktijktest.fieldwork.clock import decline_due, local_date, local_to_utc
from praktijktest.fieldwork.evidence import add_evidence
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.rounds.models import Round
from praktijktest.schedule.calendar import add_working_days, next_working_day, working_days_between
from praktijktest.timeutil import as_utc, utcnow

SEND_TIME = datetime.min.time().replace(hour=9)
SYNTHETIC_EVIDENCE = 8  # historical responses that get a synthetic e-mail


def synthetic_eml(profile_name: str, subject: str, body: str, when: datetime) -> bytes:
    """A small RFC 5322 message, marked synthetic in a header and in its subject."""
    return (f"From: Demoverhuurder <verhuur@demo.example>\r\nTo: {profile_name} <demo@demo.example>\r\n"
            f"Date: {as_utc(when).strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\nSubject: {subject} (synthetisch)\r\n"
            f"X-Praktijktest-Synthetic: yes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            ).encode()


def add_demo_fieldwork(round_: Round, tester) -> None:
    now = utcnow()
    _decline_history(round_)
    _evidence_history(round_, tester)
    pending = _shift_pending(round_, now)
    if len(pending) >= 2:
        _awaiting(pending[0], now)
        _answered_yesterday(round_, pending[1], tester, now)
    db.session.flush()


def _decline_history(round_: Round) -> None:
    """Historical answers came by e-mail, and every positive one was declined the next day."""
    responses = db.session.scalars(
        select(Response).join(Application).join(Test)
        .where(Test.round_id == round_.id, Response.responded_at.is_not(None))).all()
    for response in responses:
        response.channel = "email"
        if response.outcome in round_.positive_outcomes:
            response.decline_due_at = decline_due(as_utc(response.responded_at))
            response.decline_sent_at = as_utc(response.responded_at) + timedelta(hours=20)


def _evidence_history(round_: Round, tester) -> None:
    responses = db.session.scalars(
        select(Response).join(Application).join(Test)
        .where(Test.round_id == round_.id, Response.outcome.in_(("invitation", "rejection")))
        .order_by(Response.id).limit(SYNTHETIC_EVIDENCE)).all()
    for response in responses:
        name = response.application.profile_label or ""
        subject = "Uw aanvraag" if response.outcome == "rejection" else "Uitnodiging voor een bezoek aan de woning"
        body = ("Helaas is de woning al verhuurd." if response.outcome == "rejection"
                else "U bent welkom voor een bezoek aan de woning.")
        add_evidence(response, "reactie.eml", synthetic_eml(name, subject, body, response.responded_at),
                     uploaded_by=tester, is_synthetic=True)


def _shift_pending(round_: Round, now: datetime) -> list[Test]:
    """Move unsent applications so the first falls on the working day before today; returns pending tests."""
    apps = db.session.scalars(
        select(Application).join(Test).where(Test.round_id == round_.id, Application.sent_at.is_(None))
        .order_by(Application.scheduled_at)).all()
    if not apps:
        return []
    earliest = local_date(apps[0].scheduled_at)
    start = add_working_days(next_working_day(local_date(now)), -1)
    for app in apps:
        offset = working_days_between(earliest, local_date(app.scheduled_at))
        app.scheduled_at = local_to_utc(add_working_days(start, offset), SEND_TIME)
    tests = {app.test_id: app.test for app in apps}
    return sorted((t for t in tests.values() if all(a.sent_at is None for a in t.applications)),
                  key=lambda t: min(as_utc(a.scheduled_at) for a in t.applications))


def _awaiting(test: Test, now: datetime) -> None:
    first = min(test.applications, key=lambda a: a.send_order or 0)
    first.scheduled_at = first.sent_at = min(as_utc(first.scheduled_at), now - timedelta(hours=1))
    first.sent_channel = "email"
    test.status = TestStatus.IN_PROGRESS


def _answered_yesterday(round_: Round, test: Test, tester, now: datetime) -> None:
    today = local_date(now)
    days = [add_working_days(today, -3), add_working_days(today, -2)]
    apps = sorted(test.applications, key=lambda a: a.send_order or 0)
    for app, day in zip(apps, days, strict=False):
        app.scheduled_at = app.sent_at = local_to_utc(day, SEND_TIME)
        app.sent_channel = "email"
    received = min(local_to_utc(add_working_days(today, -1), SEND_TIME.replace(hour=14)), now - timedelta(minutes=5))
    invitation = Response(application=apps[0], outcome="invitation", responded_at=received, channel="email",
                          notes="synthetisch", recorded_by_id=tester.id, recorded_at=received,
                          decline_due_at=decline_due(received))
    rejection = Response(application=apps[1], outcome="rejection", responded_at=received, channel="email",
                         notes="synthetisch", recorded_by_id=tester.id, recorded_at=received)
    db.session.add_all([invitation, rejection])
    test.status = TestStatus.COMPLETED
    db.session.flush()
    name = apps[0].profile.name if apps[0].profile else ""
    add_evidence(invitation, "uitnodiging.eml", synthetic_eml(
        name, "Uitnodiging voor een bezoek aan de woning", "U bent welkom voor een bezoek aan de woning.", received),
        uploaded_by=tester, is_synthetic=True)
