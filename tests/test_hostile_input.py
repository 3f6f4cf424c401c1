"""No user input ever produces a 500.

Every form of every page a role can open is sent back filled with hostile
values (too long, not numbers, NUL bytes, markup, SQL, huge numbers); the
app must answer with a page or a redirect, never an error of its own. In
tests an unhandled exception propagates, so a crash fails with its traceback.
"""
from __future__ import annotations

import re
from html import unescape
from itertools import cycle

import pytest

from tests.test_access_matrix import EXPECTED, build_url, give_own_test_to, routes

HOSTILE = ["", "x" * 5000, "-1", "1e309", "abc", "\x00", "<script>alert(1)</script>", "' OR 1=1 --",
           "99999999999999999999", "2026-02-31", "ünïcödé ✓", "../../etc/passwd", "0", "nan"]
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)


def post_forms(html: str, page_url: str):
    """(action, field names) of each POST form on a page, skipping the language and logout forms."""
    for attributes, body in FORM.findall(html):
        if "post" not in attributes.lower():
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        url = unescape(action.group(1)) if action and action.group(1) else page_url
        if url.startswith(("/language", "/logout")):
            continue
        yield url, sorted(set(FIELD.findall(body)) - {"csrf_token"})


def _fieldwork_in_progress(objects) -> None:
    """The own round in fieldwork with one application sent and one not, so that the test page
    shows its send, response, listing and cancel forms to the crawl."""
    from datetime import timedelta

    from praktijktest.extensions import db
    from praktijktest.fieldwork.models import Application, Test
    from praktijktest.timeutil import utcnow

    test = db.session.get(Test, objects["own"]["test_id"])
    test.round.status = "fieldwork"
    sent = test.applications[0]
    sent.sent_at = utcnow() - timedelta(days=1)
    db.session.add(Application(test=test, group=sent.group, profile=sent.profile, template=sent.template))
    db.session.flush()


@pytest.mark.parametrize(("role", "at_least"), [("admin", 9), ("coordinator", 30), ("tester", 9)])
def test_every_form_survives_hostile_values(app, client, objects, login_as, org, role, at_least):
    give_own_test_to(login_as(role, org), objects)
    _fieldwork_in_progress(objects)
    values = cycle(HOSTILE)
    sent = 0
    for rule, method in routes(app):
        allowed, _ = EXPECTED.get(rule.endpoint, (set(), False))
        if method != "GET" or role not in allowed:
            continue
        page_url = build_url(app, rule, objects["own"])
        page = client.get(page_url)
        if page.mimetype != "text/html":
            page.close()
            continue
        for action, names in post_forms(page.get_data(as_text=True), page_url):
            for _ in range(3):  # a few different mixtures of hostile values per form
                data = {name: next(values) for name in names}
                response = client.post(action, data=data)
                assert response.status_code < 500, (action, data)
                response.close()
                sent += 1
    assert sent >= at_least, "the crawl found fewer forms than the pages have: did the parsing break?"


def test_query_strings_survive_hostile_values(app, client, objects, login_as, org):
    login_as("coordinator", org)
    for rule, method in routes(app):
        allowed, _ = EXPECTED.get(rule.endpoint, (set(), False))
        if method != "GET" or "coordinator" not in allowed:
            continue
        url = build_url(app, rule, objects["own"])
        for value in HOSTILE:
            response = client.get(url, query_string={"page": value, "format": value, "q": value, "kind": value,
                                                      "action": value, "date_from": value, "organisation": value})
            assert response.status_code < 500, (url, value)
            response.close()
