"""A gazetteer of the real divisions for the parser's features and for division resolution.

Names come from the standards layer's division table (NBS 2021): provinces, prefectures, counties
and townships with their full names and their short forms (黄石港区 -> 黄石港, 烟台市 -> 烟台), found
in text with an Aho-Corasick automaton (pyahocorasick)."""

from __future__ import annotations

import functools

import ahocorasick

from yishu.standards import divisions

LEVEL_LABEL = {1: "prov", 2: "city", 3: "district", 4: "town"}


@functools.lru_cache(maxsize=1)
def automaton() -> ahocorasick.Automaton:
    """Every division name (levels 1-4) and its short form -> set of (label, code)."""
    entries: dict[str, set[tuple[str, str]]] = {}
    current: set[str] = set()
    for d in divisions.all_divisions():
        if d.level > 4:
            continue
        label = LEVEL_LABEL[d.level]
        current.add(d.name)
        for name in {d.name, divisions.short_name(d.name)}:
            entries.setdefault(name, set()).add((label, d.code))
    # counties abolished or renamed before 2021 (江干区, 下城区, 绍兴县): people still write them
    for code6, names in divisions.historical_counties().items():
        if code6.endswith("00"):
            continue
        for n in names:
            if n.name not in current and n.end is not None:  # full names only: short ones collide (金华县)
                entries.setdefault(n.name, set()).add(("district", code6 + "000000"))
    auto = ahocorasick.Automaton()
    for name, values in entries.items():
        auto.add_word(name, (name, frozenset(values)))
    auto.make_automaton()
    return auto


ROAD_AFTER = set("路街道巷弄桥")


def matches(text: str) -> list[tuple[int, int, str, frozenset]]:
    """(start, end, name, {(label, code)}) for every gazetteer name in ``text``; a name followed by a
    road word is part of a road's name (河北路, 江南大道), not a division."""
    out = []
    for end, (name, values) in automaton().iter(text):
        if end + 1 < len(text) and text[end + 1] in ROAD_AFTER and not name.endswith(("街道", "镇", "乡")):
            continue
        if end + 2 < len(text) and text[end + 1 : end + 3] == "大道":
            continue
        out.append((end - len(name) + 1, end + 1, name, values))
    # a name inside a longer name is part of it (城区 in 下城区, 环县 in 玉环县, 东区 in 江东区)
    return [
        m for m in out if not any(o[0] <= m[0] and m[1] <= o[1] and o[1] - o[0] > m[1] - m[0] for o in out)
    ]
