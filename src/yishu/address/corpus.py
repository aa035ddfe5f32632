"""Read the labelled address corpora: CCKS 2021 (one character and a BIOES tag per line) and NAACL
2019 (one token and a BIO tag per line; digit runs are one token, split here into characters).
Both become (text, spans) with spans as (label, start, end) character offsets, end exclusive."""

from __future__ import annotations

from pathlib import Path

from yishu.address.labels import normalise_label

Span = tuple[str, int, int]


def _blocks(path: Path):
    block: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                if block:
                    yield block
                block = []
                continue
            parts = line.rsplit(maxsplit=1) if " " in line or "\t" in line else [line, "O"]
            if len(parts) != 2:
                raise ValueError(f"{path}:{line_no}: expected a token and a tag, got {line!r}")
            block.append((parts[0], parts[1]))
    if block:
        yield block


def _spans(tokens: list[tuple[str, str]]) -> tuple[str, list[Span]]:
    text, spans = "", []
    current: list | None = None
    for token, tag in tokens:
        start, end = len(text), len(text) + len(token)
        text += token
        prefix, _, label = tag.partition("-")
        if prefix == "O" or not label:
            current = None
            continue
        label = normalise_label(label)
        if prefix in ("B", "S") or current is None or current[0] != label:
            current = [label, start, end]
            spans.append(current)
        else:
            current[2] = end
        if prefix in ("E", "S"):
            current = None
    return text, [tuple(s) for s in spans]


def read(path: str | Path) -> list[tuple[str, list[Span]]]:
    """Every address of a CCKS or NAACL file as (text, spans)."""
    return [_spans(block) for block in _blocks(Path(path))]


def bio(text: str, spans: list[Span]) -> list[str]:
    tags = ["O"] * len(text)
    for label, start, end in spans:
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def spans_from_bio(tags: list[str]) -> list[Span]:
    spans: list[list] = []
    for i, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if prefix == "B" or (prefix == "I" and (not spans or spans[-1][0] != label or spans[-1][2] != i)):
            spans.append([label, i, i + 1])
        elif prefix == "I":
            spans[-1][2] = i + 1
    return [tuple(s) for s in spans]
