"""The coordinator's fieldwork pages: assign, progress with links, decline texts, close fieldwork."""
from __future__ import annotations

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.fieldwork.closure import fieldwork_record
from tests.conftest import visible_text
from tests.fieldwork.conftest import round_tests


def test_assign_a_selection_to_a_tester_audited(client, login_as, fieldwork_round, make_user, org):
    login_as("coordinator", org)
    round_ = fieldwork_round(tests=3)
    newcomer = make_user("tester", org)
    tests = round_tests(round_)
    page = client.get(f"/rounds/{round_.id}/fieldwork/assign")
    assert page.status_code == 200 and all(t.external_id in page.get_data(as_text=True) for t in tests)
    response = client.post(f"/rounds/{round_.id}/fieldwork/assign",
                           data={"test_ids": [tests[0].id, tests[2].id], "tester": newcomer.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert [t.tester_id == newcomer.id for t in round_tests(round_)] == [True, False, True]
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "test.assign")).all()
    assert len(events) == 2


def test_a_tester_of_another_organisation_cannot_be_chosen(client, login_as, fieldwork_round, make_user, other_org,
                                                           org):
    login_as("coordinator", org)
    round_ = fieldwork_round(tests=1)
    outsider = make_user("tester", other_org)
    before = round_tests(round_)[0].tester_id
    client.post(f"/rounds/{round_.id}/fieldwork/assign", data={"test_ids": [round_tests(round_)[0].id],
                                                              "tester": outsider.id})
    db.session.expire_all()
    assert round_tests(round_)[0].tester_id == before


def test_progress_numbers_link_to_their_lists_and_fieldwork_closes_with_reasons(client, login_as, fieldwork_round,
                                                                                org):
    login_as("coordinator", org)
    round_ = fieldwork_round(tests=2)
    page = client.get(f"/rounds/{round_.id}/fieldwork").get_data(as_text=True)
    link = f"/rounds/{round_.id}/fieldwork/applications?state=planned"
    assert link in page
    listing = visible_text(client.get(link).get_data(as_text=True))
    assert "4 applications" in listing and all(t.external_id in listing for t in round_tests(round_))
    refused = client.post(f"/rounds/{round_.id}/fieldwork/close", data={})
    assert "Resolve each open item" in refused.get_data(as_text=True)
    assert fieldwork_record(round_) is None or fieldwork_record(round_).closed_at is None
    closed = client.post(f"/rounds/{round_.id}/fieldwork/close", data={"unsent": "Het zoekertje werd ingetrokken."},
                         follow_redirects=True)
    assert "Fieldwork was closed on" in visible_text(closed.get_data(as_text=True))
    assert fieldwork_record(round_).accepted_open_items["unsent"] == {"count": 4,
                                                                      "reason": "Het zoekertje werd ingetrokken."}


def test_decline_texts_are_checked_like_templates(client, login_as, fieldwork_round, org):
    login_as("coordinator", org)
    round_ = fieldwork_round(tests=1)
    bad = client.post(f"/rounds/{round_.id}/fieldwork/declines", data={"nl": "Dag {{ profile.nmae }}"})
    assert "field-error" in bad.get_data(as_text=True)
    good = client.post(f"/rounds/{round_.id}/fieldwork/declines", data={"nl": "Beste, ik zie af. {{ profile.name }}"})
    assert good.status_code == 302
    assert fieldwork_record(round_).decline_texts == {"nl": "Beste, ik zie af. {{ profile.name }}"}


def test_schedule_csv_headers_follow_the_readers_language(client, login_as, fieldwork_round, org):
    login_as("coordinator", org)
    round_ = fieldwork_round(tests=1)
    client.post("/language", data={"locale": "nl_BE"})
    text = client.post(f"/rounds/{round_.id}/schedule.csv").get_data(as_text=True).lstrip("\ufeff")
    header = text.splitlines()[0]
    assert header.startswith("Test,Code van de werkgever of verhuurder")
    assert "Geplande verzending (Brusselse tijd" in header
    import csv
    from datetime import datetime
    from zoneinfo import ZoneInfo

    planned = datetime.fromisoformat(next(csv.reader(text.splitlines()[1:]))[-1])
    # Sends are planned at 09:00 Brussels time, written with that day's offset (+01:00 winter, +02:00 summer).
    assert (planned.hour, planned.minute) == (9, 0)
    assert planned.utcoffset() == planned.replace(tzinfo=ZoneInfo("Europe/Brussels")).utcoffset()


def test_the_progress_page_closes_expired_windows_before_it_counts(client, login_as, fieldwork_round, org):
    """The scan that counts also finds expired windows: they are closed (no_response) before the page shows them."""
    from datetime import timedelta

    from praktijktest.fieldwork.models import Response
    from praktijktest.fieldwork.queries import round_progress
    from praktijktest.timeutil import utcnow

    login_as("coordinator", org)
    round_ = fieldwork_round(tests=2)
    expired, fresh = round_tests(round_)[0].applications[0], round_tests(round_)[1].applications[0]
    expired.sent_at = utcnow() - timedelta(days=round_.response_window_days, minutes=5)
    fresh.sent_at = utcnow() - timedelta(days=round_.response_window_days - 1)
    db.session.commit()
    assert client.get(f"/rounds/{round_.id}/fieldwork").status_code == 200
    db.session.expire_all()
    closed = db.session.scalars(db.select(Response)).all()
    assert [(r.application_id, r.outcome) for r in closed] == [(expired.id, "no_response")]
    totals = round_progress(round_).totals
    assert (totals["no_response"], totals["awaiting"], totals["expired"]) == (1, 1, 0)
