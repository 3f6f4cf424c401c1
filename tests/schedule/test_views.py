"""The schedule page: generate, balance report, CSV, remove, refusals, no identities on the page."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Test
from tests.conftest import visible_text


@pytest.fixture(autouse=True)
def english(client):
    """The assertions below read the English source strings."""
    client.post("/language", data={"locale": "en"})


FORM = {"start_date": "2026-05-13", "lag_min": "1", "lag_max": "3", "tests_per_day": "5", "seed": "11"}


def url(round_, suffix=""):
    return f"/rounds/{round_.id}/schedule{suffix}"


def test_generate_from_the_page_and_see_the_balance(client, login_as, planned_round, db):
    login_as("coordinator")
    round_ = planned_round(targets=8)
    page = client.get(url(round_))
    assert page.status_code == 200 and "No schedule yet" in visible_text(page.get_data(as_text=True))
    response = client.post(url(round_), data={**FORM, "version": round_.version})
    assert response.status_code == 302
    text = visible_text(client.get(url(round_)).get_data(as_text=True))
    assert "Balance report" in text and "Exactly balanced" in text
    assert "8 tests, 16 applications; draw number 11" in text
    assert "Werkgever" not in text  # codes only on the page
    assert db.session.scalar(select(func.count(Test.id)).where(Test.round_id == round_.id)) == 8


def test_regenerating_needs_the_replace_box(client, login_as, planned_round, db):
    login_as("coordinator")
    round_ = planned_round(targets=3)
    client.post(url(round_), data={**FORM, "version": round_.version})
    db.session.refresh(round_)
    again = client.post(url(round_), data={**FORM, "seed": "12", "version": round_.version})
    assert again.status_code == 200 and "tick this box to replace it" in again.get_data(as_text=True)
    assert round_.schedule_seed == 11
    replaced = client.post(url(round_), data={**FORM, "seed": "12", "replace": "y", "version": round_.version})
    db.session.refresh(round_)
    assert replaced.status_code == 302 and round_.schedule_seed == 12


def test_bad_input_is_shown_not_a_500(client, login_as, planned_round):
    login_as("coordinator")
    round_ = planned_round(targets=3)
    response = client.post(url(round_), data={**FORM, "lag_min": "4", "lag_max": "2", "start_date": "morgen"})
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200 and "cannot be shorter" in text
    # One summary at the top links to each field with a problem; no second banner says the same.
    html = response.get_data(as_text=True)
    assert 'href="#lag_max"' in html.split('class="error-summary"')[1].split("</div>")[0]
    assert "correct the fields" not in text


def test_refusal_from_the_service_is_flashed(client, login_as, planned_round):
    login_as("coordinator")
    round_ = planned_round(targets=3, templates=1)
    response = client.post(url(round_), data=FORM, follow_redirects=True)
    assert "at least 2 templates" in response.get_data(as_text=True)


def test_stale_form_is_refused(client, login_as, planned_round):
    login_as("coordinator")
    round_ = planned_round(targets=3)
    response = client.post(url(round_), data={**FORM, "version": round_.version - 1})
    assert "Someone else changed this round" in response.get_data(as_text=True)


def test_csv_has_every_application_and_is_audited(client, login_as, planned_round, db):
    login_as("coordinator")
    round_ = planned_round(targets=4)
    client.post(url(round_), data=FORM)
    response = client.post(url(round_, ".csv"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 8
    assert {r["Send order"] for r in rows} == {"1", "2"}
    assert all(r["Target name"].startswith("Werkgever") and r["Target code"] for r in rows)
    # 13 May 2026 is summer time: sends planned at 09:00 in Brussels are 07:00 UTC, written with the offset.
    first = min(r["Planned send (Brussels time, with UTC offset)"] for r in rows)
    assert first == "2026-05-13T09:00:00+02:00"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "target.identity_view")).one()
    assert event.changes == {"view": "schedule.csv", "count": 4} and "Werkgever" not in event.summary


def test_remove_the_schedule(client, login_as, planned_round, db):
    login_as("coordinator")
    round_ = planned_round(targets=3)
    client.post(url(round_), data=FORM)
    unconfirmed = client.post(url(round_, "/remove"), data={}, follow_redirects=True)
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    response = client.post(url(round_, "/remove"), data={"confirm": "y"}, follow_redirects=True)
    assert "was removed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Test.id)).where(Test.round_id == round_.id)) == 0
    db.session.refresh(round_)
    assert round_.schedule_seed is None and "schedule" not in round_.planning


def test_after_fieldwork_the_page_shows_no_form(client, login_as, planned_round, db):
    login_as("coordinator")
    round_ = planned_round(targets=3)
    client.post(url(round_), data=FORM)
    db.session.refresh(round_)
    round_.transition_to("ready")
    round_.transition_to("fieldwork")
    db.session.flush()
    page = client.get(url(round_)).get_data(as_text=True)
    assert "the schedule is fixed" in page and 'name="lag_min"' not in page
    refused = client.post(url(round_), data={**FORM, "replace": "y"}, follow_redirects=True)
    assert "can no longer be generated" in refused.get_data(as_text=True)


def test_pages_of_a_long_schedule(client, login_as, planned_round):
    login_as("coordinator")
    round_ = planned_round(targets=60, testers=1)
    client.post(url(round_), data=FORM)
    text = visible_text(client.get(url(round_) + "?page=2").get_data(as_text=True))
    assert "Tests 51 to 60 of 60" in text and "Page 2 of 2" in text


def test_the_page_speaks_dutch(client, login_as, planned_round):
    client.post("/language", data={"locale": "nl_BE"})
    login_as("coordinator")
    round_ = planned_round(targets=4)
    client.post(url(round_), data=FORM)
    text = visible_text(client.get(url(round_)).get_data(as_text=True))
    assert "Volledig in evenwicht" in text and "Groep × sjabloon" in text


def test_csv_names_targets_so_only_a_post_with_csrf_gives_it(app, client, login_as, planned_round, monkeypatch):
    """A cross-site link (GET) or a forged form (no CSRF token) gets no file (issue 12, item 16)."""
    login_as("coordinator")
    round_ = planned_round(targets=2)
    client.post(url(round_), data=FORM)
    assert client.get(url(round_, ".csv")).status_code == 405
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    forged = client.post(url(round_, ".csv"))
    assert forged.status_code in (302, 400) and forged.mimetype != "text/csv"
