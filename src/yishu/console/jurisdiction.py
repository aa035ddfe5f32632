"""Jurisdiction codes in the console: names, levels and the drill-down path.

Codes nest by prefix (``yishu.pipeline.schema``): city 4 digits < district 6 < township 9 <
community 12 < grid 15. Division names come from the shipped division table; a grid is named
after its community and number (XX社区第3网格), as the grid registers name them.
"""

from __future__ import annotations

from yishu.standards import divisions

LENGTHS = (4, 6, 9, 12, 15)
LEVELS = ("city", "district", "township", "community", "grid")


def level(code: str) -> str:
    try:
        return LEVELS[LENGTHS.index(len(code))]
    except ValueError:
        raise ValueError(f"{code!r} is not a jurisdiction code (4, 6, 9, 12 or 15 digits)") from None


def child_length(code: str) -> int | None:
    """Length of the codes one level below ``code`` (None below a grid)."""
    i = LENGTHS.index(len(code))
    return LENGTHS[i + 1] if i + 1 < len(LENGTHS) else None


def name(code: str, lang: str = "zh") -> str:
    """The division's name, or the grid's; the code itself when the table does not know it."""
    if len(code) == 15:
        number = int(code[12:])
        parent = name(code[:12], lang)
        return f"{parent}第{number}网格" if lang == "zh" else f"{parent} grid {number}"
    try:
        full = divisions.division(code).name
    except (KeyError, ValueError):
        return code
    # 友谊街社区居民委员会 -> 友谊街社区, 大王家村民委员会 -> 大王家村: as people say them.
    for suffix, short in (("居民委员会", ""), ("村民委员会", "村"), ("村委会", "村"), ("居委会", "")):
        if full.endswith(suffix) and len(full) > len(suffix) + 1:
            return full[: -len(suffix)] + short
    return full


def path(code: str) -> list[str]:
    """The codes from the city down to ``code`` (inclusive)."""
    return [code[:n] for n in LENGTHS if n <= len(code)]


def within(code: str | None, scope: str | None) -> bool:
    """True when ``code`` lies inside ``scope`` (a None scope is city-wide). An unknown code (None)
    lies only inside city-wide scopes (schema.py: such rows are seen by city-wide readers only)."""
    if not code:
        return not scope or len(scope) <= 4
    return not scope or code.startswith(scope)
