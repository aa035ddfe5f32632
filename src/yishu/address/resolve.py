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
    for start, end, _matched, values in gazetteer.matches(text):
        for label, code in sorted(values):  # a set: sorted, ties below go the same way in every run
            level = {"prov": 1, "city": 2, "district": 3, "town": 4}[label]
            if (
                within
                and level >= 3
                and not code.startswith(within[: PREFIX[divisions.division(within).level]])
            ):
                continue
            found.append((level, code, end - start, start))
    gazetteer_unique = {(s_, e_ - s_) for s_, e_, _n, v in gazetteer.matches(text) if len(v) == 1}
    # a candidate scores by the other names found that are its ancestors, plus one when its full name
    # (not a short form) is in the text; the deepest best-supported candidate wins. A lone short name
    # with no support (街道, 华山) is not taken.
    full = {(level, code) for level, code, _n, _s in found if _name(code) in text}
    unique = gazetteer_unique
    best, best_score = None, (0,)
    for level, code, length, start in found:
        ancestors = {(l2, c2) for l2, c2, _n, _s in found if l2 < level and _consistent(c2, l2, code, level)}
        levels = len({l2 for l2, _c in ancestors})
        support = levels + ((level, code) in full)
        if level == 3 and (start, length) in unique:  # 义乌: a county's short name that nothing else has
            support += 1
        if within and code.startswith(within[:4]):
            support += 1
        score = (support, levels, (level, code) in full, level, length)
        if support > 0 and score > best_score:
            best, best_score = (level, code), score
    # a county or district written out in full outranks a township that lies elsewhere (boundaries move)
    if best is not None and best[0] == 4:
        named = sorted((lv, c) for lv, c in full if lv == 3)
        if named and not any(best[1].startswith(c[:6]) for _lv, c in named):
            best = named[0]
    out: dict[str, dict | None] = dict.fromkeys(LEVELS)
    if best is None:
        if within:
            for d in divisions.ancestors(within) + [divisions.division(within)]:
                out[LEVELS[d.level - 1]] = {"name": d.name, "code": d.code}
        return out
    level, code = best
    for lv, c in _chain(code, level):
        out[LEVELS[lv - 1]] = {"name": _name(c), "code": c}
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


def _name(code: str) -> str:
    return divisions.name_for_code(
        code[:6] if code.endswith("000000") and code[:6] not in _CURRENT6() else code
    )


@functools.lru_cache(maxsize=1)
def _CURRENT6() -> frozenset[str]:
    return frozenset(d.code[:6] for d in divisions.all_divisions() if d.level == 3)


def _chain(code: str, level: int) -> list[tuple[int, str]]:
    """(level, code) from the province down to ``code``; a historical county hangs under its
    prefecture and province by its code."""
    if level == 3 and code[:6] not in _CURRENT6():
        out = []
        for lv, prefix in ((1, code[:2] + "0000000000"), (2, code[:4] + "00000000")):
            try:
                divisions.division(prefix)
                out.append((lv, prefix))
            except KeyError:
                pass
        return [*out, (3, code)]
    return [(d.level, d.code) for d in [*divisions.ancestors(code), divisions.division(code)] if d.level <= 4]


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
    if code[:6] not in _CURRENT6():  # a historical county: its villages are filed under its successors
        return []
    level = divisions.level_of(code)
    if level == 4:
        return divisions.children(code)
    if level == 3:
        return [c for town in divisions.children(code) for c in divisions.children(town.code)]
    return []
