"""The Belgian working-day calendar, checked against dates known independently.

Easter dates: the published tables (e.g. the US Naval Observatory's Easter
dates list); 1818-03-22 and 2038-04-25 are the earliest and latest possible
Easter Sundays. Ascension is 39 days and Whit Monday 50 days after Easter,
written out here as calendar dates, not computed.
"""
from __future__ import annotations

from datetime import date

import pytest

from praktijktest.schedule.calendar import (
    add_working_days,
    easter_sunday,
    is_working_day,
    next_working_day,
    public_holidays,
    working_days_between,
)


@pytest.mark.parametrize(
    "year, easter",
    [
        (1818, date(1818, 3, 22)),
        (1961, date(1961, 4, 2)),
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2011, date(2011, 4, 24)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter
    assert easter.weekday() == 6


def test_holidays_2026_written_out():
    assert public_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension (Thursday)
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 21),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    }


def test_movable_holidays_2024_and_2025():
    assert {date(2024, 4, 1), date(2024, 5, 9), date(2024, 5, 20)} <= public_holidays(2024)
    assert {date(2025, 4, 21), date(2025, 5, 29), date(2025, 6, 9)} <= public_holidays(2025)


def test_regional_holidays_are_working_days():
    assert is_working_day(date(2025, 7, 11))  # Flemish Community holiday, a Friday
    assert is_working_day(date(2025, 12, 26))  # Boxing Day is no legal holiday in Belgium


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 11, 26), True),  # Thursday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 5, 14), False),  # Ascension
        (date(2026, 5, 15), True),  # the Friday after
        (date(2025, 7, 21), False),  # National Holiday on a Monday
        (date(2026, 8, 15), False),  # Assumption on a Saturday stays a non-working day
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_add_working_days_skips_weekends_and_holidays():
    assert add_working_days(date(2026, 11, 26), 1) == date(2026, 11, 27)  # Thu -> Fri
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Fri -> Mon
    assert add_working_days(date(2026, 11, 28), 3) == date(2026, 12, 2)  # Sat -> Wed
    # Wednesday 13 May 2026 + 1: Ascension Thursday skipped -> Friday 15 May
    assert add_working_days(date(2026, 5, 13), 1) == date(2026, 5, 15)
    # Friday 22 May 2026 + 1: weekend and Whit Monday skipped -> Tuesday 26 May
    assert add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)
    # Christmas week 2026: Thu 24 Dec + 2 -> Fri 25 is a holiday, weekend -> Tue 29 Dec
    assert add_working_days(date(2026, 12, 24), 2) == date(2026, 12, 29)
    # Across New Year: Thu 31 Dec 2026 + 1 -> Fri 1 Jan is a holiday -> Mon 4 Jan 2027
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_add_working_days_zero_and_backwards():
    assert add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 28)
    assert add_working_days(date(2026, 11, 30), -1) == date(2026, 11, 27)
    assert add_working_days(date(2026, 5, 26), -1) == date(2026, 5, 22)


def test_next_working_day_and_count():
    assert next_working_day(date(2026, 4, 4)) == date(2026, 4, 7)  # Sat, Sun, Easter Monday
    assert next_working_day(date(2026, 4, 7)) == date(2026, 4, 7)
    # November 2026: 21 weekdays, minus All Saints' (Sunday, no effect) and Armistice (Wednesday)
    assert working_days_between(date(2026, 10, 31), date(2026, 11, 30)) == 20


def test_a_year_has_the_expected_number_of_working_days():
    # 2026: 261 weekdays; holidays on weekdays: 1 Jan (Thu), Easter Monday, 1 May (Fri),
    # Ascension (Thu), Whit Monday, 21 Jul (Tue), 11 Nov (Wed), 25 Dec (Fri) = 8;
    # 15 Aug (Sat) and 1 Nov (Sun) fall in the weekend.
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 8
