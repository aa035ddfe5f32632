"""Character features for the CRF address tagger.

Digits are folded to 0 (the CCKS corpus masks every digit) and letters to a, so the model learns
shapes, not numbers. Each character gets its identity and neighbours, bigrams, its class, whether it
is a typical element suffix (路 号 栋 单元 室 村 组 ...), and the gazetteer's B/I tags for division
names that cover it (a real-division prior for prov/city/district/town)."""

from __future__ import annotations

import unicodedata

from yishu.address import gazetteer

SUFFIXES = set("省市区县镇乡街道路巷弄号栋幢座楼单元层室户村组社小苑园庭府城大厦广场中心")


def fold(text: str) -> str:
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


def features(text: str) -> list[list[str]]:
    """One feature list per character of ``text`` (same length as the text given)."""
    folded = fold(text)
    if len(folded) != len(text):  # NFKC changed the length (rare ligatures): fold character by character
        folded = "".join(fold(ch)[:1] or ch for ch in text)
    n = len(folded)
    gaz = [set() for _ in range(n)]
    for start, end, _name, values in gazetteer.matches(text):
        for label in {lab for lab, _code in values}:
            gaz[start].add(f"g=B-{label}")
            for i in range(start + 1, min(end, n)):
                gaz[i].add(f"g=I-{label}")
            if end - 1 < n:
                gaz[end - 1].add(f"g=E-{label}")
    padded = "^^" + folded + "$$"
    out = []
    for i in range(n):
        j = i + 2
        c = padded[j]
        f = [
            "bias", f"c={c}", f"c-1={padded[j - 1]}", f"c+1={padded[j + 1]}", f"c-2={padded[j - 2]}",
            f"c+2={padded[j + 2]}", f"b-={padded[j - 1]}{c}", f"b+={c}{padded[j + 1]}",
            f"t={padded[j - 1]}{c}{padded[j + 1]}", f"k={_class(c)}{_class(padded[j + 1])}",
            f"kp={_class(padded[j - 1])}{_class(c)}",
        ]  # fmt: skip
        if c in SUFFIXES:
            f.append("suffix")
        if padded[j + 1] in SUFFIXES:
            f.append("next_suffix")
        f.extend(sorted(gaz[i]))
        out.append(f)
    return out
