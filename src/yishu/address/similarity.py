"""Same place or not: a score in [0, 1] for a pair of address texts.

Both texts are normalised (numerals, building and unit words). The score is a logistic function of
how much of the shorter text's character bigrams the longer one holds (and their Jaccard overlap),
the longest run of characters the two share (against the shorter and the longer text), and whether
their numbers (door, building, unit, room) agree. The weights were fitted by logistic regression on
one half of the CCKS 2021 address-match pairs (label 2 against 0 and 1) and measured on the other
(``python bench/address_bench.py --fit-same-place`` refits them), and the intercept is moved so
that the decision threshold fitted on that half is 0.8. Two different districts or townships are
never the same place: such a pair's score is cut to 0.3 of it. Identical normal forms score 1."""

from __future__ import annotations

import math

from yishu.address.normalise import normalise, numbers
from yishu.address.resolve import resolve

FEATURES = ("bias", "containment", "jaccard", "numbers", "run_shorter", "run_longer")
WEIGHTS = (-4.7196, 5.6358, 0.9008, 0.8187, -5.0592, 3.3598)
# logit(0.8) - logit(threshold fitted on the first half): the threshold becomes 0.8
SHIFT = 3.1084


def _bigrams(t: str) -> set[str]:
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def _longest_run(a: str, b: str) -> int:
    """Length of the longest common substring."""
    best, previous = 0, [0] * (len(b) + 1)
    for ch in a:
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if ch == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def features(ta: str, tb: str) -> tuple[float, ...]:
    """``FEATURES`` of two normalised, non-empty texts."""
    ga, gb = _bigrams(ta), _bigrams(tb)
    common = len(ga & gb)
    na, nb = numbers(ta), numbers(tb)
    if na and nb:
        shorter, longer = (na, nb) if len(na) <= len(nb) else (nb, na)
        agree = 1.0 if longer[-len(shorter) :] == shorter or set(shorter) <= set(longer) else 0.0
    else:
        agree = 0.5 if not na and not nb else 0.2
    run = _longest_run(ta, tb)
    return (
        1.0,
        common / min(len(ga), len(gb)),
        common / len(ga | gb),
        agree,
        run / min(len(ta), len(tb)),
        run / max(len(ta), len(tb)),
    )


def _conflict(ta: str, tb: str) -> bool:
    ra, rb = resolve(ta), resolve(tb)
    return any(ra[k] and rb[k] and ra[k]["code"] != rb[k]["code"] for k in ("district", "town"))


def same_place(a: str, b: str, weights: tuple[float, ...] = WEIGHTS, shift: float = SHIFT) -> float:
    ta, tb = normalise(a), normalise(b)
    if not ta or not tb:
        return 0.0
    if ta == tb:
        return 1.0
    z = shift + sum(w * x for w, x in zip(weights, features(ta, tb), strict=True))
    score = 1.0 / (1.0 + math.exp(-z))
    if _conflict(ta, tb):
        score *= 0.3
    return round(score, 4)
