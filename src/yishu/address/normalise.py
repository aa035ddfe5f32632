"""Normalise address text: full-width to half-width, Chinese numerals to digits, one word for a
building (栋 for 幢 / 号楼 / 座), one form of the unit (N单元 for N门 / N单元门), and the
3-2-1502 shorthand written out as 3栋2单元1502室."""

from __future__ import annotations

import functools
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
_NUMERALS, _COUNTED = "零〇一二两三四五六七八九十百千", "号栋幢座楼单元门层室组户弄巷排"
_NUMERAL = re.compile(f"[{_NUMERALS}]+(?=[{_COUNTED}])")
# where _NUMERAL matches (a numeral right before what it counts): a search for this pair is ten
# times faster than one for _NUMERAL, and most texts have none
_NUMERAL_END = re.compile(f"[{_NUMERALS}][{_COUNTED}]")
_NUMBER = re.compile(r"[0-9]+")
_BUILDING = re.compile(r"([0-9]+)(?:号楼|幢|座|栋)")
_UNIT = re.compile(r"([0-9]+)(?:单元门|单元|门)")
_SHORTHAND = re.compile(r"([0-9]+)-([0-9]+)-([0-9]+)(?:室)?$")


@functools.lru_cache(maxsize=4096)  # texts repeat the same few numerals
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
    """The normal form of an address text (see the module docstring).

    Each rewrite after the numerals runs only when the text has a character it needs to change
    something (N栋 and N单元 are rewritten to themselves): most texts need none, and on Python 3.11 a
    ``sub`` with a group reference costs a call into Python even when nothing matches. ``split()``
    cuts at the same characters as the regex ``\\s`` (``str.isspace``), in a quarter of the time."""
    t = "".join(unicodedata.normalize("NFKC", text or "").split())
    if _NUMERAL_END.search(t):
        t = _NUMERAL.sub(_arabic, t)
    if "-" in t:
        t = _SHORTHAND.sub(r"\1栋\2单元\3室", t)
    if "幢" in t or "座" in t or "号楼" in t:
        t = _BUILDING.sub(r"\1栋", t)
    if "门" in t:
        t = _UNIT.sub(r"\1单元", t)
    return t


def _arabic(numeral: re.Match) -> str:
    return str(chinese_number(numeral.group()))


def numbers(text: str) -> list[int]:
    return [int(n) for n in _NUMBER.findall(normalise(text))]
