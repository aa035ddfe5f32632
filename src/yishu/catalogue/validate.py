"""Read a catalogue folder (YAML) into a validated ``Catalogue``, or fail with every problem.

A folder holds any number of ``*.yaml`` files; each file's top-level key says what it holds:
``elements`` (a list of data elements), ``resource`` (one resource) or ``authority`` (the map).
Validation is complete before anything is returned, so a catalogue with one error never half-loads.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from pathlib import Path
from typing import Any

from yishu.catalogue import model
from yishu.catalogue.model import Catalogue, Check, DataElement, Field, Resource, higher
from yishu.catalogue.yamlio import CatalogueError, Document, Problem, load
from yishu.standards import codelists, profile

# Code lists the catalogue knows: the standards layer's, plus the verification answers.
CODELISTS = {
    "sex": codelists.SEX,
    "ethnicity": codelists.ETHNICITY,
    "marital_status": codelists.MARITAL_STATUS,
}
LOCAL_CODELISTS = {"verification_answer": ("choose", "enter", "moved", "deceased", "not_found")}

ELEMENT_KEYS = {
    "id", "name", "name_en", "type", "standard", "codelist", "check", "classification", "personal",
    "grade", "masking", "synonyms",
}  # fmt: skip
RESOURCE_KEYS = {
    "code", "name", "source", "provider", "summary", "entity_type", "format", "update_cycle",
    "share_type", "share_basis", "open_type", "open_basis", "release_date", "related", "grade", "fields",
}  # fmt: skip
FIELD_KEYS = {"column", "element", "attribute", "subject", "personal", "grade", "examples"}
ATTRIBUTE = re.compile(r"(person|organisation|house)\.[a-z][a-z0-9_]*")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")

# Column names that say "citizen ID" whatever element the author chose.
CITIZEN_ID_NAMES = re.compile(r"身份证|公民身份号码|身份号码|证件号|社会保障号码|sfzh|zjhm", re.IGNORECASE)


def _sql_macros() -> set[str]:
    from yishu.standards import sql

    return set(sql.macros())


def _python_exists(path: str) -> bool:
    module, _, name = path.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def need(self, doc: Document, where: tuple, data: dict, key: str) -> Any:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problems.append(doc.problem((*where, key), "is required"))
            return None
        return value

    def text(self, doc: Document, where: tuple, data: dict, key: str, required: bool = True) -> str | None:
        value = self.need(doc, where, data, key) if required else data.get(key)
        if value is None:
            return None
        if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problems.append(doc.problem((*where, key), f"must be text, got {type(value).__name__}"))
            return None
        return value.strip()

    def choice(self, doc: Document, where: tuple, data: dict, key: str, allowed, required: bool = True):
        value = self.text(doc, where, data, key, required)
        if value is not None and value not in allowed:
            self.problems.append(
                doc.problem((*where, key), f"{value!r} is not one of: {', '.join(map(str, allowed))}")
            )
            return None
        return value

    def unknown_keys(self, doc: Document, where: tuple, data: dict, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.problems.append(doc.problem((*where, key), "unknown key"))

    # --- elements --------------------------------------------------------------------------------

    def elements(self, doc: Document, out: dict[str, DataElement], macros: set[str]) -> None:
        items = doc.data.get("elements")
        if not isinstance(items, list):
            self.problems.append(doc.problem(("elements",), "must be a list of data elements"))
            return
        for i, item in enumerate(items):
            where = ("elements", i)
            if not isinstance(item, dict):
                self.problems.append(doc.problem(where, "must be a mapping"))
                continue
            self.unknown_keys(doc, where, item, ELEMENT_KEYS)
            eid = self.text(doc, where, item, "id")
            if eid is not None and not IDENTIFIER.fullmatch(eid):
                self.problems.append(doc.problem((*where, "id"), f"{eid!r} must be lower_snake_case"))
            if eid is not None and eid in out:
                self.problems.append(doc.problem((*where, "id"), f"data element {eid!r} is defined twice"))
            codelist = self.text(doc, where, item, "codelist", required=False)
            if codelist is not None and codelist not in CODELISTS and codelist not in LOCAL_CODELISTS:
                known = ", ".join(sorted([*CODELISTS, *LOCAL_CODELISTS]))
                self.problems.append(
                    doc.problem((*where, "codelist"), f"unknown code list {codelist!r} (known: {known})")
                )
            check = item.get("check") or {}
            if not isinstance(check, dict):
                self.problems.append(
                    doc.problem((*where, "check"), "must be a mapping of python / sql / normalise")
                )
                check = {}
            self.unknown_keys(doc, (*where, "check"), check, {"python", "sql", "normalise"})
            for key in ("sql", "normalise"):
                if check.get(key) is not None and check[key] not in macros:
                    self.problems.append(
                        doc.problem(
                            (*where, "check", key), f"{check[key]!r} is not a standards-layer SQL macro"
                        )
                    )
            if check.get("python") is not None and not _python_exists(str(check["python"])):
                self.problems.append(
                    doc.problem(
                        (*where, "check", "python"), f"{check['python']!r} is not an importable function"
                    )
                )
            synonyms = item.get("synonyms") or []
            if not isinstance(synonyms, list):
                self.problems.append(doc.problem((*where, "synonyms"), "must be a list"))
                synonyms = []
            values = {
                "name": self.text(doc, where, item, "name"),
                "name_en": self.text(doc, where, item, "name_en"),
                "type": self.choice(doc, where, item, "type", model.TYPES),
                "classification": self.choice(doc, where, item, "classification", model.CLASSIFICATIONS),
                "personal": self.choice(doc, where, item, "personal", model.PERSONAL),
                "grade": self.choice(doc, where, item, "grade", model.GRADES),
                "masking": self.choice(doc, where, item, "masking", model.MASKINGS),
            }
            if values["type"] == "code" and codelist is None:
                self.problems.append(doc.problem((*where, "codelist"), "a code element needs a code list"))
            if eid is None or any(v is None for v in values.values()):
                continue
            out[eid] = DataElement(
                id=eid,
                standard=self.text(doc, where, item, "standard", required=False),
                codelist=codelist,
                check=Check(check.get("python"), check.get("sql"), check.get("normalise")),
                synonyms=tuple(str(s) for s in synonyms),
                file=str(doc.path),
                **values,
            )

    # --- resources -------------------------------------------------------------------------------

    def resource(self, doc: Document, elements: dict[str, DataElement]) -> Resource | None:
        data = doc.data.get("resource")
        where = ("resource",)
        if not isinstance(data, dict):
            self.problems.append(doc.problem(where, "must be a mapping"))
            return None
        before = len(self.problems)
        self.unknown_keys(doc, where, data, RESOURCE_KEYS)
        code = self.text(doc, where, data, "code")
        entity_type = self.choice(doc, where, data, "entity_type", model.ENTITY_TYPES)
        share = self.choice(doc, where, data, "share_type", [*model.SHARE_TYPES, *model.SHARE_TYPES.values()])
        share = model.SHARE_TYPES.get(share, share)
        share_basis = self.text(doc, where, data, "share_basis", required=False)
        if share in ("conditional", "refused") and not share_basis:
            label = {"conditional": "有条件", "refused": "不予共享"}[share]
            self.problems.append(
                doc.problem((*where, "share_type"), f"share type {label} needs a legal basis (share_basis)")
            )
        opened = self.choice(doc, where, data, "open_type", [*model.OPEN_TYPES, *model.OPEN_TYPES.values()])
        opened = model.OPEN_TYPES.get(opened, opened)
        release = data.get("release_date")
        if isinstance(release, str):
            try:
                release = dt.date.fromisoformat(release.strip())
            except ValueError:
                self.problems.append(
                    doc.problem((*where, "release_date"), f"{release!r} is not a date (YYYY-MM-DD)")
                )
        elif release is None:
            self.problems.append(doc.problem((*where, "release_date"), "is required"))
        elif not isinstance(release, dt.date):
            self.problems.append(
                doc.problem((*where, "release_date"), f"{release!r} is not a date (YYYY-MM-DD)")
            )
        declared = self.choice(doc, where, data, "grade", model.GRADES, required=False)
        related = data.get("related") or []
        if not isinstance(related, list):
            self.problems.append(doc.problem((*where, "related"), "must be a list of resource codes"))
            related = []
        fields = self.fields(doc, data.get("fields"), elements, entity_type)
        values = {
            "name": self.text(doc, where, data, "name"),
            "source": self.text(doc, where, data, "source"),
            "provider": self.text(doc, where, data, "provider"),
            "summary": self.text(doc, where, data, "summary"),
            "format": self.choice(doc, where, data, "format", model.FORMATS),
            "update_cycle": self.choice(doc, where, data, "update_cycle", model.UPDATE_CYCLES),
        }
        if len(self.problems) > before or code is None or fields is None:
            return None
        return Resource(
            code=code,
            entity_type=entity_type,
            share_type=share,
            share_basis=share_basis,
            open_type=opened,
            open_basis=self.text(doc, where, data, "open_basis", required=False),
            release_date=release.isoformat(),
            fields=tuple(fields),
            related=tuple(str(r) for r in related),
            declared_grade=declared,
            file=str(doc.path),
            **values,
        )

    def fields(self, doc, items, elements, entity_type) -> list[Field] | None:
        where = ("resource", "fields")
        if not isinstance(items, list) or not items:
            self.problems.append(doc.problem(where, "must be a non-empty list of fields"))
            return None
        out: list[Field] = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            at = (*where, i)
            if not isinstance(item, dict):
                self.problems.append(doc.problem(at, "must be a mapping"))
                continue
            self.unknown_keys(doc, at, item, FIELD_KEYS)
            column = self.text(doc, at, item, "column")
            if column is not None and column in seen:
                self.problems.append(doc.problem((*at, "column"), f"column {column!r} is listed twice"))
            seen.add(column)
            eid = self.text(doc, at, item, "element")
            if eid is not None and eid not in elements:
                self.problems.append(doc.problem((*at, "element"), f"unknown data element {eid!r}"))
                continue
            attribute = self.text(doc, at, item, "attribute", required=False)
            if attribute is not None and not ATTRIBUTE.fullmatch(attribute):
                self.problems.append(
                    doc.problem((*at, "attribute"), f"{attribute!r} must be person|organisation|house.<name>")
                )
            declared_personal = self.choice(doc, at, item, "personal", model.PERSONAL, required=False)
            declared_grade = self.choice(doc, at, item, "grade", model.GRADES, required=False)
            examples = item.get("examples") or []
            if column is None or eid is None:
                continue
            out.append(grade_field(column, elements[eid], attribute, item.get("subject") or "self",
                                   declared_personal, declared_grade, examples))  # fmt: skip
        return out

    # --- authority -------------------------------------------------------------------------------

    def authority(self, doc: Document, sources: set[str]) -> dict[str, tuple[str, ...]]:
        data = doc.data.get("authority")
        out: dict[str, tuple[str, ...]] = {}
        if not isinstance(data, dict):
            self.problems.append(
                doc.problem(("authority",), "must map entity.attribute to a list of sources")
            )
            return out
        for attribute, order in data.items():
            at = ("authority", attribute)
            if not ATTRIBUTE.fullmatch(str(attribute)):
                self.problems.append(
                    doc.problem(at, f"{attribute!r} must be person|organisation|house.<name>")
                )
                continue
            if not isinstance(order, list) or not order:
                self.problems.append(
                    doc.problem(at, "must be a non-empty list of sources, authoritative first")
                )
                continue
            for j, source in enumerate(order):
                if source not in sources:
                    self.problems.append(
                        doc.problem((*at, j), f"unknown source {source!r} (no resource has it)")
                    )
            if len(set(order)) != len(order):
                self.problems.append(doc.problem(at, "a source is listed twice"))
            out[str(attribute)] = tuple(str(s) for s in order)
        return out


def grade_field(
    column: str,
    element: DataElement,
    attribute: str | None = None,
    subject: str = "self",
    declared_personal: str | None = None,
    declared_grade: str | None = None,
    examples: list | tuple = (),
) -> Field:
    """A field's effective grading: the highest of the element's, the author's and what the column
    evidently holds (就高从严). A column of citizen IDs is sensitive personal information whatever the
    author or the element says: recognised by its element, its name, or example values."""
    personal = higher(model.PERSONAL, element.personal, declared_personal or "none")
    grade = higher(model.GRADES, element.grade, declared_grade or "L1")
    masking = element.masking
    reasons = [f"element {element.id}"]
    holds_ids = element.check.sql == "yishu_id_valid" or bool(CITIZEN_ID_NAMES.search(column))
    if examples and profile.profile_values(examples).kind == "citizen_id":
        holds_ids, reasons = True, [*reasons, "example values are citizen IDs"]
    if holds_ids:
        if personal != "sensitive" or grade != "L4":
            reasons.append("holds citizen IDs: sensitive personal information, L4")
        personal, grade = "sensitive", "L4"
        masking = "citizen_id" if masking == "none" else masking
    grade = higher(
        model.GRADES,
        grade,
        model.GRADE_FOR_PERSONAL[personal],
        model.GRADE_FOR_CLASSIFICATION[element.classification],
    )
    return Field(column, element.id, attribute, str(subject), personal, grade, masking, "; ".join(reasons))


def yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_catalogue(folder: str | Path) -> Catalogue:
    """Read and validate every YAML file under ``folder``; CatalogueError lists every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: catalogue folder not found")
    reader = _Reader()
    docs: list[Document] = []
    for path in yaml_files(folder):
        doc, problems = load(path)
        reader.problems += problems
        if doc.data is None:
            if not problems:
                reader.problems.append(Problem(str(path), 1, "(file)", "empty file"))
            continue
        if (
            not isinstance(doc.data, dict)
            or len(doc.data) != 1
            or next(iter(doc.data))
            not in (
                "elements",
                "resource",
                "authority",
            )
        ):
            reader.problems.append(
                doc.problem((), "a catalogue file has one top-level key: elements, resource or authority")
            )
            continue
        docs.append(doc)
    if not docs and not reader.problems:
        raise CatalogueError([Problem(str(folder), 1, "(folder)", "no catalogue files (*.yaml)")])
    macros = _sql_macros()
    elements: dict[str, DataElement] = {}
    for doc in docs:
        if "elements" in doc.data:
            reader.elements(doc, elements, macros)
    resources: dict[str, Resource] = {}
    by_source: dict[str, str] = {}
    for doc in docs:
        if "resource" in doc.data:
            r = reader.resource(doc, elements)
            if r is None:
                continue
            if r.code in resources:
                reader.problems.append(
                    doc.problem(("resource", "code"), f"resource code {r.code!r} is used twice")
                )
            if r.source in by_source:
                reader.problems.append(
                    doc.problem(
                        ("resource", "source"),
                        f"source {r.source!r} already has resource {by_source[r.source]}",
                    )
                )
            resources[r.code], by_source[r.source] = r, r.code
    authority: dict[str, tuple[str, ...]] = {}
    authority_docs = [d for d in docs if "authority" in d.data]
    for doc in authority_docs:
        for attribute, order in reader.authority(doc, set(by_source)).items():
            if attribute in authority:
                reader.problems.append(doc.problem(("authority", attribute), "attribute listed in two files"))
            authority[attribute] = order
    for r in resources.values():
        for code in r.related:
            if code not in resources:
                reader.problems.append(
                    Problem(
                        r.file, 1, "resource.related", f"related resource {code!r} is not in the catalogue"
                    )
                )
    if authority_docs:
        for r in resources.values():
            for i, f in enumerate(r.fields):
                if f.attribute and f.attribute not in authority:
                    reader.problems.append(
                        Problem(
                            r.file,
                            _field_line(r.file, i),
                            f"resource.fields.{i}.attribute",
                            f"attribute {f.attribute!r} is not in the authority map",
                        )  # fmt: skip
                    )
    if reader.problems:
        raise CatalogueError(reader.problems)
    return Catalogue(elements, resources, authority)


def _field_line(file: str, index: int) -> int:
    doc, _ = load(Path(file))
    return doc.line("resource", "fields", index)
