"""Tag a batch of addresses with the shipped CRF, in numpy, with crfsuite's labels.

python-crfsuite tags one address at a time and turns every feature into a string on each call. Here
the model's weights are read once (``Tagger.info()``) and the features of ``features.py`` are
computed for the whole batch at once from arrays of code points:

* every character of the model's feature keys gets an id (unknown characters one id per class); the
  unigram templates (with bias and the suffix flags) become tables by id, the bigram templates
  tables by pair of ids, the trigram template a hash table, the class pairs 4 x 4 tables;
* the gazetteer's B/I/E tags come from one ``gazetteer.BatchMatcher`` pass over the joined batch, as
  a 12-bit pattern per character;
* emissions are summed once per distinct (trigram, pattern) of the batch; the Viterbi adds the two
  outer characters' tables as it gathers each step's scores;
* ``viterbi.Viterbi`` decodes the addresses (in blocks of ``BLOCK`` characters, longest first) and
  certifies each path as crfsuite's; an address it cannot certify (a near tie) is tagged by
  crfsuite. The labels are crfsuite's either way (tests/address/test_decoder.py checks them).
"""

from __future__ import annotations

import numpy as np

from yishu.address import gazetteer, viterbi
from yishu.address.features import SUFFIXES, _class, features, fold

UNIGRAMS = ("c", "c-1", "c+1", "c-2", "c+2")
GAZ_TAGS = [f"{kind}-{label}" for kind in "BIE" for label in gazetteer.LABEL_BIT]  # bit order
CJK, OTHER = 0, 1  # ids of characters no feature key holds
BLOCK = 1 << 16  # characters decoded together


def _digit_letter_fold(codes: np.ndarray) -> np.ndarray:
    """``features.fold`` for text of ASCII and common CJK only: digits to 0, ASCII letters to a."""
    out = codes.copy()
    out[(codes >= 0x30) & (codes <= 0x39)] = 0x30
    out[((codes >= 0x41) & (codes <= 0x5A)) | ((codes >= 0x61) & (codes <= 0x7A))] = 0x61
    return out


def _simple(codes: np.ndarray) -> np.ndarray:
    return (codes <= 0x7F) | ((codes >= 0x4E00) & (codes <= 0x9FFF))


class Decoder:
    def __init__(self, tagger):
        info = tagger.info()
        self.tagger = tagger
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
        weights = np.array(vectors)
        self.transitions = np.zeros((size, size))
        for (a, b), weight in info.transitions.items():
            self.transitions[index[a], index[b]] = weight
        self.viterbi = viterbi.Viterbi(self.transitions)
        table: dict[str, dict[str, int]] = {}
        for attribute, row in rows.items():
            name, sep, value = attribute.partition("=")
            if sep:
                table.setdefault(name, {})[value] = row

        # character ids: 0 and 1 for unknown CJK and other characters, 2.. for the known ones
        known = sorted({ch for t in (*UNIGRAMS, "b-", "b+", "t") for key in table.get(t, {}) for ch in key}
                       | SUFFIXES | {"0", "a"})  # fmt: skip
        self.ids = np.full(0x110000, OTHER, dtype=np.int32)
        self.ids[0x4E00:0xA000] = CJK
        self.ids[[ord(ch) for ch in known]] = np.arange(2, len(known) + 2)
        chars = [None, None, *known]
        self.width = len(chars)
        if self.width**3 * 4096 >= 2**63:  # the key of a (trigram, pattern) is one int64
            raise ValueError(f"{self.width:,} characters in the model's features: too many to pack")

        def by_char(name: str, extra: str | None = None, flagged=()) -> np.ndarray:
            out = weights[[table.get(name, {}).get(ch, 0) if ch else 0 for ch in chars]]
            if extra in rows:
                out[[i for i, ch in enumerate(chars) if ch in flagged]] += weights[rows[extra]]
            return out

        self.centre = by_char("c", "suffix", SUFFIXES) + weights[rows.get("bias", 0)]
        self.before = by_char("c-1")
        self.after = by_char("c+1", "next_suffix", SUFFIXES)
        self.before2 = by_char("c-2")
        self.after2 = by_char("c+2")
        w = self.width

        def hashed(name: str, n: int) -> gazetteer.HashTable:
            keys, values = [], []
            for key, row in table.get(name, {}).items():
                if len(key) == n:
                    packed = 0
                    for ch in key:
                        packed = packed * w + int(self.ids[ord(ch)])
                    keys.append(packed)
                    values.append(row)
            return gazetteer.HashTable(np.array(keys, dtype=np.int64), np.array(values, dtype=np.int64))

        def dense(name: str) -> np.ndarray:  # a row per pair of character ids
            out = np.zeros(w * w, dtype=np.int32)
            for key, row in table.get(name, {}).items():
                if len(key) == 2:
                    out[int(self.ids[ord(key[0])]) * w + int(self.ids[ord(key[1])])] = row
            return out

        self.bigram_before, self.bigram_after, self.trigram = dense("b-"), dense("b+"), hashed("t", 3)
        self.weights = weights
        classes = "DAHP"
        self.char_class = np.array([classes.index(_class(ch)) for ch in ["\u4e00", "\x00", *known]])
        self.class_pair = np.zeros((4, 4), dtype=np.int64)
        self.class_pair_before = np.zeros((4, 4), dtype=np.int64)
        for i, x in enumerate(classes):
            for j, y in enumerate(classes):
                self.class_pair[i, j] = table.get("k", {}).get(x + y, 0)
                self.class_pair_before[i, j] = table.get("kp", {}).get(x + y, 0)
        # the summed gazetteer rows of each 12-bit tag pattern
        gaz_rows = [table.get("g", {}).get(tag, 0) for tag in GAZ_TAGS]
        bits = (np.arange(4096)[:, None] >> np.arange(12)[None, :]) & 1
        self.gaz = bits @ weights[gaz_rows]
        self.matcher = gazetteer.BatchMatcher()

    def _fold(self, texts: list[str], codes: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Folded code points of the joined texts (as ``features.window_keys`` folds each text)."""
        folded = _digit_letter_fold(codes)
        odd = np.flatnonzero(~_simple(codes))
        if odd.size:
            for k in np.unique(np.searchsorted(starts, odd, side="right") - 1).tolist():
                text = texts[k]
                f = fold(text)
                if len(f) != len(text):
                    f = "".join(fold(ch)[:1] or ch for ch in text)
                folded[starts[k] : starts[k] + len(text)] = np.frombuffer(
                    f.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
                )
        return folded

    def _patterns(self, codes: np.ndarray) -> np.ndarray:
        """The 12-bit gazetteer tag pattern of every character of the joined texts."""
        start, end, bits = self.matcher.matches(codes)
        pattern = np.zeros(len(codes), dtype=np.int64)
        np.bitwise_or.at(pattern, start, bits)  # B
        np.bitwise_or.at(pattern, end - 1, bits << 8)  # E
        inner = end - start - 1
        if inner.sum():
            cover = np.repeat(start + 1, inner) + (
                np.arange(int(inner.sum())) - np.repeat(np.cumsum(inner) - inner, inner)
            )
            np.bitwise_or.at(pattern, cover, np.repeat(bits << 4, inner))  # I
        return pattern

    def emissions(self, texts: list[str], lengths: np.ndarray, slot_of: np.ndarray) -> list:
        """State scores of every character of the (non-empty) texts, as ``viterbi.Viterbi.decode``
        takes them: (table, index) pairs whose columns summed are the scores of each slot (the
        character at position p of the texts laid end to end goes to slot ``slot_of[p]``)."""
        joined = "^^" + "$$^^".join(texts) + "$$"
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        starts = 2 + np.concatenate([[0], np.cumsum(lengths[:-1] + 4)])
        centre = np.empty(len(slot_of), dtype=np.int64)
        centre[slot_of] = np.arange(len(slot_of)) + np.repeat(
            starts - (np.cumsum(lengths) - lengths), lengths
        )
        ids = self.ids[self._fold(texts, codes, starts)].astype(np.int64)
        p2, p1, c, n1, n2 = (ids[centre + d] for d in (-2, -1, 0, 1, 2))
        w = self.width
        key = ((p1 * w + c) * w + n1) * 4096 + self._patterns(codes)[centre]
        distinct, inverse = np.unique(key, return_inverse=True)
        pattern = distinct % 4096
        tri = distinct // 4096
        up1, uc, un1 = tri // (w * w), (tri // w) % w, tri % w
        cls = self.char_class
        rows = (
            self.bigram_before[up1 * w + uc],
            self.bigram_after[uc * w + un1],
            self.trigram.get(tri),
            self.class_pair[cls[uc], cls[un1]],
            self.class_pair_before[cls[up1], cls[uc]],
        )
        score = self.centre[uc] + self.before[up1] + self.after[un1] + self.gaz[pattern]
        for r in rows:
            score += self.weights[r]
        return [(score, inverse), (self.before2, p2), (self.after2, n2)]

    def decode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Label ids of every character of the (non-empty) texts in text order, and offsets. The
        texts are decoded in blocks of about ``BLOCK`` characters (memory stays bounded)."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        labels = np.empty(int(offsets[-1]), dtype=np.int64)
        self.uncertified = 0
        first = 0
        while first < len(texts):
            last = max(first + 1, int(np.searchsorted(offsets, offsets[first] + BLOCK, side="right")) - 1)
            block = labels[offsets[first] : offsets[last]]
            block[:] = self._decode_block(texts[first:last], lengths[first:last])
            first = last
        return labels, offsets

    def _decode_block(self, texts: list[str], lengths: np.ndarray) -> np.ndarray:
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        order, slot_of = viterbi.layout(lengths)
        paths, certified = self.viterbi.decode(self.emissions(texts, lengths, slot_of), lengths[order])
        labels = paths[slot_of]
        index = {label: i for i, label in enumerate(self.labels)}
        for k in order[~certified].tolist():
            tags = self.tagger.tag(features(texts[k]))
            labels[offsets[k] : offsets[k + 1]] = [index[t] for t in tags]
        self.uncertified += int((~certified).sum())
        return labels

    def spans(self, labels: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, list, list, list]:
        """``corpus.spans_from_bio`` for every text at once: text index (an array, ascending), and
        label, start and end (lists).
        A span starts at B, or at I-x not preceded (in the same text) by B-x or I-x."""
        if not hasattr(self, "_entity"):
            names = sorted({t.partition("-")[2] for t in self.labels if "-" in t})
            self._entity_names = names
            self._entity = np.array(
                [names.index(t.partition("-")[2]) if "-" in t else -1 for t in self.labels]
            )
            self._inside = np.array([t.startswith("I-") for t in self.labels])
        entity = self._entity[labels]
        follows = np.zeros(len(labels) + 1, dtype=bool)  # continues the span of the previous character
        follows[1:-1] = self._inside[labels[1:]] & (entity[1:] == entity[:-1])
        follows[offsets[:-1]] = False
        tagged = entity >= 0
        start = np.flatnonzero(tagged & ~follows[:-1])
        end = np.flatnonzero(tagged & ~follows[1:]) + 1
        which = np.searchsorted(offsets, start, side="right") - 1
        base = offsets[which]
        names = self._entity_names
        return (which, [names[e] for e in entity[start].tolist()], (start - base).tolist(),
                (end - base).tolist())  # fmt: skip

    def tag_many(self, texts: list[str]) -> list[list[str]]:
        nonempty = [t for t in texts if t]
        out: list[list[str]] = [[] for _ in texts]
        if not nonempty:
            return out
        labels, offsets = self.decode(nonempty)
        names = [self.labels[i] for i in labels.tolist()]
        k = 0
        for i, t in enumerate(texts):
            if t:
                out[i] = names[offsets[k] : offsets[k + 1]]
                k += 1
        return out
