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
from yishu.address.features import SUFFIXES, _class, fold

TEMPLATES = ("c", "c-1", "c+1", "c-2", "c+2", "b-", "b+", "t", "k", "kp")
WIDTH = 13 + 8  # bias, ten templates, two suffix flags, up to eight gazetteer tags


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

    def _rows(self, text: str, out: list[int]) -> int:
        """Append the attribute rows of each character of ``text`` (WIDTH per character)."""
        folded = fold(text)
        if len(folded) != len(text):
            folded = "".join(fold(ch)[:1] or ch for ch in text)
        n = len(folded)
        p = "^^" + folded + "$$"
        cls = [_class(ch) for ch in p]
        gaz: list[list[str]] | None = None
        found = gazetteer.matches(text)
        if found:
            tags = [set() for _ in range(n)]
            for start, end, _name, values in found:
                for label in {lab for lab, _code in values}:
                    tags[start].add(f"B-{label}")
                    for i in range(start + 1, min(end, n)):
                        tags[i].add(f"I-{label}")
                    if end - 1 < n:
                        tags[end - 1].add(f"E-{label}")
            gaz = [sorted(t) for t in tags]
        c_, cm1, cp1, cm2, cp2 = (self.table[t] for t in ("c", "c-1", "c+1", "c-2", "c+2"))
        bm, bp, tt, kk, kp, g = (self.table[t] for t in ("b-", "b+", "t", "k", "kp", "g"))
        pad = [0] * 8
        for i in range(n):
            j = i + 2
            ch, n1 = p[j], p[j + 1]
            row = [
                self.bias, c_.get(ch, 0), cm1.get(p[j - 1], 0), cp1.get(n1, 0), cm2.get(p[j - 2], 0),
                cp2.get(p[j + 2], 0), bm.get(p[j - 1 : j + 1], 0), bp.get(p[j : j + 2], 0),
                tt.get(p[j - 1 : j + 2], 0), kk.get(cls[j] + cls[j + 1], 0), kp.get(cls[j - 1] + cls[j], 0),
                self.suffix if ch in SUFFIXES else 0, self.next_suffix if n1 in SUFFIXES else 0,
            ]  # fmt: skip
            extra = [g.get(tag, 0) for tag in gaz[i]][:8] if gaz else []
            out.extend(row)
            out.extend(extra)
            out.extend(pad[len(extra) :])
        return n

    def tag_many(self, texts: list[str]) -> list[list[str]]:
        flat: list[int] = []
        lengths = [self._rows(text, flat) for text in texts]
        total = sum(lengths)
        out: list[list[str]] = [[] for _ in texts]
        if total == 0:
            return out
        rows = np.array(flat, dtype=np.int32).reshape(total, WIDTH)
        emissions = self.weights[rows[:, 0]]  # (characters, labels), one gather per template column
        for k in range(1, WIDTH):
            column = rows[:, k]
            if column.any():
                emissions += self.weights[column]
        offsets = np.cumsum([0, *lengths[:-1]])
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
                back[:, t, :] = scores.argmax(axis=1)
                delta = scores.max(axis=1) + e[:, t, :]
            paths = np.zeros((len(members), n), dtype=np.int32)
            paths[:, n - 1] = delta.argmax(axis=1)
            rows_ = np.arange(len(members))
            for t in range(n - 1, 0, -1):
                paths[:, t - 1] = back[rows_, t, paths[:, t]]
            for row, k in enumerate(members):
                out[k] = [labels[i] for i in paths[row]]
        return out
