"""Belgian working days: no weekends, no legal public holidays.

The ten legal public holidays of Belgium (Royal Decree of 18 April 1974,
art. 1): New Year's Day, Easter Monday, Labour Day (1 May), Ascension Day,
Whit Monday, the National Holiday (21 July), Assumption (15 August), All
Saints' Day (1 November), Armistice Day (11 November) and Christmas Day.
Regional and community holidays (11 July, 27 September, ...) are not legal
holidays for employers and landlords, so they count as working days.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache

FIXED_HOLIDAYS = ((1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25))


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday.

    The anonymous Gregorian algorithm ("Meeus/Jones/Butcher"): J. Meeus,
    Astronomical Algorithms, 2nd ed. (1998), ch. 8, after an anonymous
    correspondent in Nature (1876) and S. Butcher (1877). Valid for every
    year of the Gregorian calendar.
    """
    a = year % 19  # position in the 19-year Metonic cycle
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30  # epact-like: days from 21 March to the full moon
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7  # days from the full moon to the next Sunday
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """The ten Belgian legal public holidays of `year`."""
    easter = easter_sunday(year)
    movable = (
        easter + timedelta(days=1),  # Easter Monday
        easter + timedelta(days=39),  # Ascension: the 40th day of Easter, a Thursday
        easter + timedelta(days=50),  # Whit Monday: the day after Pentecost (50th day)
    )
    return frozenset({date(year, month, day) for month, day in FIXED_HOLIDAYS} | set(movable))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Belgian public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, n: int) -> date:
    """The date `n` working days after `day` (before it when n < 0); n = 0 gives `day`.

    Counting starts from `day` whether or not it is a working day itself, as
    "three working days after Saturday" is Wednesday.
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (end >= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
