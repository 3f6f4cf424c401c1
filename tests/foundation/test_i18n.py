"""Dutch by default, French and English on request, numbers in the locale's format."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from praktijktest.i18n import format_number, format_percent, format_when


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("nl_BE", "9,65\u00a0%"), ("fr_BE", "9,65\u00a0%"), ("en", "9.65%")],
)
def test_percentages_follow_the_locale(app, locale, expected):
    with app.test_request_context():
        from flask import session

        session["locale"] = locale
        assert format_percent(0.0965, digits=2) == expected


def test_numbers_and_dates_in_dutch(app):
    with app.test_request_context():
        assert format_number(83643) == "83.643"
        assert format_number(0.0320, digits=4) == "0,0320"
        # Stored in UTC, shown in Brussels time (summer: UTC+2).
        assert format_when(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "01/07/2026 12:00"
        # One format per locale (WORDING.md): day/month/year in tables, the month in words in text.
        assert format_when(date(2025, 9, 15)) == "15/09/2025"
        assert format_when(date(2025, 9, 15), "long") == "15 september 2025"
        assert format_when(datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "long") == "1 juli 2026, 12:00"
        assert format_percent(None) == "–"


def test_language_switch(client):
    response = client.post("/language", data={"locale": "fr_BE", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in html and "Se connecter" in html
    client.post("/language", data={"locale": "en"})
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_unknown_language_and_foreign_next_are_ignored(client):
    response = client.post("/language", data={"locale": "de", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="nl">' in client.get("/login").get_data(as_text=True)


def test_french_browser_gets_french(client):
    html = client.get("/login", headers={"Accept-Language": "fr-BE,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_english_browser_still_gets_dutch(client):
    # The interface is Dutch unless the user picks another language.
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="nl">' in html


def test_catalogues_are_complete():
    from babel.messages.pofile import read_po

    from praktijktest import PROJECT_ROOT

    for language in ("nl", "fr"):
        path = PROJECT_ROOT / "praktijktest" / "translations" / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        # A plural message has one string per plural form; every form must be filled.
        untranslated = [
            m.id for m in catalogue if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
        ]
        assert untranslated == [], f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"


def test_file_problems_read_in_the_interface_language(app):
    from praktijktest.tabular import Problem

    with app.test_request_context():
        assert str(Problem(3, "outcome", "x")) == "regel 3, kolom outcome: x"
    with app.app_context():  # the command line speaks English to operators
        assert str(Problem(3, "outcome", "x")) == "line 3, column outcome: x"
