"""Keyset pagination of the audit log: every event exactly once, in order, both ways, whatever the URL says."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from praktijktest.audit import paging
from praktijktest.audit.models import AuditEvent
from tests.conftest import visible_text

EVENTS = 130  # 50 + 50 + 30


@pytest.fixture
def events(db, org):
    """EVENTS events, several sharing one timestamp, so that ties in time are broken by id."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    rows = [AuditEvent(created_at=start + timedelta(minutes=n // 4), actor="x@example.be", organisation_id=org.id,
                       action="page.event" if n % 3 else "other.event", summary=f"event-{n}")
            for n in range(EVENTS)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


@pytest.fixture
def english(client):
    client.post("/language", data={"locale": "en"})


def _newest_first(db, org, action: str | None = None) -> list[str]:
    query = select(AuditEvent.summary).where(AuditEvent.organisation_id == org.id,
                                             AuditEvent.summary.like("event-%"))
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())))


def _page(client, url: str) -> tuple[list[str], dict[str, str], str]:
    html = client.get(url).get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    links = {}
    for href, label in re.findall(r'<a href="(/audit/\?[^"]*)">([^<]+)</a>', html):
        links[label.strip()] = href.replace("&amp;", "&")
    return re.findall(r"event-\d+", body), links, visible_text(html)


def _walk(client, url: str, label: str) -> list[list[str]]:
    pages = []
    while url:
        rows, links, _ = _page(client, url)
        pages.append(rows)
        url = links.get(label)
    return pages


def test_older_then_newer_shows_every_event_once_in_order(client, login_as, org, db, events, english):
    login_as("coordinator", org)
    expected = _newest_first(db, org)
    pages = _walk(client, "/audit/", "Older")
    assert len(pages) == 3  # 130 events and the few the login wrote, 50 a page
    assert sum(pages, []) == expected
    _, links, text = _page(client, "/audit/")
    last = client.get(links["Older"]).get_data(as_text=True)
    last_url = re.findall(r'<a href="(/audit/\?[^"]*before=[^"]*)">Older', last)[0].replace("&amp;", "&")
    assert "Page 3 of 3" in _page(client, last_url)[2]
    back = _walk(client, last_url, "Newer")
    assert back == list(reversed(pages))
    assert "Page 1 of 3" in text


def test_filters_stay_on_every_page(client, login_as, org, db, events, english):
    login_as("coordinator", org)
    pages = _walk(client, "/audit/?action=page.event", "Older")
    assert sum(pages, []) == _newest_first(db, org, "page.event")
    assert [len(p) for p in pages] == [50, 36]


@pytest.mark.parametrize("query", ["before=abc", "before=99999999999", "after=-1", "page=99999",
                                   "before=1&after=2&page=0", "before=" + "9" * 40])
def test_unreadable_or_stale_cursors_show_a_page(client, login_as, org, events, query, english):
    login_as("coordinator", org)
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert "Page" in visible_text(response.get_data(as_text=True))


def test_a_long_log_says_more_than(client, login_as, org, events, monkeypatch, english):
    login_as("coordinator", org)
    monkeypatch.setattr(paging, "COUNT_LIMIT", 100)
    text = _page(client, "/audit/")[2]
    assert "Page 1 of more than 2" in text
