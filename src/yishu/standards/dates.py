"""Dates in the forms Chinese government tables use, normalised to ISO 8601 (YYYY-MM-DD).

Accepted forms and the rules for the ambiguous ones:

- year first, always year-month-day: ``1990-01-02``, ``1990/1/2``, ``1990.1.2``, ``1990年1月2日``
  (``号`` for ``日`` too), with an optional time part after a space or ``T`` that is ignored;
- eight digits ``19900102`` (YYYYMMDD);
- year last, day first: ``2.1.1990``, ``2/1/1990``, ``2-1-1990`` are 2 January 1990. When only the
  month-first reading is possible (``1/25/1990``: no month 25) that reading is taken; when both are
  possible the day-first rule decides;
- two-digit years, only in year-last forms and ``90年1月2日``: ``yy`` is 20yy when that is not after
  the current year, else 19yy (``2.1.90`` is 1990-01-02, ``2.1.05`` is 2005-01-02);
- Excel serial numbers in the 1900 date system: an int or float, or a string of five digits with an
  optional fraction. Serial 1 is 1900-01-01; serial 60 is Lotus 1-2-3's phantom 1900-02-29 and is
  rejected; serial 61 is 1900-03-01. Only serials from 1 to 73050 (2099-12-31) are accepted.

Full-width digits and punctuation are read as their ASCII forms (see ``text``). Every date must lie in the years
1800 to 2199; anything else is rejected with a reason naming the value.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from yishu.standards.text import clean

MIN_YEAR = 1800
MAX_YEAR = 2199
EXCEL_MAX_SERIAL = 73050  # 2099-12-31
_EXCEL_EPOCH = dt.date(1899, 12, 30)
MONTH_NAMES = tuple(calendar.month_name)

_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})" + _TIME)
_YEAR_LAST = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})" + _TIME)
_CHINESE = re.compile(r"([0-9]{4}|[0-9]{2})年([0-9]{1,2})月([0-9]{1,2})[日号]?")
_COMPACT = re.compile(r"[0-9]{8}")
_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")


def check_date(year: int, month: int, day: int, value: object = None) -> dt.date:
    """The date for year, month, day, or a ValueError saying which part does not exist."""
    shown = value if value is not None else f"{year:04d}-{month:02d}-{day:02d}"
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{shown}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    if not 1 <= month <= 12:
        raise ValueError(f"{shown}: month {month} does not exist")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"{shown}: day {day} does not exist in {MONTH_NAMES[month]} {year}")
    return dt.date(year, month, day)


def expand_year(yy: int, today: dt.date | None = None) -> int:
    """A two-digit year: 20yy unless that is after the current year, then 19yy."""
    this_year = (today or dt.date.today()).year
    return 2000 + yy if 2000 + yy <= this_year else 1900 + yy


def from_excel_serial(serial: float, value: object = None) -> dt.date:
    """A date from an Excel serial number (1900 date system, fraction = time of day, ignored)."""
    shown = value if value is not None else serial
    if not 1 <= serial < EXCEL_MAX_SERIAL + 1:  # also false for NaN
        raise ValueError(
            f"{shown}: Excel serial {serial} is outside the plausible range 1-{EXCEL_MAX_SERIAL}"
        )
    whole = int(serial)
    if whole == 60:
        raise ValueError(
            f"{shown}: Excel serial 60 is 1900-02-29, which does not exist (Lotus leap-year bug)"
        )
    if whole < 60:
        whole += 1  # before the phantom 29 February the serials are one day behind
    return _EXCEL_EPOCH + dt.timedelta(days=whole)


def to_excel_serial(day: dt.date) -> int:
    """The Excel serial number of a date from 1900-01-01 on (inverse of ``from_excel_serial``)."""
    serial = (day - _EXCEL_EPOCH).days
    return serial - 1 if serial <= 60 else serial


def parse_date(value: object, *, today: dt.date | None = None) -> dt.date:
    """Read a date in any accepted form (see the module doc); ValueError with the reason otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r}: not a date")
    if isinstance(value, int | float):
        if isinstance(value, int) and 10_000_000 <= value <= 99_999_999:
            return parse_date(str(value), today=today)
        return from_excel_serial(value, value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r}: not a date")
    text = clean(value)
    if not text:
        raise ValueError("empty value is not a date")
    if m := _YEAR_FIRST.fullmatch(text):
        return check_date(int(m[1]), int(m[3]), int(m[4]), value)
    if m := _COMPACT.fullmatch(text):
        return check_date(int(text[:4]), int(text[4:6]), int(text[6:]), value)
    if m := _CHINESE.fullmatch(text):
        year = int(m[1]) if len(m[1]) == 4 else expand_year(int(m[1]), today)
        return check_date(year, int(m[2]), int(m[3]), value)
    if m := _YEAR_LAST.fullmatch(text):
        year = int(m[4]) if len(m[4]) == 4 else expand_year(int(m[4]), today)
        first, second = int(m[1]), int(m[3])
        if second > 12 and first <= 12:  # only the month-first reading exists
            first, second = second, first
        return check_date(year, second, first, value)
    if _SERIAL.fullmatch(text):
        return from_excel_serial(float(text), value)
    raise ValueError(
        f"{value!r}: not a date in a known form (e.g. 1990-01-02, 19900102, 1990年1月2日, 2.1.1990)"
    )


def normalise_date(value: object, *, today: dt.date | None = None) -> str:
    """The ISO form (YYYY-MM-DD) of a date in any accepted form."""
    return parse_date(value, today=today).isoformat()


def is_date(value: object) -> bool:
    """True when ``parse_date`` accepts the value."""
    try:
        parse_date(value)
    except ValueError:
        return False
    return True
