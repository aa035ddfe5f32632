"""Search the catalogue in Chinese.

Chinese has no spaces between words, so matching is by substring, with a character-bigram overlap
for queries that are not a substring of anything. A query also matches through data elements: 身份证
finds every resource with a field whose element has that name or synonym (公民身份号码).
"""

from __future__ import annotations

from dataclasses import dataclass

from yishu.catalogue.model import Catalogue, Resource


@dataclass(frozen=True)
class Hit:
    resource: Resource
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        r = self.resource
        return {"code": r.code, "name": r.name, "source": r.source, "provider": r.provider,
                "score": round(self.score, 3), "reasons": list(self.reasons)}  # fmt: skip


def _fold(text: str) -> str:
    return "".join(str(text).split()).lower()


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def search(catalogue: Catalogue, query: str, limit: int = 20) -> list[Hit]:
    q = _fold(query)
    if not q:
        raise ValueError("empty search query")
    matching_elements = {
        e.id: e.name
        for e in catalogue.elements.values()
        if any(
            q in _fold(t) or (len(_fold(t)) >= 2 and _fold(t) in q)
            for t in (e.id, e.name, e.name_en, *e.synonyms)
        )
    }
    hits = []
    for r in catalogue.resources.values():
        score, reasons = 0.0, []
        for weight, label, text in (
            (10, "name", r.name), (6, "source", r.source), (4, "summary", r.summary),
            (3, "provider", r.provider), (2, "code", r.code),
        ):  # fmt: skip
            if q in _fold(text):
                score += weight
                reasons.append(f"{label}: {text}")
        for f in r.fields:
            if q in _fold(f.column):
                score += 5
                reasons.append(f"column: {f.column}")
            elif f.element in matching_elements:
                score += 6
                reasons.append(f"column {f.column} holds {matching_elements[f.element]} ({f.element})")
        if score == 0 and len(q) >= 2:
            overlap = len(_bigrams(q) & _bigrams(_fold(r.name + r.summary))) / len(_bigrams(q))
            if overlap >= 0.5:
                score, reasons = 2 * overlap, [f"partial match in name or summary ({overlap:.0%})"]
        if score:
            hits.append(Hit(r, score, tuple(reasons)))
    hits.sort(key=lambda h: (-h.score, h.resource.code))
    return hits[:limit]
