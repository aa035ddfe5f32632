"""Division resolution: from an address text to province, city, district, township and community.

Names of real divisions found in the text (full or short, through the gazetteer) vote for codes;
the deepest consistent chain wins and fills the levels above it (烟台市芝罘区南大街 -> 山东省 /
烟台市 / 芝罘区). ``within`` (a prefecture code) settles short names that repeat across the country
(鼓楼区); a community or village is looked up under the township or district found."""

from __future__ import annotations

import functools

import ahocorasick

from yishu.address import gazetteer
from yishu.standards import divisions

LEVELS = ("province", "city", "district", "town", "community")
PREFIX = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def _consistent(a: str, la: int, b: str, lb: int) -> bool:
    """True when the shallower of the two codes is an ancestor of (or equal to) the deeper one."""
    if la > lb:
        a, la, b, lb = b, lb, a, la
    return b.startswith(a[: PREFIX[la]])


def resolve(text: str, within: str | None = None) -> dict[str, dict | None]:
    """Each level's {"name", "code"} or None."""
    return {k: (dict(v) if v else None) for k, v in _resolve(text, within).items()}


@functools.lru_cache(maxsize=100_000)
def _resolve(text: str, within: str | None) -> dict[str, dict | None]:
    found = []  # (level, code, length of the name, start)
    for start, end, _name, values in gazetteer.matches(text):
        for label, code in values:
            level = {"prov": 1, "city": 2, "district": 3, "town": 4}[label]
            if (
                within
                and level >= 3
                and not code.startswith(within[: PREFIX[divisions.division(within).level]])
            ):
                continue
            found.append((level, code, end - start, start))
    # a candidate scores by the other names found that are its ancestors, plus one when its full name
    # (not a short form) is in the text; the deepest best-supported candidate wins. A lone short name
    # with no support (街道, 华山) is not taken.
    full = {(level, code) for level, code, _n, _s in found if divisions.division(code).name in text}
    best, best_score = None, (0, 0, 0)
    for level, code, length, _start in found:
        ancestors = {(l2, c2) for l2, c2, _n, _s in found if l2 < level and _consistent(c2, l2, code, level)}
        support = len({l2 for l2, _c in ancestors}) + ((level, code) in full)
        if within and code.startswith(within[:4]):
            support += 1
        score = (support, level, length)
        if support > 0 and score > best_score:
            best, best_score = (level, code), score
    out: dict[str, dict | None] = dict.fromkeys(LEVELS)
    if best is None:
        if within:
            for d in divisions.ancestors(within) + [divisions.division(within)]:
                out[LEVELS[d.level - 1]] = {"name": d.name, "code": d.code}
        return out
    level, code = best
    chain = [*divisions.ancestors(code), divisions.division(code)]
    for d in chain:
        if d.level <= 4:
            out[LEVELS[d.level - 1]] = {"name": d.name, "code": d.code}
    # the community or village, under the deepest level found
    if level >= 3:
        for _end, child_code in _community_automaton(code).iter(text):
            child = divisions.division(child_code)
            out["community"] = {"name": child.name, "code": child.code}
            if out["town"] is None:
                town = divisions.division(child.code[:9] + "000")
                out["town"] = {"name": town.name, "code": town.code}
            break
    return out


def gazetteer_short(name: str) -> str | None:
    for suffix in ("社区居民委员会", "居民委员会", "村民委员会", "社区居委会", "居委会", "村委会", "委员会"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@functools.lru_cache(maxsize=512)
def _community_automaton(code: str) -> ahocorasick.Automaton:
    """Names (full and short) of the communities and villages under a district or township."""
    auto = ahocorasick.Automaton()
    for child in _communities(code):
        for name in {child.name, gazetteer_short(child.name)} - {None}:
            auto.add_word(name, child.code)
    if len(auto) == 0:
        auto.add_word("\x00", "")
    auto.make_automaton()
    return auto


def _communities(code: str):
    level = divisions.level_of(code)
    if level == 4:
        return divisions.children(code)
    if level == 3:
        return [c for town in divisions.children(code) for c in divisions.children(town.code)]
    return []
