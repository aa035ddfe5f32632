"""The catalogue's objects: data elements, resources with their fields, and the authority map."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CLASSIFICATIONS = ("general", "important", "core")  # GB/T 43697-2024, ascending
PERSONAL = ("none", "personal", "sensitive")  # PIPL art. 28, ascending
GRADES = ("L1", "L2", "L3", "L4")  # L1 may be opened; L4 is never opened
TYPES = ("string", "code", "date", "integer", "decimal")
MASKINGS = ("none", "citizen_id", "phone", "name", "address", "year", "redact")
ENTITY_TYPES = ("person", "organisation", "house")
UPDATE_CYCLES = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular")
FORMATS = ("csv", "xlsx", "jsonl", "json", "parquet", "table")

# Share and open types as the catalogue guide writes them, with the codes used in code and the API.
SHARE_TYPES = {"无条件": "unconditional", "有条件": "conditional", "不予共享": "refused"}
OPEN_TYPES = {"无条件": "open", "有条件": "conditional", "不予开放": "closed"}

# The lowest grade that a personal-information class implies (就高从严 takes the higher one).
GRADE_FOR_PERSONAL = {"none": "L1", "personal": "L3", "sensitive": "L4"}
GRADE_FOR_CLASSIFICATION = {"general": "L1", "important": "L3", "core": "L4"}


def higher(ladder: tuple[str, ...], *values: str) -> str:
    """The highest of ``values`` on an ascending ``ladder``."""
    return max(values, key=ladder.index)


@dataclass(frozen=True)
class Check:
    """The standards-layer functions that enforce an element: Python, DuckDB validity, normaliser."""

    python: str | None = None
    sql: str | None = None
    normalise: str | None = None


@dataclass(frozen=True)
class DataElement:
    id: str
    name: str
    name_en: str
    type: str
    classification: str
    personal: str
    grade: str
    masking: str
    standard: str | None = None
    codelist: str | None = None
    check: Check = field(default_factory=Check)
    synonyms: tuple[str, ...] = ()
    file: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "type": self.type,
            "standard": self.standard,
            "codelist": self.codelist,
            "check": {"python": self.check.python, "sql": self.check.sql, "normalise": self.check.normalise},
            "classification": self.classification,
            "personal": self.personal,
            "grade": self.grade,
            "masking": self.masking,
            "synonyms": list(self.synonyms),
        }


@dataclass(frozen=True)
class Field:
    """A column of a resource mapped to a data element, with its effective grading."""

    column: str
    element: str
    attribute: str | None  # entity attribute it feeds (person.name ...), None for context columns
    subject: str  # whose value it is: "self" (the resource's entity) or owner, employer ...
    personal: str
    grade: str
    masking: str
    graded_by: str  # why the grade is what it is

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "element": self.element,
            "attribute": self.attribute,
            "subject": self.subject,
            "personal": self.personal,
            "grade": self.grade,
            "masking": self.masking,
            "graded_by": self.graded_by,
        }


@dataclass(frozen=True)
class Resource:
    code: str
    name: str
    source: str
    provider: str
    summary: str
    entity_type: str
    format: str
    update_cycle: str
    share_type: str  # unconditional / conditional / refused
    share_basis: str | None
    open_type: str  # open / conditional / closed
    open_basis: str | None
    release_date: str
    fields: tuple[Field, ...]
    related: tuple[str, ...] = ()
    declared_grade: str | None = None
    file: str = ""

    @property
    def grade(self) -> str:
        """The highest grade of the fields and of what the author declared (就高从严)."""
        grades = [f.grade for f in self.fields] + ([self.declared_grade] if self.declared_grade else [])
        return higher(GRADES, *grades) if grades else "L1"

    @property
    def personal(self) -> str:
        return higher(PERSONAL, *(f.personal for f in self.fields)) if self.fields else "none"

    def field(self, column: str) -> Field:
        for f in self.fields:
            if f.column == column:
                return f
        raise KeyError(f"resource {self.code} has no column {column!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "source": self.source,
            "provider": self.provider,
            "summary": self.summary,
            "entity_type": self.entity_type,
            "format": self.format,
            "update_cycle": self.update_cycle,
            "share_type": self.share_type,
            "share_basis": self.share_basis,
            "open_type": self.open_type,
            "open_basis": self.open_basis,
            "release_date": self.release_date,
            "related": list(self.related),
            "declared_grade": self.declared_grade,
            "grade": self.grade,
            "personal": self.personal,
            "fields": [f.as_dict() for f in self.fields],
        }


@dataclass(frozen=True)
class Catalogue:
    elements: dict[str, DataElement]
    resources: dict[str, Resource]  # by code
    authority: dict[str, tuple[str, ...]]  # entity.attribute -> sources, authoritative first

    def resource_for_source(self, source: str) -> Resource:
        for r in self.resources.values():
            if r.source == source:
                return r
        raise KeyError(f"no catalogue resource for source {source!r}")

    def sources_for(self, attribute: str) -> tuple[str, ...]:
        """The authority order for ``entity.attribute``."""
        try:
            return self.authority[attribute]
        except KeyError:
            raise KeyError(f"the authority map has no attribute {attribute!r}") from None

    def resources_holding(self, element: str) -> list[Resource]:
        return [r for r in self.resources.values() if any(f.element == element for f in r.fields)]
