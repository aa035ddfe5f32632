"""Division codes: the NBS 2021 statistical table shipped in the package.

Codes are kept as 12-digit strings; a 6-digit GB/T 2260 county code is the first six digits.
Levels: 1 province, 2 prefecture, 3 county/district, 4 township/street, 5 village/community.
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from functools import cache
from importlib import resources

TABLE = "divisions_2021.tsv.xz"


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    level: int
    name: str

    @property
    def parent_code(self) -> str | None:
        return parent_code(self.code, self.level)


def parent_code(code: str, level: int) -> str | None:
    """Parent of a 12-digit code at a level, derived from the code itself."""
    if level <= 1:
        return None
    if level == 2:
        return code[:2] + "0" * 10
    if level == 3:
        return code[:4] + "0" * 8
    if level == 4:
        return code[:6] + "0" * 6
    return code[:9] + "000"


def level_of(code: str) -> int:
    """Level of a 12-digit code from its trailing zeros."""
    if code[2:] == "0" * 10:
        return 1
    if code[4:] == "0" * 8:
        return 2
    if code[6:] == "0" * 6:
        return 3
    if code[9:] == "000":
        return 4
    return 5


@cache
def all_divisions() -> tuple[Division, ...]:
    """Every row of the shipped table, sorted by code then level."""
    rows = []
    with (
        resources.files("yishu.data").joinpath(TABLE).open("rb") as raw,
        lzma.open(raw, "rt", encoding="utf-8") as f,
    ):
        for line in f:
            if line.startswith("#"):
                continue
            code, level, name = line.rstrip("\n").split("\t")
            rows.append(Division(code, int(level), name))
    return tuple(rows)


def expand_code(code: str) -> str:
    """Pad a 2-, 4-, 6- or 9-digit code to 12 digits."""
    code = code.strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValueError(f"not a division code: {code!r} (need 2, 4, 6, 9 or 12 digits)")
    return code.ljust(12, "0")


def subtree(code: str) -> list[Division]:
    """A division and every division under it (e.g. a prefecture's districts, townships, villages)."""
    full = expand_code(code)
    level = level_of(full)
    prefix = full[: {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}[level]]
    found = [d for d in all_divisions() if d.code.startswith(prefix) and d.level >= level]
    if not found:
        raise KeyError(f"no division with code {code} in the 2021 table")
    return found


def prefecture(code: str) -> tuple[Division, list[Division]]:
    """A prefecture-level division and everything under it; raises KeyError if the code is not one."""
    full = expand_code(code)
    rows = subtree(full)
    top = [d for d in rows if d.code == full and d.level == 2]
    if not top:
        raise KeyError(f"{code} is not a prefecture-level division code in the 2021 table")
    return top[0], [d for d in rows if d.level > 2]


# --- current and historical county codes, lookup by code and by name --------------------------------

HISTORY_SOURCE = "stdnum/cn/loc.dat"


@dataclass(frozen=True, slots=True)
class CountyName:
    """One name a 6-digit code has carried; ``start``/``end`` are years (None = open), per loc.dat."""

    code6: str
    name: str
    start: int | None
    end: int | None

    @property
    def current(self) -> bool:
        return self.end is None


def _years(span: str) -> tuple[int | None, int | None]:
    start, _, end = span.partition("-")
    return (int(start) if start else None, int(end) if end else None)


@cache
def historical_counties() -> dict[str, tuple[CountyName, ...]]:
    """Every 6-digit code python-stdnum knows, with the names it carried over time.

    The source is ``stdnum/cn/loc.dat`` read from the installed python-stdnum package (derived from
    the Chinese Wikipedia lists of GB/T 2260 codes since 1980); it includes abolished counties such
    as ``110103 [-2010]崇文区``. Provinces are listed as ``XX0000``.
    """
    import stdnum

    text = resources.files(stdnum).joinpath("cn/loc.dat").read_text(encoding="utf-8")
    found: dict[str, list[CountyName]] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, rest = line.strip().partition(" ")
        attr, _, value = rest.partition("=")
        value = value.strip('"')
        if not line.startswith(" "):
            province = key
            found.setdefault(province + "0000", []).append(CountyName(province + "0000", value, None, None))
            continue
        code6 = province + key
        for entry in value.split(","):
            start = end = None
            if entry.startswith("["):
                span, _, entry = entry[1:].partition("]")
                start, end = _years(span)
            found.setdefault(code6, []).append(CountyName(code6, entry, start, end))
    return {code: tuple(names) for code, names in found.items()}


@cache
def _by_code() -> dict[str, Division]:
    return {d.code: d for d in all_divisions()}


@cache
def current_county_codes() -> frozenset[str]:
    """6-digit codes of provinces, prefectures and counties in the 2021 table."""
    return frozenset(d.code[:6] for d in all_divisions() if d.level <= 3)


@cache
def known_county_codes() -> frozenset[str]:
    """6-digit codes valid at some time: the 2021 table plus stdnum's historical list."""
    return current_county_codes() | frozenset(historical_counties())


def is_known_county(code6: str) -> bool:
    """True when a 6-digit code is or was a province, prefecture or county code."""
    return code6 in known_county_codes()


def division(code: str) -> Division:
    """The division with a 2- to 12-digit code in the 2021 table; KeyError if there is none."""
    full = expand_code(code)
    found = _by_code().get(full)
    if found is None:
        raise KeyError(f"no division with code {code} in the 2021 table")
    return found


def ancestors(code: str) -> list[Division]:
    """The divisions above a code, province first (the code itself not included)."""
    d = division(code)
    out = []
    parent = d.parent_code
    while parent is not None:
        p = _by_code().get(parent)
        if p is not None:
            out.append(p)
        parent = parent_code(parent, level_of(parent))
    return out[::-1]


@cache
def _children_index() -> dict[str, tuple[Division, ...]]:
    index: dict[str, list[Division]] = {}
    for d in all_divisions():
        if d.parent_code is not None:
            index.setdefault(d.parent_code, []).append(d)
    return {k: tuple(v) for k, v in index.items()}


def children(code: str) -> list[Division]:
    """The divisions directly under a code (from an index built once)."""
    d = division(code)
    return list(_children_index().get(d.code, ()))


def full_name(code: str) -> str:
    """Province to division names joined, e.g. 湖北省黄石市黄石港区 (市辖区 skipped)."""
    chain = [*ancestors(code), division(code)]
    return "".join(d.name for d in chain if d.name != "市辖区")


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What a 6- or 12-digit division code names: current (2021 table) or historical (loc.dat)."""

    code: str
    name: str
    full_name: str
    level: int
    current: bool
    history: tuple[CountyName, ...] = ()


def describe(code: str) -> CodeInfo:
    """Code to name for a current or historical code; KeyError when the code was never used."""
    code = code.strip()
    full = expand_code(code)
    history = historical_counties().get(full[:6], ()) if full[6:] == "000000" else ()
    found = _by_code().get(full)
    if found is not None:
        return CodeInfo(code, found.name, full_name(full), found.level, True, history)
    if history:
        last = history[-1]
        level = 1 if full[2:6] == "0000" else 2 if full[4:6] == "00" else 3
        try:
            prov = division(full[:2]).name
            pref = division(full[:4]).name if level == 3 else ""
        except KeyError:
            prov = pref = ""
        whole = prov + ("" if pref == "市辖区" else pref) + (last.name if level > 1 else "")
        return CodeInfo(code, last.name, whole, level, False, history)
    raise KeyError(f"{code}: not a current or historical division code")


_ETHNIC_SUFFIX = (
    "各族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯",
    "普米族",
    "塔吉克",
    "怒族",
    "鄂温克族",
    "保安族",
    "裕固族",
    "独龙族",
    "鄂伦春",
    "自治",
)
_SUFFIXES = (
    "特别行政区",
    "社区居民委员会",
    "村民委员会",
    "居民委员会",
    "街道办事处",
    "社区居委会",
    "村委会",
    "居委会",
    "街道",
    "地区",
    "社区",
    "苏木",
    "省",
    "市",
    "区",
    "县",
    "州",
    "盟",
    "旗",
    "镇",
    "乡",
    "村",
)


def short_name(name: str) -> str:
    """A division name without its type suffix: 黄石港区 -> 黄石港, 广西壮族自治区 -> 广西.

    A suffix is only removed when at least two characters remain (沙县 stays 沙县).
    """
    name = name.strip()
    changed = True
    while changed:
        changed = False
        for suffix in (*_SUFFIXES, *_ETHNIC_SUFFIX):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                name = name[: -len(suffix)]
                changed = True
                break
    return name


@cache
def _name_index(max_level: int) -> dict[str, tuple[Division, ...]]:
    index: dict[str, list[Division]] = {}
    for d in all_divisions():
        if d.level > max_level:
            continue
        for key in {d.name, short_name(d.name)}:
            index.setdefault(key, []).append(d)
    return {k: tuple(v) for k, v in index.items()}


def find(name: str, *, within: str | None = None, max_level: int = 4) -> list[Division]:
    """Divisions whose name is, or shortens to, the given (possibly short) name.

    ``within`` restricts to a code's subtree (e.g. a prefecture). Exact names come first, then
    short-name matches, then names starting with the text; each group sorted by level and code.
    Levels above ``max_level`` (default: down to township) are not searched.
    """
    text = name.strip()
    if not text:
        raise ValueError("empty division name")
    prefix = ""
    if within is not None:
        w = division(within)
        prefix = w.code[: {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}[w.level]]
    index = _name_index(max_level)

    def keep(rows: object) -> list[Division]:
        return sorted(
            (d for d in rows if d.code.startswith(prefix)),  # type: ignore[attr-defined]
            key=lambda d: (d.level, d.code),
        )

    exact = keep(d for d in index.get(text, ()) if d.name == text)
    if exact:
        return exact
    short = keep(index.get(short_name(text), ()))
    if short:
        return short
    return keep(d for d in all_divisions() if d.level <= max_level and d.name.startswith(text))


def code_for_name(name: str, *, within: str | None = None, max_level: int = 4) -> str:
    """The one 12-digit code a (short) name stands for at its highest level; KeyError otherwise."""
    found = find(name, within=within, max_level=max_level)
    if not found:
        raise KeyError(f"{name}: no division with this name" + (f" under {within}" if within else ""))
    top = [d for d in found if d.level == found[0].level]
    if len(top) > 1:
        shown = ", ".join(f"{d.code} {full_name(d.code)}" for d in top[:5])
        raise KeyError(f"{name}: ambiguous, {len(top)} divisions match ({shown}); give a parent with within=")
    return top[0].code


def name_for_code(code: str) -> str:
    """The name of a current or historical division code."""
    return describe(code).name
