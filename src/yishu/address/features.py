"""Character features for the CRF address tagger.

Digits are folded to 0 (the CCKS corpus masks every digit) and letters to a, so the model learns
shapes, not numbers. Each character gets its identity and neighbours, bigrams, its class, whether it
is a typical element suffix (路 号 栋 单元 室 村 组 ...), and the gazetteer's B/I tags for division
names that cover it (a real-division prior for prov/city/district/town)."""

from __future__ import annotations

import re
import unicodedata

from yishu.address import gazetteer

SUFFIXES = set("省市区县镇乡街道路巷弄号栋幢座楼单元层室户村组社小苑园庭府城大厦广场中心")


_SIMPLE = re.compile("[^\x00-\x7f\u4e00-\u9fff]")
_FAST = str.maketrans(
    {**{chr(c): "0" for c in range(ord("0"), ord("9") + 1)},
     **{chr(c): "a" for c in [*range(ord("a"), ord("z") + 1), *range(ord("A"), ord("Z") + 1)]}}
)  # fmt: skip


def fold(text: str) -> str:
    """Digits to 0, ASCII letters to a, after NFKC (full width to half width)."""
    if not _SIMPLE.search(text):  # ASCII and common CJK only: NFKC changes nothing, a table does it all
        return text.translate(_FAST)
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        out.append("0" if ch.isdigit() else ("a" if ch.isascii() and ch.isalpha() else ch))
    return "".join(out)


def _class(ch: str) -> str:
    if ch == "0":
        return "D"
    if ch == "a":
        return "A"
    if "\u4e00" <= ch <= "\u9fff":
        return "H"
    return "P"


def window_keys(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Per character: the folded five-character window around it and its gazetteer tags. Every
    feature of a character depends on these alone, so a decoder can cache by them."""
    folded = fold(text)
    if len(folded) != len(text):  # NFKC changed the length (rare ligatures): fold character by character
        folded = "".join(fold(ch)[:1] or ch for ch in text)
    n = len(folded)
    padded = "^^" + folded + "$$"
    found = gazetteer.matches(text)
    if not found:
        return [(padded[i : i + 5], ()) for i in range(n)]
    gaz = [set() for _ in range(n)]
    for start, end, _name, values in found:
        for label in {lab for lab, _code in values}:
            gaz[start].add(f"g=B-{label}")
            for i in range(start + 1, min(end, n)):
                gaz[i].add(f"g=I-{label}")
            if end - 1 < n:
                gaz[end - 1].add(f"g=E-{label}")
    return [(padded[i : i + 5], tuple(sorted(gaz[i])) if gaz[i] else ()) for i in range(n)]


def position_features(window: str, gaz: tuple[str, ...]) -> list[str]:
    """The features of the middle character of a five-character window."""
    p2, p1, c, n1, n2 = window
    f = [
        "bias", f"c={c}", f"c-1={p1}", f"c+1={n1}", f"c-2={p2}", f"c+2={n2}", f"b-={p1}{c}", f"b+={c}{n1}",
        f"t={p1}{c}{n1}", f"k={_class(c)}{_class(n1)}", f"kp={_class(p1)}{_class(c)}",
    ]  # fmt: skip
    if c in SUFFIXES:
        f.append("suffix")
    if n1 in SUFFIXES:
        f.append("next_suffix")
    f.extend(gaz)
    return f


def features(text: str) -> list[list[str]]:
    """One feature list per character of ``text`` (same length as the text given)."""
    return [position_features(w, g) for w, g in window_keys(text)]
