"""Citizen ID numbers, GB 11643-1999 (18 characters, ISO 7064 MOD 11-2 check)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from yishu.standards import divisions
from yishu.standards.dates import check_date
from yishu.standards.text import halfwidth

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_DIGITS17 = re.compile(r"[0-9]{17}")
_DIGITS15 = re.compile(r"[0-9]{15}")
_FORM18 = re.compile(r"[0-9]{17}[0-9X]")


def check_char(body17: str) -> str:
    """The check character for the first 17 digits."""
    if not _DIGITS17.fullmatch(body17):
        raise ValueError(f"need 17 digits, got {body17!r}")
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid_check(value: str) -> bool:
    """True when an 18-character number's check character is right (format only, not dates)."""
    return bool(_FORM18.fullmatch(value)) and check_char(value[:17]) == value[17]


def upgrade_15(value: str) -> str:
    """Upgrade a 15-digit legacy number (GB 11643-1989) to 18 characters."""
    if not _DIGITS15.fullmatch(value):
        raise ValueError(f"need 15 digits, got {value!r}")
    body = value[:6] + "19" + value[6:]
    return body + check_char(body)


# --- parsing, validation and repair -----------------------------------------------------------------

# Birth dates before this are not plausible for a living holder of a GB 11643 number.
MIN_BIRTH_DATE = dt.date(1850, 1, 1)
_SEPARATORS = re.compile(r"[ \t\r\n-]")


@dataclass(frozen=True, slots=True)
class CitizenId:
    """A valid citizen ID number and what it says."""

    number: str
    county_code: str
    county_name: str
    county_current: bool
    birth_date: dt.date
    sequence: str
    sex: str  # GB/T 2261.1 code: "1" male, "2" female
    upgraded_from: str | None = None

    @property
    def sex_name(self) -> str:
        return "男" if self.sex == "1" else "女"

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "county_code": self.county_code,
            "county_name": self.county_name,
            "county_current": self.county_current,
            "birth_date": self.birth_date.isoformat(),
            "sequence": self.sequence,
            "sex": self.sex,
            "sex_name": self.sex_name,
            "upgraded_from": self.upgraded_from,
        }


def compact(value: str) -> str:
    """Half-width (see ``text``), without spaces and dashes, upper case."""
    return _SEPARATORS.sub("", halfwidth(value)).upper()


def downgrade_18(value: str) -> str:
    """The 15-digit legacy form of an 18-character number born 1900-1999 (inverse of ``upgrade_15``)."""
    if not is_valid_check(value) or value[6:8] != "19":
        raise ValueError(
            f"{value}: only a number with a valid check and a 19xx birth year has a 15-digit form"
        )
    return value[:6] + value[8:17]


def _birth_date(number: str, today: dt.date | None) -> dt.date:
    text = number[6:14]
    try:
        born = check_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    except ValueError as exc:
        raise ValueError(f"{number}: birth date {exc}") from None
    if born < MIN_BIRTH_DATE or born > (today or dt.date.today()):
        raise ValueError(f"{number}: birth date {born.isoformat()} is not plausible")
    return born


def parse(value: str, *, today: dt.date | None = None) -> CitizenId:
    """Validate a citizen ID (18 characters, or 15 digits which are upgraded) and split it.

    Checks, in order: length and characters, check character, birth date (exists, from 1850 to
    today), county code (current in the 2021 table or historical: a number issued by a county
    since abolished stays valid). Raises ValueError naming the value and the first problem.
    """
    if not isinstance(value, str):
        raise ValueError(f"{value!r}: a citizen ID must be text")
    number = compact(value)
    upgraded_from = None
    if len(number) == 15:
        if not _DIGITS15.fullmatch(number):
            raise ValueError(f"{value}: a 15-character ID must be all digits")
        upgraded_from, number = number, upgrade_15(number)
    if len(number) != 18:
        raise ValueError(f"{value}: a citizen ID has 18 characters (or 15 digits), this has {len(number)}")
    if not _FORM18.fullmatch(number):
        raise ValueError(f"{value}: a citizen ID is 17 digits and a digit or X")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValueError(f"{value}: check character is {number[17]}, should be {expected}")
    born = _birth_date(number, today)
    county = number[:6]
    if not divisions.is_known_county(county) or county.endswith("00"):
        raise ValueError(f"{value}: county code {county} is not a current or historical county code")
    info = divisions.describe(county)
    sex = "1" if int(number[16]) % 2 else "2"
    return CitizenId(number, county, info.full_name, info.current, born, number[14:17], sex, upgraded_from)


def validate(value: str) -> str:
    """The 18-character form of a valid citizen ID; ValueError with the reason otherwise."""
    return parse(value).number


def is_valid(value: str) -> bool:
    """True when ``parse`` accepts the value."""
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _plausible(number: str, today: dt.date | None) -> bool:
    if not is_valid_check(number):
        return False
    try:
        _birth_date(number, today)
    except ValueError:
        return False
    county = number[:6]
    return divisions.is_known_county(county) and not county.endswith("00")


def repair_candidates(value: str, *, today: dt.date | None = None) -> list[str]:
    """Valid numbers one digit change or one adjacent transposition away from an invalid one.

    Each candidate passes the check, has a real plausible birth date and a current or historical
    county code. The pipeline accepts a candidate only when name and birth date agree with another
    source. Sorted, without duplicates; empty for a valid number or one not 18 characters long.
    """
    number = compact(value)
    if _DIGITS15.fullmatch(number):
        return []
    if len(number) != 18 or _plausible(number, today):
        return []
    found: set[str] = set()
    for i in range(18):
        for c in "0123456789X" if i == 17 else "0123456789":
            if c != number[i]:
                candidate = number[:i] + c + number[i + 1 :]
                if _plausible(candidate, today):
                    found.add(candidate)
    for i in range(17):
        if number[i] != number[i + 1]:
            candidate = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            if _plausible(candidate, today):
                found.add(candidate)
    return sorted(found)


def mask(number: str) -> str:
    """The display mask: first 6 and last 4 kept (110105********002X)."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
