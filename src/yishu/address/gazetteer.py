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
    for d in divisions.all_divisions():
        if d.level > 4:
            continue
        label = LEVEL_LABEL[d.level]
        for name in {d.name, divisions.short_name(d.name)}:
            entries.setdefault(name, set()).add((label, d.code))
    auto = ahocorasick.Automaton()
    for name, values in entries.items():
        auto.add_word(name, (name, frozenset(values)))
    auto.make_automaton()
    return auto


def matches(text: str) -> list[tuple[int, int, str, frozenset]]:
    """(start, end, name, {(label, code)}) for every gazetteer name in ``text``."""
    return [(end - len(name) + 1, end + 1, name, values) for end, (name, values) in automaton().iter(text)]
