"""Fieldwork deadlines in Europe/Brussels: what "today", "overdue" and "one working day" mean."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from praktijktest.schedule.calendar import add_working_days
from praktijktest.timeutil import as_utc, utcnow

BRUSSELS = ZoneInfo("Europe/Brussels")


def local_date(moment: datetime) -> date:
    """The Brussels calendar day of a stored (UTC) moment."""
    return as_utc(moment).astimezone(BRUSSELS).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Brussels, as UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=BRUSSELS).astimezone(UTC)


def end_of_today(now: datetime | None = None) -> datetime:
    return start_of_day(local_date(now or utcnow()) + timedelta(days=1))


def local_to_utc(day: date, at: time) -> datetime:
    """A date and time typed by a user in Brussels, as UTC."""
    return datetime.combine(day, at, tzinfo=BRUSSELS).astimezone(UTC)


def decline_due(received_at: datetime) -> datetime:
    """The end of the first working day after the response came in."""
    return start_of_day(add_working_days(local_date(received_at), 1) + timedelta(days=1)) - timedelta(minutes=1)


def window_closes(sent_at: datetime, days: int) -> datetime:
    return as_utc(sent_at) + timedelta(days=days)
