"""Suggest how an unknown delivery's columns map to data elements, from names and from content.

Names: a confirmed mapping for this source wins; then element names and synonyms (证件号码,
公民身份号码, 身份证号 -> citizen_id), exactly or contained; then columns of the same name in other
resources. Content: the standards layer's profiler says what a sample holds (citizen IDs, credit
codes, phones, names, addresses, dates). Both are combined into one score; a person confirms, and
``store.confirm_mapping`` keeps the confirmed mapping for the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from yishu.catalogue.model import Catalogue
from yishu.standards import profile

# What the profiler's kinds mean as data elements.
KIND_ELEMENTS = {
    "citizen_id": "citizen_id",
    "credit_code": "credit_code",
    "phone": "phone",
    "person_name": "person_name",
    "address": "address",
}


@dataclass(frozen=True)
class Suggestion:
    column: str
    element: str | None
    score: float
    reasons: tuple[str, ...]
    personal: bool  # the content is personal information (PIPL)
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    def as_dict(self) -> dict:
        return {"column": self.column, "element": self.element, "score": round(self.score, 3),
                "reasons": list(self.reasons), "personal": self.personal,
                "alternatives": [{"element": e, "score": round(s, 3)} for e, s in self.alternatives]}  # fmt: skip


def _fold(text: str) -> str:
    return "".join(str(text).split()).lower()


def _name_scores(catalogue: Catalogue, column: str) -> dict[str, tuple[float, str]]:
    c = _fold(column)
    scores: dict[str, tuple[float, str]] = {}

    def offer(element: str, score: float, reason: str) -> None:
        if score > scores.get(element, (0.0, ""))[0]:
            scores[element] = (score, reason)

    for e in catalogue.elements.values():
        for term in (e.id, e.name, e.name_en, *e.synonyms):
            t = _fold(term)
            if not t:
                continue
            if t == c:
                offer(e.id, 0.9, f"name {column!r} is {e.name} ({term})")
            elif len(t) >= 2 and (t in c or c in t):
                offer(e.id, 0.6, f"name {column!r} resembles {term}")
    for r in catalogue.resources.values():
        for f in r.fields:
            if _fold(f.column) == c:
                offer(f.element, 0.85, f"resource {r.code} maps column {f.column} to {f.element}")
    return scores


def suggest(
    catalogue: Catalogue,
    columns: Mapping[str, Iterable[object]],
    confirmed: Mapping[str, str] | None = None,
) -> list[Suggestion]:
    """One suggestion per column (``columns``: name -> sample values)."""
    confirmed = confirmed or {}
    out = []
    for column, values in columns.items():
        prof = profile.profile_values(values)
        candidates = {k: v for k, v in _name_scores(catalogue, column).items()}
        content_element = KIND_ELEMENTS.get(prof.kind)
        if content_element and content_element in catalogue.elements:
            score, reason = candidates.get(content_element, (0.0, ""))
            content_reason = f"content: {prof.confidence:.0%} of {prof.sampled} values are {prof.kind}"
            combined = min(1.0, max(score, 0.5 * prof.confidence) + 0.4 * prof.confidence * (score > 0))
            reasons = tuple(r for r in (reason, content_reason) if r)
            candidates[content_element] = (max(combined, 0.7 * prof.confidence), "; ".join(reasons))
        elif prof.kind == "date":
            for eid, (score, reason) in list(candidates.items()):
                if catalogue.elements[eid].type == "date":
                    candidates[eid] = (min(1.0, score + 0.2), reason + "; content: dates")
        if column in confirmed and confirmed[column] in catalogue.elements:
            candidates[confirmed[column]] = (1.0, "confirmed earlier for this source")
        ranked = sorted(candidates.items(), key=lambda kv: (-kv[1][0], kv[0]))
        if ranked:
            best, (score, reason) = ranked[0]
            alternatives = tuple((e, s) for e, (s, _r) in ranked[1:4])
            out.append(
                Suggestion(column, best, score, tuple(reason.split("; ")), prof.personal, alternatives)
            )
        else:
            out.append(Suggestion(column, None, 0.0, (f"no element matches; content looks like {prof.kind}",),
                                  prof.personal))  # fmt: skip
    return out
