"""Span-level precision, recall and F1 per label and overall (exact start, end and label: the CCKS
convention), for a parser on a labelled file. The texts are parsed as one batch (``parse_many``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from yishu.address import corpus


def evaluate_examples(parser, examples) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    parsed = parser.parse_many([text for text, _gold in examples])
    for (_text, gold), elements in zip(examples, parsed, strict=True):
        predicted = {(e.label, e.start, e.end) for e in elements}
        truth = set(gold)
        for label, *_ in predicted & truth:
            tp[label] += 1
        for label, *_ in predicted - truth:
            fp[label] += 1
        for label, *_ in truth - predicted:
            fn[label] += 1

    def prf(t, p, n):
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": t + n,
        }

    labels = sorted(set(tp) | set(fp) | set(fn))
    return {
        "addresses": len(examples),
        "overall": prf(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "labels": {label: prf(tp[label], fp[label], fn[label]) for label in labels},
    }


def evaluate_file(parser, path: str | Path, fmt: str) -> dict:
    if fmt not in ("ccks", "naacl"):
        raise ValueError(f"unknown format {fmt!r} (ccks, naacl)")
    return evaluate_examples(parser, corpus.read(path))
