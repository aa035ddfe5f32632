"""A gazetteer of the real divisions for the parser's features and for division resolution.

Names come from the standards layer's division table (NBS 2021): provinces, prefectures, counties
and townships with their full names and their short forms (黄石港区 -> 黄石港, 烟台市 -> 烟台), found
in text with an Aho-Corasick automaton (pyahocorasick). ``BatchMatcher`` finds the same matches in a
whole batch of texts at once, with numpy (a trie walked from every character in step)."""

from __future__ import annotations

import functools

import ahocorasick
import numpy as np

from yishu.standards import divisions

LEVEL_LABEL = {1: "prov", 2: "city", 3: "district", 4: "town"}


@functools.lru_cache(maxsize=1)
def entries() -> dict[str, frozenset[tuple[str, str]]]:
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
    return {name: frozenset(values) for name, values in entries.items()}


@functools.lru_cache(maxsize=1)
def automaton() -> ahocorasick.Automaton:
    """``entries`` as an automaton: name -> (name, set of (label, code))."""
    auto = ahocorasick.Automaton()
    for name, values in entries().items():
        auto.add_word(name, (name, values))
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


class HashTable:
    """A fixed map of non-negative int64 keys to int64 values, looked up for a whole array at once
    (open addressing, linear probing, at most a quarter full); a missing key gives 0."""

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        bits = max(4, int(4 * len(keys)).bit_length())
        self.shift = np.uint64(64 - bits)
        self.keys = np.full(1 << bits, -1, dtype=np.int64)
        self.values = np.zeros(1 << bits, dtype=np.int64)
        slot = self._hash(keys)
        pending = np.arange(len(keys))
        self.probes = 0
        while pending.size:  # place what fits, move the rest one slot on
            self.probes += 1
            free = self.keys[slot[pending]] == -1
            first = np.zeros(len(pending), dtype=bool)
            _u, at = np.unique(slot[pending[free]], return_index=True)
            first[np.flatnonzero(free)[at]] = True
            placed = pending[first]
            self.keys[slot[placed]], self.values[slot[placed]] = keys[placed], values[placed]
            pending = pending[~first]
            slot[pending] = (slot[pending] + 1) & (len(self.keys) - 1)

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> self.shift).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        out = np.zeros(len(keys), dtype=np.int64)
        slot = self._hash(keys)
        pending = np.arange(len(keys))
        for _ in range(self.probes):
            stored = self.keys[slot]
            found = stored == keys[pending]
            out[pending[found]] = self.values[slot[found]]
            going = ~found & (stored != -1)
            pending, slot = pending[going], (slot[going] + 1) & (len(self.keys) - 1)
            if not pending.size:
                break
        return out


LABEL_BIT = {"prov": 1, "city": 2, "district": 4, "town": 8}
_KEEP_BEFORE_ROAD = ("街道", "镇", "乡")


class BatchMatcher:
    """``matches`` for many texts at once. The texts are joined with separators that no name holds,
    as one array of code points; a trie of the gazetteer's names is walked from every character in
    step (one hash-table look-up per name length), and the road and containment rules of
    ``matches`` are applied to the arrays found."""

    def __init__(self, names: dict[str, frozenset[tuple[str, str]]] | None = None):
        labels_of = {
            name: sum({LABEL_BIT[label] for label, _code in values})
            for name, values in (entries() if names is None else names).items()
        }
        alphabet = sorted({ch for name in labels_of for ch in name})
        self.size = len(alphabet) + 1  # character ids 1.., 0 for a character in no name
        self.char_id = np.zeros(0x110000, dtype=np.int32)
        self.char_id[[ord(ch) for ch in alphabet]] = np.arange(1, self.size)
        children: dict[tuple[int, int], int] = {}
        labels, keep = [0], [False]
        for name, mask in labels_of.items():
            node = 0
            for ch in name:
                edge = (node, int(self.char_id[ord(ch)]))
                node = children.get(edge)
                if node is None:
                    node = children[edge] = len(labels)
                    labels.append(0)
                    keep.append(False)
            labels[node] = mask
            keep[node] = name.endswith(_KEEP_BEFORE_ROAD)
        self.labels = np.array(labels, dtype=np.int64)
        self.keep_before_road = np.array(keep)
        self.root = np.zeros(self.size, dtype=np.int64)
        for (parent, ch), child in children.items():
            if parent == 0:
                self.root[ch] = child
        self.edges = HashTable(
            np.array([parent * self.size + ch for parent, ch in children], dtype=np.int64),
            np.array(list(children.values()), dtype=np.int64),
        )
        self.road_after = np.array(sorted(ord(ch) for ch in ROAD_AFTER))

    def find(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every occurrence of a name in ``codes``: (start, end, trie node), end exclusive."""
        ids = self.char_id[codes]
        if not ids.size or ids[-1]:
            ids = np.append(ids, 0)  # a walk stops at the end
        starts = np.flatnonzero(self.root[ids])
        node = self.root[ids[starts]]
        nothing = np.zeros(0, dtype=np.int64)
        found_start, found_end, found_node = [nothing], [nothing], [nothing]
        depth = 1
        while starts.size:
            word = self.labels[node] > 0
            found_start.append(starts[word])
            found_end.append(starts[word] + depth)
            found_node.append(node[word])
            child = self.edges.get(node * self.size + ids[np.minimum(starts + depth, len(ids) - 1)])
            hit = child > 0
            starts, node = starts[hit], child[hit]
            depth += 1
        return np.concatenate(found_start), np.concatenate(found_end), np.concatenate(found_node)

    def matches(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, end, label bits) of the matches ``matches`` keeps, for texts joined in ``codes``
        by separators of two or more characters that are in no name and are not road words."""
        start, end, node = self.find(codes)
        last = len(codes) - 1
        after = np.where(end <= last, codes[np.minimum(end, last)], 0)
        road = np.isin(after, self.road_after) & ~self.keep_before_road[node]
        road |= (after == ord("大")) & (codes[np.minimum(end + 1, last)] == ord("道")) & (end + 1 <= last)
        start, end, node = start[~road], end[~road], node[~road]
        # a name inside a longer one is dropped: sorted by start then longest first, a match is inside
        # another when an earlier one ends at or after its end
        order = np.lexsort((-end, start))
        start, end, node = start[order], end[order], node[order]
        reach = np.maximum.accumulate(end)
        inside = np.zeros(len(end), dtype=bool)
        inside[1:] = reach[:-1] >= end[1:]
        keep = ~inside
        return start[keep], end[keep], self.labels[node[keep]]
