"""Every page each role can reach, in Dutch at phone width: no English UI text, no sideways scrolling.

The pages are found by following links, as in test_accessibility.py (which
runs axe-core on the same pages in Dutch, the default language), plus a
draft round's pages, which the demo has none of: one is copied from a demo
round first, so that the task list and the check-before-locking page are
read too. The word list catches English that slipped past the catalogues;
tests/foundation/test_i18n.py checks that every catalogue entry is filled.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.test_accessibility import crawl, page_kind

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Words of English UI text that are not also Dutch ("test", "status", "code", "protocol", "download",
# "details", "account", "object" and "was" are Dutch too, and so are the role names "tester" and "admin";
# "viewer" is left out for the demo account "Vera Viewer").
ENGLISH = frozenset("""
the and with without your you this that these those are were been has have into from for
round rounds target targets save cancel delete edit remove add back next previous show hide upload search
filter close saved created updated deleted changed locked lock draft ready fieldwork analysed analyzed
reported archived cancelled invitation rejection response responses application applications employer
employers landlord landlords agency agencies schedule sample template templates profile profiles none yes
seed false discovery rate error errors problem problems warning required field please choose select enter
must should cannot not only every other more than page pages login logout password user users role roles
administrator step steps task tasks done overview summary title name names when who
what where which why how action actions date day days month months year years
""".split())
# Visible text of the page without what is not interface text: code, parts marked as English, the
# names of the languages in the switch, e-mail addresses and template placeholders ({{ listing.title }}).
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('code, pre, script, style, [lang="en"], [lang="fr"], #locale-select').forEach(e => e.remove());
  document.body.appendChild(copy);
  copy.style.display = 'block';
  const text = copy.innerText;
  copy.remove();
  return text;
}"""
NOT_INTERFACE = re.compile(r"\S+@\S+|\{\{.*?\}\}")


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]+", NOT_INTERFACE.sub(" ", text)) if w.lower() in ENGLISH}


def sideways(page) -> int:
    """How many pixels the page is wider than the phone's screen (0 when it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture(scope="module")
def draft_round(live_server) -> int:
    from praktijktest.accounts.models import User
    from praktijktest.extensions import db
    from praktijktest.rounds.models import Round
    from praktijktest.rounds.services import copy_round

    with live_server.app.app_context():
        source = db.session.scalars(db.select(Round).order_by(Round.id)).first()
        coordinator = db.session.scalars(db.select(User).filter_by(email="coordinator@demo.example")).one()
        draft = copy_round(source, created_by=coordinator)
        db.session.commit()
        return draft.id


@pytest.mark.parametrize("role", ["admin", "coordinator", "tester", "viewer"])
def test_every_page_speaks_dutch_and_fits_a_phone(open_page, live_server, draft_round, role):
    page = open_page(as_role=role, viewport=PHONE)
    english: list[str] = []
    too_wide: list[str] = []
    starts = ["/"] + ([f"/rounds/{draft_round}"] if role == "coordinator" else [])
    seen: set[str] = set()
    for start in starts:
        for path in crawl(page, live_server.url, start):
            kind = page_kind(urlsplit(path).path)
            if kind in seen:
                continue
            seen.add(kind)
            assert page.locator("html").get_attribute("lang") == "nl", path
            words = english_words(page.evaluate(VISIBLE_TEXT))
            if words:
                english.append(f"{path}: {sorted(words)}")
            if (extra := sideways(page)) > 0:
                too_wide.append(f"{path}: {extra} px too wide")
    if role == "coordinator":
        # The draft's own steps, which the crawl from "/" reaches only through the draft.
        assert {"/rounds/{id}/lock", "/rounds/{id}/profiles", "/rounds/{id}/edit"} <= seen, sorted(seen)
    assert not english, "English on Dutch pages:\n" + "\n".join(english)
    assert not too_wide, "Pages that scroll sideways at 390 px:\n" + "\n".join(too_wide)


def test_error_pages_and_forms_with_errors_fit_and_speak_dutch(open_page):
    page = open_page(as_role="coordinator", viewport=PHONE)
    for path in ("/admin/users/", "/no/such/page"):
        page.goto(path)
        text = page.evaluate(VISIBLE_TEXT)
        assert not english_words(text), (path, english_words(text))
        assert sideways(page) <= 0, path
    assert "U hebt geen toegang tot deze pagina" in page.goto("/admin/users/").text()
    page.goto("/rounds/new")
    with page.expect_navigation():
        page.click("main form #save")
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and summary.locator("a[href='#title']").count() == 1
    assert not english_words(page.evaluate(VISIBLE_TEXT)) and sideways(page) <= 0
