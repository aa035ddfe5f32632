"""Same place or not: a score in [0, 1] for a pair of address texts.

Both texts are normalised (numerals, building and unit words); the score combines how much of the
shorter text's character bigrams the longer one holds, whether their numbers (door, building,
unit, room) agree, and whether their divisions conflict (two different districts are never the
same place)."""

from __future__ import annotations

from yishu.address.normalise import normalise, numbers
from yishu.address.resolve import resolve


def _bigrams(t: str) -> set[str]:
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def same_place(a: str, b: str) -> float:
    ta, tb = normalise(a), normalise(b)
    if not ta or not tb:
        return 0.0
    if ta == tb:
        return 1.0
    ga, gb = _bigrams(ta), _bigrams(tb)
    containment = len(ga & gb) / min(len(ga), len(gb))
    jaccard = len(ga & gb) / len(ga | gb)
    na, nb = numbers(ta), numbers(tb)
    if na and nb:
        shorter, longer = (na, nb) if len(na) <= len(nb) else (nb, na)
        agree = 1.0 if longer[-len(shorter) :] == shorter or set(shorter) <= set(longer) else 0.0
    else:
        agree = 0.5 if not na and not nb else 0.2
    score = 0.45 * containment + 0.2 * jaccard + 0.35 * agree
    ra, rb = resolve(ta), resolve(tb)
    for level in ("district", "town"):
        if ra[level] and rb[level] and ra[level]["code"] != rb[level]["code"]:
            score *= 0.3
            break
    return round(min(score, 1.0), 4)
