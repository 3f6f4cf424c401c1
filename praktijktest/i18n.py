"""Language choice and locale-aware formatting of numbers and dates.

Dutch (nl-BE) is the default. A user's choice in the language switch is
kept in the session; otherwise a browser asking for French gets French.
"""
from __future__ import annotations

from datetime import date, datetime

from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale

from praktijktest.timeutil import as_utc

# Babel's Dutch pattern has no space before %; Belgian practice and French
# usage write "9,65 %", with a non-breaking space.
PERCENT_SPACE = {"nl": "\u00a0", "fr": "\u00a0"}


def select_locale() -> str:
    if not has_request_context():
        return "en"  # command-line output, for operators, is in English
    choice = session.get("locale")
    if choice in current_app.config["LANGUAGES"]:
        return choice
    browser = request.accept_languages.best_match(["nl", "fr"])
    return "fr_BE" if browser == "fr" else current_app.config["BABEL_DEFAULT_LOCALE"]


def format_percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage in the current locale: 0.0965 -> '9,65 %' in Dutch."""
    if value is None:
        return "–"
    locale = get_locale()
    number = babel_format_decimal(
        value * 100, format="#,##0." + "0" * digits if digits else "#,##0", locale=locale
    )
    return number + PERCENT_SPACE.get(locale.language, "") + "%"


def format_number(value: float | int | None, digits: int | None = None) -> str:
    """A number with the locale's separators: 1234.5 -> '1.234,5' in Dutch."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") if digits is not None else None
    return babel_format_decimal(value, format=pattern, locale=get_locale())


# One date format per locale: day/month/year in tables, the month in words in text ("long").
TABLE_DATE = {"nl": "dd/MM/yyyy", "fr": "dd/MM/yyyy", "en": "d MMM yyyy"}


def format_when(value: datetime | date | None, style: str = "medium") -> str:
    """A date or timestamp in Europe/Brussels time: 15/09/2025 14:30 in tables, 15 september 2025 in text."""
    if value is None:
        return "–"
    language = get_locale().language if get_locale() else "en"
    pattern = TABLE_DATE.get(language, TABLE_DATE["en"])
    if isinstance(value, datetime):
        if style == "long":
            return f"{format_date(as_utc(value), 'long')}, {format_datetime(as_utc(value), 'HH:mm')}"
        return format_datetime(as_utc(value), f"{pattern} HH:mm")
    return format_date(value, "long" if style == "long" else pattern)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(percent=format_percent, number=format_number, when=format_when)

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
