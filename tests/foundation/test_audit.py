"""The audit log is append-only, scoped to the organisation, and filterable."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.audit.services import record
from tests.conftest import visible_text


def test_the_orm_refuses_to_change_or_delete_events(db, org):
    event = record("test.event", org, summary="first")
    event.summary = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_update_and_delete(db, org):
    event = record("test.event", org, summary="first")
    for statement in (
        sa.update(AuditEvent).where(AuditEvent.id == event.id).values(summary="x"),
        sa.delete(AuditEvent).where(AuditEvent.id == event.id),
    ):
        savepoint = db.session.begin_nested()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(statement)
        savepoint.rollback()


def test_coordinator_sees_only_own_organisation(client, login_as, org, other_org):
    record("secret.thing", other_org, summary="elsewhere", organisation_id=other_org.id)
    record("own.thing", org, summary="here", organisation_id=org.id)
    login_as("coordinator", org)
    text = visible_text(client.get("/audit/").get_data(as_text=True))
    assert "own.thing" in text and "secret.thing" not in text


def test_filters(client, login_as, org, db):
    login_as("coordinator", org)
    record("round.create", org, summary="A", organisation_id=org.id)
    record("round.delete", org, summary="B", organisation_id=org.id)
    html = client.get("/audit/?action=round.create").get_data(as_text=True)
    rows = visible_text(html.split("<tbody>", 1)[1])
    # Known actions are shown in words, unknown ones by their code.
    assert "Testronde aangemaakt" in rows and "round.delete" not in rows
    rows = client.get("/audit/?actor=nobody-like-this").get_data(as_text=True)
    assert "Geen gebeurtenissen" in visible_text(rows)
    # An unreadable date filters nothing rather than failing.
    assert client.get("/audit/?date_from=31-31-2026").status_code == 200


def test_date_filter(client, login_as, org, db):
    login_as("coordinator", org)
    record("dated.event", org, organisation_id=org.id)
    assert "dated.event" in client.get("/audit/?date_from=2000-01-01&action=dated.event").get_data(as_text=True)
    page = client.get("/audit/?date_to=2000-01-01&action=dated.event").get_data(as_text=True)
    assert "Geen gebeurtenissen" in visible_text(page)


def test_changes_are_shown_with_old_and_new(client, login_as, org, db):
    login_as("coordinator", org)
    record("thing.update", org, changes={"status": ["draft", "ready"]}, organisation_id=org.id)
    text = visible_text(client.get("/audit/?action=thing.update").get_data(as_text=True))
    # Shown in words: the status labels, not the stored codes.
    assert "status: Ontwerp → Klaar" in text and "draft" not in text


def test_every_write_service_left_a_trace(db, make_user, org):
    user = make_user("tester")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"organisation.create", "user.create"} <= actions
    assert user.email in db.session.scalars(select(AuditEvent.summary)).all()[-1]


def test_pages_keep_the_filter(client, login_as, org, db):
    login_as("coordinator", org)
    for number in range(55):
        record("bulk.event", org, summary=str(number), organisation_id=org.id)
    html = client.get("/audit/?action=bulk.event").get_data(as_text=True)
    assert "Pagina 1 van 2" in visible_text(html)
    # The "older" link names where the next page starts (keyset pagination) and keeps the filter.
    older = re.search(r'href="(/audit/\?[^"]*before=\d+[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "action=bulk.event" in older and "page=2" in older
    second = client.get(older).get_data(as_text=True)
    assert "Pagina 2 van 2" in visible_text(second)
    rows = second.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count(">bulk.event</td>") == 5
