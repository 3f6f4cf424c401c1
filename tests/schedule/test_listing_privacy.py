"""Listing titles usually name the employer: shown only where audited (issue 12, item 14)."""
from __future__ import annotations

from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.rounds.models import Template
from tests.schedule.test_views import FORM, url


def _identity_views(db) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "target.identity_view")))


def test_the_schedule_page_shows_no_listing_titles(client, login_as, planned_round, db):
    login_as("coordinator")
    round_ = planned_round(targets=3)
    client.post(url(round_), data=FORM)
    html = client.get(url(round_)).get_data(as_text=True)
    assert "Vacature" not in html
    assert _identity_views(db) == []


def test_the_template_preview_is_an_audited_identity_view(client, login_as, planned_round, db):
    login_as("coordinator")
    round_ = planned_round(targets=3)
    template = db.session.scalars(select(Template).where(Template.round_id == round_.id)).first()
    html = client.get(f"/rounds/{round_.id}/templates/{template.id}/preview").get_data(as_text=True)
    assert "Vacature" in html  # the preview needs the real listing
    (event,) = _identity_views(db)
    assert event.changes == {"view": "template preview", "count": 3} and "Vacature" not in event.summary
