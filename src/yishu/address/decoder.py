"""A batch Viterbi decoder for the shipped CRF, in numpy.

python-crfsuite tags one address at a time and turns every feature into a string on each call.
Here the model's weights are read once (``Tagger.info()``) into a matrix with one row per
attribute, each feature template gets a lookup table from its characters to that row, a whole
batch's characters become one integer matrix of rows that is summed in one gather, and addresses
of equal length are decoded together. The labels are crfsuite's (checked in the tests).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from yishu.address import gazetteer
from yishu.address.features import SUFFIXES, fold

TEMPLATES = ("c", "c-1", "c+1", "c-2", "c+2", "b-", "b+", "t", "k", "kp")


class Decoder:
    def __init__(self, tagger):
        info = tagger.info()
        self.labels = list(tagger.labels())
        index = {label: i for i, label in enumerate(self.labels)}
        size = len(self.labels)
        rows: dict[str, int] = {}
        vectors: list[np.ndarray] = [np.zeros(size)]  # row 0: no weight
        for (attribute, label), weight in info.state_features.items():
            row = rows.get(attribute)
            if row is None:
                row = rows[attribute] = len(vectors)
                vectors.append(np.zeros(size))
            vectors[row][index[label]] = weight
        self.weights = np.array(vectors)
        self.table: dict[str, dict[str, int]] = {t: {} for t in TEMPLATES}
        self.table["g"] = {}
        for attribute, row in rows.items():
            name, sep, value = attribute.partition("=")
            if sep and name in self.table:
                self.table[name][value] = row
        self.bias = rows.get("bias", 0)
        self.suffix = rows.get("suffix", 0)
        self.next_suffix = rows.get("next_suffix", 0)
        self.transitions = np.zeros((size, size))
        for (a, b), weight in info.transitions.items():
            self.transitions[index[a], index[b]] = weight

    def _prepare_vectorised(self) -> None:
        """Sorted integer keys per template (code points packed 21 bits each) for np.searchsorted."""

        def pack(text: str) -> int:
            key = 0
            for ch in text:
                key = (key << 21) | ord(ch)
            return key

        self.sorted_keys = {}
        for name in ("c", "c-1", "c+1", "c-2", "c+2", "b-", "b+", "t"):
            items = sorted(
                (pack(k), r)
                for k, r in self.table[name].items()
                if len(k) == {"b-": 2, "b+": 2, "t": 3}.get(name, 1)
            )
            self.sorted_keys[name] = (np.array([k for k, _ in items] or [-1], dtype=np.int64),
                                      np.array([r for _, r in items] or [0], dtype=np.int64))  # fmt: skip
        classes = "DAHP"
        self.class_pair = np.zeros((4, 4), dtype=np.int64)
        self.class_pair_prev = np.zeros((4, 4), dtype=np.int64)
        for i, x in enumerate(classes):
            for j, y in enumerate(classes):
                self.class_pair[i, j] = self.table["k"].get(x + y, 0)
                self.class_pair_prev[i, j] = self.table["kp"].get(x + y, 0)
        self.suffix_codes = np.array(sorted(ord(ch) for ch in SUFFIXES), dtype=np.int64)

    def _lookup(self, name: str, query: np.ndarray) -> np.ndarray:
        keys, rows = self.sorted_keys[name]
        pos = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
        return np.where(keys[pos] == query, rows[pos], 0)

    @staticmethod
    def _classes(codes: np.ndarray) -> np.ndarray:
        """D A H P as 0 1 2 3, like features._class."""
        out = np.full(codes.shape, 3, dtype=np.int64)
        out[(codes >= 0x4E00) & (codes <= 0x9FFF)] = 2
        out[codes == ord("a")] = 1
        out[codes == ord("0")] = 0
        return out

    def tag_many(self, texts: list[str]) -> list[list[str]]:
        if not hasattr(self, "sorted_keys"):
            self._prepare_vectorised()
        padded, lengths, gaz_rows = [], [], []
        g = self.table["g"]
        for text in texts:
            folded = fold(text)
            if len(folded) != len(text):
                folded = "".join(fold(ch)[:1] or ch for ch in text)
            n = len(folded)
            padded.append("^^" + folded + "$$")
            lengths.append(n)
            found = gazetteer.matches(text) if n else []
            tagged: set[tuple[int, str]] = set()
            for start, end, _name, values in found:
                for label in {lab for lab, _code in values}:
                    tagged.add((start, f"B-{label}"))
                    tagged.update((i, f"I-{label}") for i in range(start + 1, min(end, n)))
                    if end - 1 < n:
                        tagged.add((end - 1, f"E-{label}"))
            gaz_rows.append(tagged)
        total = sum(lengths)
        out: list[list[str]] = [[] for _ in texts]
        if total == 0:
            return out
        joined = "".join(padded)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        starts = np.cumsum([0, *[len(p) for p in padded[:-1]]])
        centre = np.concatenate([np.arange(n) + s + 2 for s, n in zip(starts, lengths, strict=True) if n])
        c, p1, n1, p2, n2 = (codes[centre + d] for d in (0, -1, 1, -2, 2))
        cls = self._classes(codes)
        columns = [
            self._lookup("c", c), self._lookup("c-1", p1), self._lookup("c+1", n1), self._lookup("c-2", p2),
            self._lookup("c+2", n2), self._lookup("b-", (p1 << 21) | c), self._lookup("b+", (c << 21) | n1),
            self._lookup("t", (p1 << 42) | (c << 21) | n1),
            self.class_pair[cls[centre], cls[centre + 1]], self.class_pair_prev[cls[centre - 1], cls[centre]],
            np.where(np.isin(c, self.suffix_codes), self.suffix, 0),
            np.where(np.isin(n1, self.suffix_codes), self.next_suffix, 0),
        ]  # fmt: skip
        emissions = self.weights[self.bias][None, :].repeat(total, axis=0)
        for column in columns:
            if column.any():
                emissions += self.weights[column]
        offsets = np.cumsum([0, *lengths[:-1]])
        positions, gaz = [], []
        for k, tagged in enumerate(gaz_rows):
            base = offsets[k]
            for i, tag in tagged:
                row = g.get(tag)
                if row:
                    positions.append(base + i)
                    gaz.append(row)
        if positions:
            np.add.at(emissions, np.array(positions), self.weights[np.array(gaz)])
        groups: dict[int, list[int]] = defaultdict(list)
        for k, n in enumerate(lengths):
            if n:
                groups[n].append(k)
        labels = self.labels
        for n, members in groups.items():
            idx = offsets[members][:, None] + np.arange(n)[None, :]
            e = emissions[idx]  # (batch, n, labels)
            delta = e[:, 0, :]
            back = np.zeros((len(members), n, e.shape[2]), dtype=np.int32)
            for t in range(1, n):
                scores = delta[:, :, None] + self.transitions[None, :, :]
                best = scores.argmax(axis=1)
                back[:, t, :] = best
                delta = np.take_along_axis(scores, best[:, None, :], axis=1)[:, 0, :] + e[:, t, :]
            paths = np.zeros((len(members), n), dtype=np.int32)
            paths[:, n - 1] = delta.argmax(axis=1)
            rows_ = np.arange(len(members))
            for t in range(n - 1, 0, -1):
                paths[:, t - 1] = back[rows_, t, paths[:, t]]
            for row, k in enumerate(members):
                out[k] = [labels[i] for i in paths[row]]
        return out
