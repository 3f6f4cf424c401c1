"""No user input ever produces a 500.

Every form of every page a role can open is sent back filled with hostile
values (too long, not numbers, NUL bytes, markup, SQL, huge numbers); the
app must answer with a page or a redirect, never an error of its own. In
tests an unhandled exception propagates, so a crash fails with its traceback.
"""
from __future__ import annotations

import io
import re
from html import unescape
from itertools import cycle

import pytest

from tests.test_access_matrix import EXPECTED, build_url, give_own_test_to, routes

# NUL is refused with a 400 before any view runs (security.py), so it has a pass
# of its own: mixed in here it would stop every form it lands in before its view.
HOSTILE = ["", "x" * 5000, "-1", "1e309", "abc", "<script>alert(1)</script>", "' OR 1=1 --",
           "99999999999999999999", "2026-02-31", "ünïcödé ✓", "../../etc/passwd", "0", "nan"]
# The largest forms, which a mutation run found were never fuzzed past the NUL check (the round's
# edit form is the create form; the crawl's round is in fieldwork, where it can no longer be edited).
MUST_REACH = {"coordinator": ("/rounds/new", "/targets/{target_id}/edit")}
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


def own_forms(app, client, objects, role):
    """(action, field names) of every POST form on every page `role` may open."""
    for rule, method in routes(app):
        allowed, _ = EXPECTED.get(rule.endpoint, (set(), False))
        if method != "GET" or role not in allowed:
            continue
        page_url = build_url(app, rule, objects["own"])
        page = client.get(page_url)
        if page.mimetype != "text/html":
            page.close()
            continue
        yield from post_forms(page.get_data(as_text=True), page_url)


@pytest.mark.parametrize(("role", "at_least"), [("admin", 9), ("coordinator", 30), ("tester", 9)])
def test_every_form_survives_hostile_values(app, client, objects, login_as, org, role, at_least):
    give_own_test_to(login_as(role, org), objects)
    _fieldwork_in_progress(objects)
    values = cycle(HOSTILE)
    sent, reached = 0, set()
    for action, names in own_forms(app, client, objects, role):
        for _ in range(3):  # a few different mixtures of hostile values per form
            data = {name: next(values) for name in names}
            response = client.post(action, data=data)
            assert response.status_code < 500, (action, data)
            # 400 is the NUL refusal before the view: every post here must reach its view.
            assert response.status_code != 400, (action, data)
            response.close()
            sent += 1
            reached.add(action)
    assert sent >= at_least, "the crawl found fewer forms than the pages have: did the parsing break?"
    must_reach = {url.format(**objects["own"]) for url in MUST_REACH.get(role, ())}
    assert must_reach <= reached, must_reach - reached


def test_nul_in_any_field_of_any_form_is_refused_before_the_view(app, client, objects, login_as, org):
    login_as("coordinator", org)
    checked = 0
    for action, names in own_forms(app, client, objects, "coordinator"):
        for name in names[:3]:
            response = client.post(action, data={**{n: "1" for n in names}, name: "ab\x00cd"})
            assert response.status_code == 400, (action, name)
            response.close()
            checked += 1
    assert checked >= 30


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


def test_upload_forms_survive_hostile_spreadsheets(app, client, login_as, org, db):
    """Bombs and damaged files on both upload pages: a form error, never a 500, nothing written (issue 12)."""
    from praktijktest.rounds.models import Round
    from praktijktest.targets.models import Target
    from tests.test_upload_limits import _rewrite_sheet, _xlsx

    wide = _rewrite_sheet(_xlsx(3), lambda xml: xml.replace(b"<sheetData", b'<dimension ref="A1:XFD1048576"/>'
                                                            b"<sheetData", 1))
    padded = _rewrite_sheet(_xlsx(3), lambda xml: xml.replace(b"<sheetData", b"<!--" + b" " * 3_000_000
                                                              + b"--><sheetData", 1))
    damaged = _rewrite_sheet(_xlsx(3), lambda xml: xml.replace(
        b'<c r="A2" t="inlineStr"><is><t>Werkgever 0</t></is></c>', b'<c r="A2" t="n"><v>x</v></c>'))
    files = [_xlsx(60), wide, padded, damaged, b"PK\x03\x04 not a zip", _xlsx(2)[:500]]
    login_as("coordinator", org)
    saved = {key: app.config[key] for key in ("IMPORT_MAX_ROWS", "IMPORT_MAX_UNCOMPRESSED_BYTES")}
    app.config.update(IMPORT_MAX_ROWS=50, IMPORT_MAX_UNCOMPRESSED_BYTES=2 * 1024 * 1024)
    try:
        for data in files:
            for url, extra in (("/targets/import/", {}), ("/datasets/import", {
                    "title": "R", "market": "labour", "ground": "origin", "reference": "belgian",
                    "positive": "invitation"})):
                response = client.post(url, data={"file": (io.BytesIO(data), "f.xlsx"), **extra},
                                       content_type="multipart/form-data")
                assert response.status_code == 200, (url, data[:40])
    finally:
        app.config.update(saved)
    assert db.session.scalar(db.select(db.func.count()).select_from(Target)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Round)) == 0
