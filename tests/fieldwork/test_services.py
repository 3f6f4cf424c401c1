"""Fieldwork rules: windows, declines on Belgian working days, locking, verification, closing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.fieldwork.clock import decline_due
from praktijktest.fieldwork.closure import close_fieldwork, decline_text, is_fieldwork_closed
from praktijktest.fieldwork.queries import open_items, round_progress
from praktijktest.fieldwork.services import (
    FieldworkError,
    StaleResponse,
    assign_tests,
    cancel_test,
    close_expired_windows,
    mark_sent,
    save_response,
    send_warnings,
    verify_response,
)
from praktijktest.timeutil import utcnow
from tests.fieldwork.conftest import round_tests


def _sent(app, days_ago: float):
    app.sent_at = utcnow() - timedelta(days=days_ago)
    db.session.flush()
    return app


@pytest.mark.parametrize(("received", "due_day"), [
    (datetime(2026, 12, 18, 10, 0, tzinfo=UTC), "2026-12-21"),  # Friday -> Monday
    (datetime(2026, 12, 24, 10, 0, tzinfo=UTC), "2026-12-28"),  # Christmas Eve -> past Christmas and the weekend
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2027-01-04"),  # 00:30 on 1 January in Brussels, a holiday
])
def test_a_decline_is_due_by_the_end_of_the_next_belgian_working_day(received, due_day):
    due = decline_due(received).astimezone(ZoneInfo("Europe/Brussels"))
    assert due.date().isoformat() == due_day and (due.hour, due.minute) == (23, 59)


def test_windows_close_after_the_rounds_window_and_the_cli_agrees(db, fieldwork_round, runner, org):
    round_ = fieldwork_round()
    old, fresh = round_tests(round_)[0].applications
    _sent(old, 15)  # window is 14 days
    _sent(fresh, 13)
    assert close_expired_windows([round_.id]) == 1
    db.session.expire_all()
    assert old.response.outcome == "no_response" and fresh.response is None
    assert close_expired_windows([round_.id]) == 0  # nothing twice
    _sent(fresh, 14.01)
    result = runner.invoke(args=["fieldwork", "close-windows"])
    assert result.exit_code == 0 and "1 applications closed" in result.output
    db.session.expire_all()
    assert fresh.response.outcome == "no_response" and round_tests(round_)[0].status == "completed"


def test_a_stale_version_is_refused_and_the_first_save_kept(db, fieldwork_round, make_user):
    tester = make_user("tester")
    app = _sent(round_tests(fieldwork_round(tester=tester))[0].applications[0], 1)
    first = save_response(app, expected_version=None, outcome="rejection", received_at=utcnow(), channel="email",
                          notes="", user=tester)
    version = first.version
    save_response(app, expected_version=version, outcome="invitation", received_at=utcnow(), channel="email",
                  notes="eerste", user=tester)
    with pytest.raises(StaleResponse):
        save_response(app, expected_version=version, outcome="rejection", received_at=utcnow(), channel="phone",
                      notes="tweede", user=tester)
    with pytest.raises(StaleResponse):  # a form made before any response existed
        save_response(app, expected_version=None, outcome="rejection", received_at=utcnow(), channel="phone",
                      notes="", user=tester)
    assert app.response.outcome == "invitation" and app.response.notes == "eerste"


def test_an_edit_after_verification_needs_a_reason_and_is_audited_with_old_and_new(db, fieldwork_round, make_user):
    tester, coordinator = make_user("tester"), make_user("coordinator")
    app = _sent(round_tests(fieldwork_round(tester=tester))[0].applications[0], 1)
    response = save_response(app, expected_version=None, outcome="rejection", received_at=utcnow(), channel="email",
                             notes="", user=tester)
    verify_response(response, response.version, coordinator)
    with pytest.raises(FieldworkError, match="reason"):
        save_response(app, expected_version=response.version, outcome="invitation", received_at=utcnow(),
                      channel="email", notes="", user=tester)
    save_response(app, expected_version=response.version, outcome="invitation", received_at=utcnow(),
                  channel="email", notes="", user=tester, reason="De tweede mail was een uitnodiging.")
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "response.update")).all()[-1]
    assert event.changes["outcome"] == ["rejection", "invitation"]
    assert event.summary == "De tweede mail was een uitnodiging."
    assert response.verified_at is None  # the new values have not been checked yet


def test_sends_warn_when_early_late_or_too_close(db, fieldwork_round):
    round_ = fieldwork_round()
    round_.planning = {**round_.planning, "schedule": {**round_.planning["schedule"], "lag_min": 2}}
    first, second = sorted(round_tests(round_)[0].applications, key=lambda a: a.send_order)
    planned = first.scheduled_at
    assert any("earlier" in w for w in send_warnings(first, planned - timedelta(days=1)))
    assert any("later" in w for w in send_warnings(first, planned + timedelta(days=1)))
    assert send_warnings(first, planned) == []
    mark_sent(first, planned, "email")
    assert any("working days" in w for w in send_warnings(second, planned))


def test_a_send_needs_a_listing_and_a_sent_test_cannot_be_sent_twice(db, fieldwork_round):
    round_ = fieldwork_round(with_listing=False)
    app = round_tests(round_)[0].applications[0]
    with pytest.raises(FieldworkError, match="listing"):
        mark_sent(app, utcnow(), "email")


def test_cancelled_tests_drop_out_of_the_open_items_and_keep_their_reason(db, fieldwork_round):
    round_ = fieldwork_round(tests=2)
    first, second = round_tests(round_)
    with pytest.raises(FieldworkError):
        cancel_test(first, "  ")
    cancel_test(first, "Het zoekertje werd ingetrokken.")
    assert first.status == "cancelled" and first.cancel_reason == "Het zoekertje werd ingetrokken."
    assert open_items(round_)["unsent"] == len(second.applications)
    assert round_progress(round_).totals["cancelled"] == len(first.applications)


def test_close_fieldwork_needs_every_open_item_resolved_or_accepted(db, fieldwork_round, make_user):
    coordinator = make_user("coordinator")
    round_ = fieldwork_round(tests=1)
    unsent = open_items(round_)["unsent"]
    assert unsent == 2
    with pytest.raises(FieldworkError, match="open item"):
        close_fieldwork(round_, {}, coordinator)
    closed = close_fieldwork(round_, {"unsent": "Vacature ingevuld"}, coordinator)
    assert is_fieldwork_closed(round_) and round_.status == "fieldwork"  # the status machine is left to analysis
    assert closed.accepted_open_items == {"unsent": {"count": 2, "reason": "Vacature ingevuld"}}
    with pytest.raises(FieldworkError, match="already closed"):
        close_fieldwork(round_, {"unsent": "x"}, coordinator)


def test_assign_only_to_an_active_tester_of_the_organisation(db, fieldwork_round, make_user, other_org):
    round_ = fieldwork_round(tests=2)
    tests = round_tests(round_)
    with pytest.raises(FieldworkError):
        assign_tests(round_, [t.id for t in tests], make_user("tester", other_org))
    with pytest.raises(FieldworkError):
        assign_tests(round_, [t.id for t in tests], make_user("viewer"))
    newcomer = make_user("tester")
    assert assign_tests(round_, [tests[0].id], newcomer) == 1
    assert tests[0].tester_id == newcomer.id and tests[1].tester_id != newcomer.id


def test_the_decline_is_in_the_profiles_language(db, fieldwork_round):
    round_ = fieldwork_round()
    apps = {a.profile.name: a for a in round_tests(round_)[0].applications}
    assert decline_text(round_, apps["Elif Yilmaz"]).startswith("Bonjour")
    assert decline_text(round_, apps["Lotte Wouters"]).startswith("Goedendag")
    assert decline_text(round_, apps["Lotte Wouters"]).rstrip().endswith("Lotte Wouters")


def test_progress_counts_match_a_count_by_hand(db, fieldwork_round, make_user):
    """Every figure of the progress page, checked against the applications counted one by one."""
    from praktijktest.fieldwork.models import Response

    round_ = fieldwork_round(tests=6)
    tests = round_tests(round_)
    outcomes = ["invitation", "rejection", "no_response", None, "invitation", None]
    for number, test in enumerate(tests):
        for app in test.applications:
            if number < 5:
                app.sent_at = utcnow() - timedelta(days=1)
            if outcomes[number]:
                db.session.add(Response(application=app, outcome=outcomes[number], responded_at=utcnow(),
                                        decline_due_at=utcnow() if outcomes[number] == "invitation" else None,
                                        verified_at=utcnow() if number == 4 else None))
    cancel_test(tests[5], "Zoekertje ingetrokken")
    db.session.flush()
    db.session.expire_all()
    apps = [app for test in round_tests(round_) for app in test.applications]
    live = [a for a in apps if a.test.status != "cancelled"]
    expected = {
        "planned": sum(a.sent_at is None for a in live), "awaiting": sum(a.sent_at and not a.response for a in live),
        "answered": sum(bool(a.response and a.response.outcome != "no_response") for a in live),
        "no_response": sum(bool(a.response and a.response.outcome == "no_response") for a in live),
        "cancelled": len(apps) - len(live), "verified": sum(bool(a.response and a.response.verified_at) for a in apps),
    }
    progress = round_progress(round_)
    assert {k: progress.totals[k] for k in expected} == expected == {
        "planned": 0, "awaiting": 2, "answered": 6, "no_response": 2, "cancelled": 2, "verified": 2}
    assert progress.open == {"unsent": 0, "open_windows": 2, "unverified": 4, "open_declines": 4}
    assert sum(row["answered"] for _, row in progress.by_tester) == 6
