"""Column profiling: from a sample of values, what a column holds, with a confidence.

Each kind has a recogniser; the confidence of a kind is the share of non-empty sampled values it
accepts. The best kind wins when its confidence is at least ``threshold`` (default 0.6), else the
column is free text. Kinds, in order of precedence when confidences tie: citizen_id, credit_code,
phone, division_code, date, person_name, address, free_text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from yishu.standards import citizen_id, dates, divisions, names, phone, uscc

PERSONAL = frozenset({"citizen_id", "phone", "person_name", "address"})
_ADDRESS = re.compile(r".*(省|市|区|县|镇|乡|街道|路|街|巷|号|村|小区|栋|单元|室).*")
_DIVISION = re.compile(r"[1-8][0-9]{5}(?:[0-9]{6})?")


def _is_division_code(value: str) -> bool:
    if not _DIVISION.fullmatch(value):
        return False
    try:
        divisions.describe(value)
    except KeyError:
        return False
    return True


def _is_address(value: str) -> bool:
    return len(value) >= 6 and bool(_ADDRESS.fullmatch(value))


def _is_name(value: str) -> bool:
    try:
        name = names.normalise_name(value)
    except ValueError:
        return False
    return names.is_chinese_name(name) and len(name.replace(names.MIDDLE_DOT, "")) <= 6


RECOGNISERS = {
    "citizen_id": citizen_id.is_valid,
    "credit_code": uscc.is_valid,
    "phone": phone.is_phone,
    "division_code": _is_division_code,
    "date": dates.is_date,
    "person_name": _is_name,
    "address": _is_address,
}


@dataclass(frozen=True)
class Profile:
    """What a column holds: the kind, its confidence, and every kind's share of the sample."""

    kind: str
    confidence: float
    sampled: int
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def personal(self) -> bool:
        """True when the column holds personal information (PIPL)."""
        return self.kind in PERSONAL


def profile_values(values: Iterable[object], *, sample: int = 1000, threshold: float = 0.6) -> Profile:
    """Profile up to ``sample`` non-empty values (the first ones; pass a random sample if order matters)."""
    taken: list[str] = []
    for value in values:
        if value is None:
            continue
        text = str(value).strip()
        if text:
            taken.append(text)
            if len(taken) >= sample:
                break
    if not taken:
        return Profile("empty", 1.0, 0, {})
    scores = {kind: sum(1 for v in taken if accept(v)) / len(taken) for kind, accept in RECOGNISERS.items()}
    best = max(RECOGNISERS, key=lambda k: scores[k])  # max keeps the first on ties: precedence order
    if scores[best] < threshold:
        return Profile("free_text", round(1 - scores[best], 3), len(taken), scores)
    return Profile(best, round(scores[best], 3), len(taken), scores)
