"""Batch Viterbi decoding for a linear-chain CRF, in numpy, with a certificate per sequence.

The shipped model's transition matrix is mostly zeros (222 of 35 x 35 weights are not), so the best
score into label j, max over i of (delta[i] + T[i, j]), is the larger of the best delta over the
labels i with no weight into j (a zero adds nothing) and the best delta[i] + T[i, j] over the few
that have one. The first is the best delta overall unless the label of highest delta has a negative
weight into j; then it is at most the best delta of the other labels, and only when that bound does
not settle it is the column computed in full. Every maximum is exact; no argmax is taken going forward.

Sequences are sorted by length and decoded in chunks, one step for all sequences of a chunk at once
in a (labels, sequences) layout; each step's emissions are gathered from the caller's tables then. Walking back, each step's predecessor is the first best of its 35
candidates (crfsuite's rule), and its margin over the runner-up is checked. The emissions here are
summed in another order than crfsuite's, so a score can differ from crfsuite's in its last bits:
with n characters, at most 25 feature weights of at most 10 per character and transitions of at
most 12, every score is below 300 n and each of the few roundings per step adds at most 2^-53 of
it, so two runs of the same path differ by far less than 1e-13 n^2. When every choice on a
sequence's path wins by more than ``TOLERANCE`` (times (n / 100)^2 beyond 100 characters), crfsuite
makes the same choices: the path is the one crfsuite finds. A sequence that has a closer choice is
reported as not certified and the caller tags it with crfsuite itself.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 1e-6
CHUNK = 8192  # sequences decoded together (fewer numpy calls per sequence)
DENSE = 32  # up to this many sequences in a step, the step is computed densely


class Viterbi:
    def __init__(self, transitions: np.ndarray):
        self.transitions = np.asarray(transitions, dtype=np.float64)
        size = self.size = len(self.transitions)
        weighted = [np.flatnonzero(self.transitions[:, j]) for j in range(size)]
        # labels j sorted by how many labels have a weight into them (most first), so that the r-th
        # weight of every label that has r or more is one slice: layer r covers the first ``reach[r]``
        self.order = np.argsort([-len(w) for w in weighted], kind="stable")
        self.unorder = np.argsort(self.order)
        depth = max(1, max(len(w) for w in weighted))
        self.layers = []
        for r in range(depth):
            cols = [j for j in self.order if len(weighted[j]) > r]
            if r == 0:  # a label no weight goes into: delta[0] + 0 never beats the best delta
                cols = list(self.order)
            src = np.array([weighted[j][r] if len(weighted[j]) > r else 0 for j in cols])
            self.layers.append((len(cols), src, self.transitions[src, cols][:, None]))
        negative = self.transitions < 0
        self.negative = np.flatnonzero(negative.any(axis=0))  # labels some weight into is negative
        self.negative_from = negative[:, self.negative]  # (labels, those labels)
        self.negative_sorted = self.unorder[self.negative]

    def _step(self, prev: np.ndarray) -> np.ndarray:
        """max over i of prev[i] + T[i, j], for every label j and column of ``prev`` (labels x batch)."""
        if prev.shape[1] <= DENSE:  # a few sequences: one dense max costs less than many small calls
            return (prev[:, None, :] + self.transitions[:, :, None]).max(axis=0)
        reach, src, value = self.layers[0]
        out = prev[src]
        out += value
        for reach, src, value in self.layers[1:]:
            head = out[:reach]
            scored = prev[src]
            scored += value
            np.maximum(head, scored, out=head)
        # ``out`` (labels in sorted order) is now the best over the labels with a weight into j; the
        # best over the others is the best delta, unless the first label a of best delta has a
        # negative weight into j: then it is at most the best delta of the labels other than a
        best = prev.max(axis=0)
        weighted = out[self.negative_sorted]
        np.maximum(out, best, out=out)
        top = prev.argmax(axis=0)
        shadowed = self.negative_from[top].T
        if shadowed.any():
            columns = np.arange(prev.shape[1])
            others = prev.copy()
            others[top, columns] = -np.inf
            settled = weighted >= others.max(axis=0)
            fixed = np.where(shadowed & settled, weighted, out[self.negative_sorted])
            rows, cols = np.nonzero(shadowed & ~settled)
            if rows.size:
                labels = self.negative[rows]
                fixed[rows, cols] = (prev[:, cols] + self.transitions[:, labels]).max(axis=0)
            out[self.negative_sorted] = fixed
        return out[self.unorder]

    def decode(self, emissions: list[tuple[np.ndarray, np.ndarray]], lengths: np.ndarray):
        """Best label paths for sequences laid out by ``layout(lengths)``. The emission scores of a
        slot s are the sum over ``emissions`` of ``table[index[s]]`` (each table anything x
        labels), gathered one step at a time. Returns the label of every slot and, per sequence,
        whether its path is certified to be crfsuite's."""
        slots = int(lengths.sum())
        history = np.empty((self.size, slots))  # best score of each label at each slot
        paths = np.zeros(slots, dtype=np.int64)
        certified = np.ones(len(lengths), dtype=bool)

        def emission(a: int, b: int) -> np.ndarray:
            out = None
            for table, index in emissions:
                part = table[index[a:b]]
                out = part if out is None else np.add(out, part, out=out)
            return out.T

        for first, last, base, active in chunks(lengths):
            offsets = base + np.concatenate([[0], np.cumsum(active)])
            delta = history[:, offsets[0] : offsets[0] + active[0]]
            delta[:] = emission(offsets[0], offsets[0] + active[0])
            for t in range(1, len(active)):
                k = active[t]
                step = history[:, offsets[t] : offsets[t] + k]
                np.add(self._step(delta[:, :k]), emission(offsets[t], offsets[t] + k), out=step)
                delta = step
            ok = certified[first:last]
            tolerance = TOLERANCE * np.maximum(1.0, (lengths[first:last] / 100) ** 2)
            current = np.zeros(0, dtype=np.int64)
            for t in range(len(active) - 1, -1, -1):
                k = active[t]
                done = active[t + 1] if t + 1 < len(active) else 0
                if done < k:  # sequences that end here: the first best final score
                    final = history[:, offsets[t] + done : offsets[t] + k]
                    label, margin = _best(final.copy())
                    ok[done:k] &= margin > tolerance[done:k]
                    current = np.concatenate([current, label])
                paths[offsets[t] : offsets[t] + k] = current
                if t:
                    prev = history[:, offsets[t - 1] : offsets[t - 1] + k]
                    current, margin = _best(prev + self.transitions[:, current])
                    ok[:k] &= margin > tolerance[:k]
        return paths, certified


def _best(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the first row of highest score, and its lead over the best other row."""
    label = scores.argmax(axis=0)
    columns = np.arange(scores.shape[1])
    best = scores[label, columns]
    scores[label, columns] = -np.inf
    return label, best - scores.max(axis=0)


def chunks(lengths: np.ndarray):
    """(first, last, first slot, active per step) for each chunk of sequences sorted longest first:
    at step t the first ``active[t]`` sequences of the chunk are still going, one slot each."""
    base = 0
    for first in range(0, len(lengths), CHUNK):
        last = min(first + CHUNK, len(lengths))
        group = lengths[first:last]
        steps = np.arange(group[0])
        active = len(group) - np.searchsorted(group[::-1], steps, side="right")
        yield first, last, base, active
        base += int(group.sum())


def layout(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order of sequences (longest first) and the slot of each position, in the order of the
    sequences as given, for ``decode``."""
    order = np.argsort(-lengths, kind="stable")
    ranked = lengths[order]
    slot_of = np.empty(int(lengths.sum()), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    for first, last, base, active in chunks(ranked):
        offsets = base + np.concatenate([[0], np.cumsum(active)])
        members = order[first:last]
        n = ranked[first:last]
        within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)  # step of each position
        rank = np.repeat(np.arange(len(members)), n)
        positions = np.repeat(starts[members], n) + within
        slot_of[positions] = offsets[within] + rank
    return order, slot_of
