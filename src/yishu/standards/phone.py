"""Mainland China phone numbers: mobiles and landlines, normalised.

Normal forms:

- mobile: 11 digits, ``13800138000`` (1, then 3-9, then 9 digits);
- landline: ``area-local``, ``010-12345678`` or ``0535-6123456``; with an extension ``0535-6123456-801``.

Accepted input: spaces, dashes, dots and brackets anywhere; a ``+86``, ``0086`` or ``86`` country
prefix (a landline then drops its trunk 0: ``+86 535 6123456``); full-width digits (see ``text``). Area codes:
``010`` and ``02x`` have three digits, every other starts with 0 and has four. The local number has
7 or 8 digits and does not start with 0 or 1. An extension follows ``转``, ``分机``, ``ext``, ``x``,
``#``, ``,`` or a last group of 1-6 digits after ``area-local`` written with separators
(``0535-6123456-801``). A landline without its
area code is rejected (it cannot be placed); service numbers (400, 800, 95xxx) are not phones here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yishu.standards.text import clean

EXTENSION = r"^(.*?)(?:转|分机|ext\.?|x|#|,)[ \t\r\n]*([0-9]{1,6})$"  # case-insensitive
DASH_EXTENSION = r"^(0[0-9]{2,3}[ \t-]+[0-9]{7,8})[ \t-]+([0-9]{1,6})$"
NOISE = r"[ \t\r\n\-.()\[\]【】]"
_EXTENSION = re.compile(EXTENSION, re.IGNORECASE)
_DASH_EXTENSION = re.compile(DASH_EXTENSION)
_NOISE = re.compile(NOISE)
_DIGITS = re.compile(r"[0-9]+")
MOBILE = re.compile(r"1[3-9][0-9]{9}")


@dataclass(frozen=True, slots=True)
class Phone:
    """A normalised phone number."""

    kind: str  # "mobile" or "landline"
    number: str  # the normal form
    area_code: str | None = None
    local: str | None = None
    extension: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "number": self.number,
            "area_code": self.area_code,
            "local": self.local,
            "extension": self.extension,
        }


def _area_length(digits: str) -> int:
    return 3 if digits.startswith(("010", "02")) else 4


def _landline(digits: str, extension: str | None, value: str) -> Phone:
    area_len = _area_length(digits)
    area, local = digits[:area_len], digits[area_len:]
    if len(area) < area_len or not area.startswith("0") or area[1] == "0":
        raise ValueError(f"{value}: area code {area} is not a mainland area code")
    if extension is None and len(local) > 8:  # a trailing extension written without a marker
        raise ValueError(f"{value}: local number {local} has {len(local)} digits, a landline has 7 or 8")
    if len(local) not in (7, 8):
        raise ValueError(f"{value}: local number {local} has {len(local)} digits, a landline has 7 or 8")
    if local[0] in "01":
        raise ValueError(f"{value}: local number {local} cannot start with {local[0]}")
    number = f"{area}-{local}" + (f"-{extension}" if extension else "")
    return Phone("landline", number, area, local, extension)


def parse_phone(value: str) -> Phone:
    """Validate and normalise a mobile or landline number; ValueError naming the value and the problem."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r}: a phone number must be text")
    text = clean(value)
    if not text:
        raise ValueError("empty value is not a phone number")
    extension = None
    if m := _EXTENSION.match(text) or _DASH_EXTENSION.match(text):
        text, extension = m[1], m[2]
    digits = _NOISE.sub("", text)
    international = True
    if digits.startswith("+"):
        if not digits.startswith("+86"):
            raise ValueError(f"{value}: only +86 (mainland China) numbers are accepted")
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13 and MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    else:
        international = False
    if not _DIGITS.fullmatch(digits):
        raise ValueError(f"{value}: a phone number has only digits and separators")
    if international and not digits.startswith("0") and not (digits[:1] == "1" and digits[1:2] in "3456789"):
        digits = "0" + digits  # +86 10 62345678: the trunk 0 is dropped after the country code
    if digits.startswith("1"):
        if extension is not None:
            raise ValueError(f"{value}: a mobile number has no extension")
        if len(digits) != 11:
            raise ValueError(f"{value}: a mobile number has 11 digits, this has {len(digits)}")
        if not MOBILE.fullmatch(digits):
            raise ValueError(f"{value}: mobile numbers start 13-19, this starts {digits[:2]}")
        return Phone("mobile", digits)
    if not digits.startswith("0"):
        if len(digits) in (7, 8):
            raise ValueError(f"{value}: landline without an area code")
        raise ValueError(f"{value}: not a mobile (1xxxxxxxxxx) or landline (0xx-xxxxxxxx) number")
    return _landline(digits, extension, value)


def normalise_phone(value: str) -> str:
    """The normal form of a phone number (see the module doc)."""
    return parse_phone(value).number


def is_mobile(value: str) -> bool:
    try:
        return parse_phone(value).kind == "mobile"
    except ValueError:
        return False


def is_phone(value: str) -> bool:
    try:
        parse_phone(value)
    except ValueError:
        return False
    return True


def mask_mobile(number: str) -> str:
    """The display mask for a mobile: first 3 and last 4 kept (138****8000)."""
    return number[:3] + "****" + number[7:]
