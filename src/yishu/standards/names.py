"""Person names: one written form for the same name.

``normalise_name`` applies, in order: half-width folding (full-width letters, digits and spaces,
see ``text``),
traditional to simplified Chinese with OpenCC (``t2s``), every look-alike of the middle dot in
ethnic-minority names (阿沛•阿旺晋美, 阿沛．阿旺晋美, 阿沛・阿旺晋美, and a full stop between
Chinese characters) to U+00B7 ``·`` with no spaces
around it, removal of spaces next to a Chinese character, and single spaces elsewhere (Latin names).
"""

from __future__ import annotations

import re
from functools import cache

from yishu.standards.text import halfwidth

# Look-alikes of the middle dot seen in registers (after half-width folding).
DOTS = "\u00b7\u2022\u2027\u2219\u22c5\u30fb\u0387\u16eb\u2e31\uff65"
MIDDLE_DOT = "\u00b7"
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The same patterns, written without look-around, run in DuckDB (RE2); see sql.py.
DOT_RUN = f"[ \t\r\n]*[{DOTS}]+[ \t\r\n]*"
ASCII_DOT = f"([{CJK}])[ \t\r\n]*\\.[ \t\r\n]*([{CJK}])"
SPACE_AFTER = f"([{CJK}{MIDDLE_DOT}])[ \t\r\n]+"
SPACE_BEFORE = f"[ \t\r\n]+([{CJK}{MIDDLE_DOT}])"
_DOT_RUN = re.compile(DOT_RUN)
_ASCII_DOT = re.compile(ASCII_DOT)
_SPACE_AFTER = re.compile(SPACE_AFTER)
_SPACE_BEFORE = re.compile(SPACE_BEFORE)
_SPACES = re.compile(r"[ \t\r\n]+")
_CHINESE_NAME = re.compile(f"[{CJK}]{{2,}}(?:{MIDDLE_DOT}[{CJK}]+)*")


@cache
def _converter():  # opencc has no type hints
    import opencc

    return opencc.OpenCC("t2s.json")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese (OpenCC t2s, offline)."""
    return _converter().convert(text)


def normalise_name(value: str) -> str:
    """The normal written form of a person's name; ValueError for an empty one."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r}: a name must be text")
    text = to_simplified(halfwidth(value))
    text = _DOT_RUN.sub(MIDDLE_DOT, text)
    for _ in range(2):  # twice: 甲.乙.丙 overlaps at 乙
        text = _ASCII_DOT.sub(rf"\1{MIDDLE_DOT}\2", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip(" ")
    if not text:
        raise ValueError(f"{value!r}: empty name")
    return text


def is_chinese_name(value: str) -> bool:
    """True for 2 or more Chinese characters, optionally in parts joined by the middle dot."""
    return bool(_CHINESE_NAME.fullmatch(value))


def surname_mask(name: str) -> str:
    """The display mask: the first character kept (张*, 欧阳** stays 欧**: surnames are not parsed)."""
    return name[:1] + "*" * (len(name) - 1)
