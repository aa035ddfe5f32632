"""Normalise address text: full-width to half-width, Chinese numerals to digits, one word for a
building (栋 for 幢 / 号楼 / 座), one form of the unit (N单元 for N门 / N单元门), and the
3-2-1502 shorthand written out as 3栋2单元1502室."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = re.compile("[零〇一二两三四五六七八九十百千]+(?=[号栋幢座楼单元门层室组户弄巷排])")
_NUMBER = re.compile(r"[0-9]+")
_BUILDING = re.compile(r"([0-9]+)(?:号楼|幢|座|栋)")
_UNIT = re.compile(r"([0-9]+)(?:单元门|单元|门)")
_SHORTHAND = re.compile(r"([0-9]+)-([0-9]+)-([0-9]+)(?:室)?$")
_SPACE = re.compile(r"\s+")


def chinese_number(text: str) -> int:
    """十四 -> 14, 二十 -> 20, 一千零二 -> 1002, 二一〇二 -> 2102 (digit by digit without units)."""
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            total += (current or 1) * _UNITS[ch]
            current = 0
    return total + current


def normalise(text: str) -> str:
    """The normal form of an address text (see the module docstring)."""
    t = _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    t = _NUMERAL.sub(lambda m: str(chinese_number(m.group())), t)
    t = _SHORTHAND.sub(r"\1栋\2单元\3室", t)
    t = _BUILDING.sub(r"\1栋", t)
    t = _UNIT.sub(r"\1单元", t)
    return t


def numbers(text: str) -> list[int]:
    return [int(n) for n in _NUMBER.findall(normalise(text))]
